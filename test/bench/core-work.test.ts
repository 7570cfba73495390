// The bench's measurement of Airlock's own work per call: a figure that left out the recording, or
// measured calls the policy refused, would make the CPU target look closer than it is.
import { describe, expect, it } from 'vitest';
import { measureCoreWork } from '../../bench/lib/core-work';
import { BENCH_POLICY } from '../../bench/lib/servers';
import { BENCH_TOOL } from '../../bench/lib/clients';
import { readToolDefinition } from '../../src/main/core/tools/tool-definition';

const SEEN = readToolDefinition({
  name: BENCH_TOOL,
  description: 'Service availability.',
  inputSchema: { type: 'object', properties: {} },
})!;
const RESULT = { content: [{ type: 'text', text: '{"status":"operational"}' }] };

describe('measureCoreWork', () => {
  it('records and counts every call it measures, in batches written to SQLite', async () => {
    const work = await measureCoreWork({
      policy: BENCH_POLICY,
      server: 'bench',
      tool: BENCH_TOOL,
      seen: SEEN,
      result: RESULT,
      warmupCalls: 30,
      calls: 250,
      batch: 100,
    });
    expect(work.rows).toBe(280);
    expect(work.counterEvents).toBe(280);
    for (const us of [
      work.authenticateUs,
      work.messagesUs,
      work.decideAndRecordUs,
      work.writesUs,
    ]) {
      expect(us).toBeGreaterThan(0);
    }
  });

  it('refuses to measure calls the policy does not allow', async () => {
    await expect(
      measureCoreWork({
        policy: { version: '1', default: 'deny', tools: {} },
        server: 'bench',
        tool: BENCH_TOOL,
        seen: SEEN,
        result: RESULT,
        warmupCalls: 1,
        calls: 1,
        batch: 1,
      }),
    ).rejects.toThrow(/not allowed/);
  });
});
