// Storage that fails under Airlock: a full disk, a history.sqlite another program holds locked,
// and policy files replaced while calls run (half-written, invalid, emptied, deleted). Nothing
// runs unrecorded or under no policy, the agent is told why, and Airlock recovers by itself once
// the problem is gone, with nothing lost that was recorded before.
import { execFileSync } from 'node:child_process';
import {
  appendFileSync,
  closeSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { apiCall, connectClient, SEED_POLICY_FILE, textOf } from '../helpers/airlock-harness';
import { startHostileAirlock, type HostileAirlock } from '../helpers/hostile-upstream';
import type { Database } from '../../src/main/adapters/sqlite/database';
import { HISTORY_TEXT_LIMIT } from '../../src/main/core/calls/call-guard';
import { parsePolicy } from '../../src/main/core/policy';
import type { CallRecord } from '../../src/shared/contract';

type CallResult = Awaited<ReturnType<Client['callTool']>>;

const ECHO_ALLOWED = { version: '1', default: 'deny', tools: { echo: {} } };
const ECHO_HELD = {
  version: '1',
  default: 'deny',
  tools: { echo: { action: 'require_approval' } },
};
/** Larger than a database page, so every recorded call needs new pages on disk. */
const PAD = 'x'.repeat(8192);

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function start(options: Parameters<typeof startHostileAirlock>[0]) {
  const airlock = await startHostileAirlock(options);
  cleanups.push(() => airlock.close());
  const client = await connectClient(airlock.runtime, 'hostile', airlock.token);
  cleanups.push(() => client.close());
  let n = 0;
  /** An echo call with a number of its own, to find it upstream and in the history. */
  const echo = (extra: Record<string, unknown> = {}) => {
    const args = { n: ++n, ...extra };
    return client
      .callTool({ name: 'echo', arguments: args })
      .then((result) => ({ n: args.n, result }));
  };
  return { airlock, client, echo };
}

/** The `n` of every echo call the upstream server has read. */
function upstreamNumbers(airlock: HostileAirlock): number[] {
  return airlock
    .upstreamLines()
    .filter((line) => line.message?.method === 'tools/call')
    .map((line) => (line.message!.params as { arguments: { n: number } }).arguments.n);
}

/** Every call in the history, newest first, page by page. */
async function allCalls(airlock: HostileAirlock): Promise<CallRecord[]> {
  const calls: CallRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await apiCall(airlock.runtime, 'history.query', {
      limit: 500,
      ...(cursor ? { cursor } : {}),
    });
    calls.push(...page.calls);
    cursor = page.nextCursor;
  } while (cursor);
  return calls;
}

const numberOf = (call: CallRecord) => (JSON.parse(call.args) as { n: number }).n;

/** What the agent reads when its call cannot be recorded; the cause in parentheses. */
const UNRECORDABLE =
  /^Airlock refused "echo": Airlock could not record the call in its history \((.+)\), and it runs nothing unrecorded; it will work again once the history can be written\.$/;

/**
 * The whole outage, whatever causes it: calls recorded before it, then `fail()`; the first calls
 * may still run (a call is kept in memory until its batch is written) but once a write has failed
 * every call is refused, saying `cause`, and none reaches the server; then `heal()`, and calls run
 * again without anyone restarting anything. Every call the server ran is in the history, with its
 * result, including those recorded before the outage.
 */
