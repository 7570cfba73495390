// No single message stalls Airlock while it redacts it. A red-team agent sent one tools/call whose
// arguments held an object key of 100,000 private key BEGIN lines and no END line: redacting it for
// the history, even for a call the policy refused, kept the process that every session shares busy
// for minutes. These tests send that call and its value-shaped twin through the CallGuard and
// check what the history and the approval screen get; the suite's time limit catches a stall.
import { describe, expect, it } from 'vitest';
import type { ToolCall } from '../../src/main/core/gatekeeper';
import { memoryCore } from '../main/core/fakes';

const PRIVATE_KEY = '[redacted:private-key]';
const BEGIN_LINES = '-----BEGIN PRIVATE KEY-----x'.repeat(100_000) + 'a'.repeat(1_100_000);

function setup() {
  const { core, history } = memoryCore();
  const policy = {
    version: '1',
    default: 'deny',
    tools: { review: { action: 'require_approval' } },
  };
  const loaded = core.policies.load('files', JSON.stringify(policy));
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
  const admit = (call: Pick<ToolCall, 'tool' | 'args'>) =>
    core.calls.admit({ server: 'files', grant: 'alice', session: 's1', ...call }, () => {});
  return { admit, history, approvals: core.approvals };
}

describe('one call stuffed with private key BEGIN lines', () => {
  it('is refused and recorded with the key redacted and cut, when its tool is denied', () => {
    const { admit, history } = setup();
    expect(admit({ tool: 'drop_tables', args: { [BEGIN_LINES]: 'x' } }).kind).toBe('refuse');
    expect(history.records.map((row) => [row.decision, row.args])).toEqual([
      ['deny', `{"${PRIVATE_KEY}":""}`],
    ]);
  });

  it('is held with the value masked on the approval screen and redacted in the history', () => {
    const { admit, history, approvals } = setup();
    const admission = admit({ tool: 'review', args: { note: BEGIN_LINES } });
    if (admission.kind !== 'hold') throw new Error(`expected a held call, got ${admission.kind}`);
    expect(approvals.get(admission.approvalId)?.secrets).toEqual([
      { pointer: '/note', redacted: PRIVATE_KEY },
    ]);
    expect(history.record(admission.callId)?.args).toBe(`{"note":"${PRIVATE_KEY}"}`);
  });
});