async function outage(
  setup: Awaited<ReturnType<typeof start>>,
  { fail, heal, cause }: { fail(): void; heal(): void; cause: string },
): Promise<void> {
  const { airlock, echo } = setup;
  const before: number[] = [];
  for (let i = 0; i < 3; i++) {
    const { n, result } = await echo({ pad: PAD });
    expect(result.isError).toBeFalsy();
    before.push(n);
  }
  fail();
  let refused: CallResult | undefined;
  for (let i = 0; i < 100 && refused === undefined; i++) {
    const { result } = await echo({ pad: PAD });
    if (result.isError) refused = result;
    // Reading the history writes what waits first, as the batch timer would 100 ms later.
    else await apiCall(airlock.runtime, 'history.query', { limit: 1 });
  }
  expect(refused, 'a call was refused').toBeDefined();
  expect(UNRECORDABLE.exec(textOf(refused))?.[1]).toBe(cause);
  const ranBefore = upstreamNumbers(airlock).length;
  for (let i = 0; i < 3; i++) expect((await echo({ pad: PAD })).result.isError).toBe(true);
  expect(upstreamNumbers(airlock)).toHaveLength(ranBefore);

  heal();
  await expect
    .poll(async () => (await echo()).result.isError ?? false, { timeout: 5_000, interval: 100 })
    .toBe(false);
  const ran = upstreamNumbers(airlock);
  const recorded = (await allCalls(airlock)).filter((call) => call.decision === 'allow');
  expect(recorded.map(numberOf).sort((a, b) => a - b)).toEqual(ran.sort((a, b) => a - b));
  expect(recorded.every((call) => call.status === 'ok' && call.result !== undefined)).toBe(true);
  expect(ran).toEqual(expect.arrayContaining(before));
}

/** Why a real (tmpfs) full disk cannot be made here, or undefined when it can. */
function tmpfsProblem(): string | undefined {
  if (process.platform !== 'linux') return 'tmpfs mounts need Linux';
  if (process.getuid?.() !== 0) return 'mounting a tmpfs needs root';
  const probe = mkdtempSync(join(tmpdir(), 'airlock-mount-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { stdio: 'pipe' });
    execFileSync('umount', [probe], { stdio: 'pipe' });
    return undefined;
  } catch (error) {
    return `mount -t tmpfs failed: ${String((error as { stderr?: unknown }).stderr ?? error).trim()}`;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}
const noTmpfs = tmpfsProblem();

describe('a history that cannot be written', () => {
  it("a full disk (SQLite's own size cap): calls are refused, none runs unrecorded, and Airlock recovers by itself", async () => {
    let db: Database | undefined;
    const setup = await start({
      policy: ECHO_ALLOWED,
      runtime: { onDatabaseOpen: (opened) => (db = opened) },
    });
    await outage(setup, {
      // The database may not grow past the pages it has: SQLITE_FULL, as on a full disk.
      fail: () => db!.pragma(`max_page_count = ${db!.pragma('page_count', { simple: true })}`),
      heal: () => db!.pragma('max_page_count = 1073741823'),
      cause: 'database or disk is full',
    });
  });

  it.skipIf(noTmpfs !== undefined)(
    `a full disk (a 1 MB tmpfs filled to the last byte)${noTmpfs ? ` [skipped: ${noTmpfs}]` : ''}`,
    async () => {
      const mount = mkdtempSync(join(tmpdir(), 'airlock-full-disk-'));
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mount]);
      cleanups.push(() => {
        execFileSync('umount', ['-l', mount]);
        rmSync(mount, { recursive: true, force: true });
      });
      const setup = await start({ policy: ECHO_ALLOWED, dataDirParent: mount });
      const filler = join(mount, 'filler');
      await outage(setup, {
        fail: () => {
          const fd = openSync(filler, 'w');
          const block = Buffer.alloc(4096, 1);
          try {
            for (;;) writeSync(fd, block);
          } catch (error) {
            if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
          } finally {
            closeSync(fd);
          }
        },
        heal: () => rmSync(filler),
        cause: 'database or disk is full',
      });
    },
  );

  it('another program holding history.sqlite locked: calls are refused until it lets go', async () => {
    const setup = await start({ policy: ECHO_ALLOWED });
    const other = new BetterSqlite3(join(setup.airlock.dataDir, 'history.sqlite'));
    cleanups.push(() => other.close());
    await outage(setup, {
      fail: () => other.exec('BEGIN EXCLUSIVE'),
      heal: () => other.exec('COMMIT'),
      cause: 'database is locked',
    });
  });

  it('refuses a held call a person allows while the history is locked, rather than run it with its row saying it never ran', async () => {
    const { airlock, echo } = await start({ policy: ECHO_HELD });
    const pending = echo();
    let held: string | undefined;
    await expect
      .poll(
        async () =>
          (held = (await apiCall(airlock.runtime, 'approvals.list', {})).approvals[0]?.id),
      )
      .toBeDefined();
    const other = new BetterSqlite3(join(airlock.dataDir, 'history.sqlite'));
    cleanups.push(() => other.close());
    other.exec('BEGIN EXCLUSIVE');
    await apiCall(airlock.runtime, 'approvals.decide', { id: held!, decision: 'allow' });
    const { result } = await pending;
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe(
      'Airlock refused "echo": a person allowed the call, but Airlock could not record that in its history, and it runs nothing unrecorded; call again once the history can be written.',
    );
    expect(upstreamNumbers(airlock)).toEqual([]);
    other.exec('COMMIT');
    // Once writing works, the row tells what happened.
    await expect
      .poll(async () => (await allCalls(airlock))[0], { timeout: 5_000 })
      .toMatchObject({ decision: 'deny', decidedBy: 'airlock', status: 'not_run' });
  });
});

describe('policy files replaced while calls run', () => {
  const hashOf = (text: string) => {
    const parsed = parsePolicy(text);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    return parsed.value.version.hash;
  };
  const policyFile = (airlock: HostileAirlock) => join(airlock.dataDir, 'policies', 'hostile.json');
  const inForce = (airlock: HostileAirlock) => airlock.runtime.policies.get('hostile');

  it('no cut of a policy file parses: a half-written file is never taken for a policy', () => {
    const policies = [
      readFileSync(SEED_POLICY_FILE, 'utf8'),
      JSON.stringify(
        {
          version: '1',
          default: 'deny',
          tools: {
            echo: { action: 'allow', args: { type: 'object', maxProperties: 1 } },
            provision_api_key: {
              action: 'require_approval',
              limits: [{ counter: 'keys', window: 'minute', max: 3, scope: 'grant' }],
            },
          },
          grants: { agent: { default: 'allow' } },
        },
        null,
        2,
      ),
    ];
    for (const text of policies) {
      expect(parsePolicy(text).ok).toBe(true);
      const trimmed = text.trimEnd();
      for (let cut = 0; cut < trimmed.length; cut++) {
        expect(parsePolicy(trimmed.slice(0, cut)).ok, `cut at ${cut}`).toBe(false);
      }
    }
  });

  it('a half-written, invalid or emptied file leaves the last good policy in force, for calls and held calls', async () => {
    const good = JSON.stringify(
      { version: '1', default: 'deny', tools: { echo: {}, twice: { action: 'require_approval' } } },
      null,
      2,
    );
    const { airlock, client, echo } = await start({ policy: good });
    const goodHash = hashOf(good);
    // A call held under the good policy, answered only after the file went bad.
    const heldCall = client.callTool({ name: 'twice', arguments: {} });
    const bad = [
      good.slice(0, good.length / 2),
      good.slice(0, 1),
      '',
      '\0\0\0\0',
      JSON.stringify({ version: '1', default: 'alow' }),
      JSON.stringify({
        version: '1',
        default: 'allow',
        tools: { echo: { action: 'allow', colour: 'red' } },
      }),
    ];
    for (const text of bad) {
      // Written in place, as an editor or a script that died half-way would leave it.
      writeFileSync(policyFile(airlock), text);
      await expect.poll(() => inForce(airlock).errors.length).toBeGreaterThan(0);
      expect(inForce(airlock).policy?.version.hash).toBe(goodHash);
      const { result } = await echo();
      expect(result.isError, JSON.stringify(text)).toBeFalsy();
      writeFileSync(policyFile(airlock), good);
      await expect.poll(() => inForce(airlock).errors.length).toBe(0);
    }
    writeFileSync(policyFile(airlock), good.slice(0, 10));
    await expect.poll(() => inForce(airlock).errors.length).toBeGreaterThan(0);
    const [approval] = (await apiCall(airlock.runtime, 'approvals.list', {})).approvals;
    expect(approval?.policyHash).toBe(goodHash);
    await apiCall(airlock.runtime, 'approvals.decide', { id: approval!.id, decision: 'allow' });
    expect((await heldCall).isError).toBeFalsy();
    const calls = await allCalls(airlock);
    expect(calls).toHaveLength(bad.length + 1);
    expect(calls.every((call) => call.policyHash === goodHash && call.decision === 'allow')).toBe(
      true,
    );
  });

  it('a deleted policy refuses its server: new calls, held calls and its tool list', async () => {
    const { airlock, client, echo } = await start({ policy: ECHO_HELD });
    const held = echo();
    await expect
      .poll(async () => (await apiCall(airlock.runtime, 'approvals.list', {})).approvals.length)
      .toBe(1);
    rmSync(policyFile(airlock));
    await expect.poll(() => inForce(airlock).policy).toBeUndefined();

    const [approval] = (await apiCall(airlock.runtime, 'approvals.list', {})).approvals;
    await apiCall(airlock.runtime, 'approvals.decide', { id: approval!.id, decision: 'allow' });
    const heldResult = (await held).result;
    expect(heldResult.isError).toBe(true);
    expect(textOf(heldResult)).toMatch(
      /the policy for server "hostile" changed while the call was held/,
    );
    const { result } = await echo();
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/no policy is loaded for server "hostile"/);
    expect((await client.listTools()).tools).toEqual([]);
    expect(upstreamNumbers(airlock)).toEqual([]);

    writeFileSync(policyFile(airlock), JSON.stringify(ECHO_ALLOWED));
    await expect.poll(async () => (await echo()).result.isError ?? false).toBe(false);
  });

  it('calls in flight while the file is rewritten are each decided under exactly one policy', async () => {
    const allow = JSON.stringify({ version: '1', default: 'deny', tools: { echo: {} } }, null, 2);
    const deny = JSON.stringify(
      {
        version: '1',
        default: 'deny',
        tools: { echo: { action: 'deny', reason: 'policy B says no' } },
      },
      null,
      2,
    );
    const hashes = { [hashOf(allow)]: 'allow', [hashOf(deny)]: 'deny' } as const;
    const { airlock, echo } = await start({ policy: allow });
    const results = new Map<number, CallResult>();
    let swapping = true;
    const caller = async () => {
      while (swapping) {
        const { n, result } = await echo();
        results.set(n, result);
      }
    };
    const callers = [caller(), caller(), caller()];
    for (let swap = 0; swap < 8; swap++) {
      const text = swap % 2 === 0 ? deny : allow;
      // Half, then the rest: the watcher may read the file in between.
      writeFileSync(policyFile(airlock), text.slice(0, text.length / 2));
      await new Promise((resolve) => setImmediate(resolve));
      appendFileSync(policyFile(airlock), text.slice(text.length / 2));
      await expect.poll(() => inForce(airlock).policy?.version.hash).toBe(hashOf(text));
      const { n, result } = await echo();
      results.set(n, result);
    }
    swapping = false;
    await Promise.all(callers);

    const calls = await allCalls(airlock);
    expect(calls).toHaveLength(results.size);
    const ran = upstreamNumbers(airlock);
    const seen = new Set<string>();
    for (const call of calls) {
      const n = numberOf(call);
      const under = hashes[call.policyHash ?? ''];
      expect(under, `call ${n} was decided under one of the two policies`).toBeDefined();
      seen.add(under!);
      if (under === 'allow') {
        expect(call).toMatchObject({ decision: 'allow', status: 'ok' });
        expect(results.get(n)!.isError).toBeFalsy();
        expect(ran.filter((m) => m === n)).toHaveLength(1);
      } else {
        expect(call).toMatchObject({
          decision: 'deny',
          reason: 'policy B says no',
          status: 'not_run',
        });
        expect(textOf(results.get(n))).toMatch(/policy B says no/);
        expect(ran).not.toContain(n);
      }
    }
    expect(ran).toHaveLength(calls.filter((call) => call.decision === 'allow').length);
    expect([...seen].sort()).toEqual(['allow', 'deny']);
  });
});

describe('what an upstream server can make the history hold', () => {
  it('keeps the head of an error message of megabytes, as it does of a result', async () => {
    const { airlock, client } = await start({ policy: { version: '1', default: 'allow' } });
    await expect(client.callTool({ name: 'fail', arguments: { mb: 4 } })).rejects.toThrow(
      /refused: eee/,
    );
    const [call] = await allCalls(airlock);
    expect(call).toMatchObject({ tool: 'fail', status: 'failed' });
    expect(call!.error!.startsWith('refused: eee')).toBe(true);
    expect(call!.error!.length).toBeLessThanOrEqual(HISTORY_TEXT_LIMIT + 100);
  });
});
