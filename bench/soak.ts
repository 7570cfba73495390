// `npm run soak`: minutes of mixed traffic through the built `airlock serve` over real transports
// (SDK clients over Streamable HTTP and through the stdio bridge, a stdio and an HTTP upstream),
// with a person answering held calls through the app API, policy edits, revocations and upstream
// crashes on the side. At the end it checks that every call has exactly one history row, that
// nothing ran upstream without an allow, and that memory came back to its warm-up level, and
// prints the figures. Exits 1 if a check fails.
//
// SOAK_SECONDS sets the main stretch (default 300); SOAK_SEED replays a run's choices.
import { setTimeout as sleep } from 'node:timers/promises';
import { AppApi } from './lib/app-api';
import { InspectorSession } from './lib/inspector';
import { startRunScope } from './lib/processes';
import { rssKb } from './lib/proc';
import { formatTable, machineLines } from './lib/report';
import { Agent, FAKE_KEY, type AgentConfig } from './soak/agent';
import { Chaos } from './soak/chaos';
import {
  checkAgentsToldTheTruth,
  checkEventsMatchHistory,
  checkMemoryReturned,
  checkNothingRanUnallowed,
  checkOneRowPerCall,
  HEAP_TOLERANCE_BYTES,
  refusedBeforeDecision,
  RSS_TOLERANCE,
  type CheckResult,
  type HistoryRow,
  type MemorySample,
} from './soak/checks';
import { Ledger, type SentCall } from './soak/ledger';
import { Person } from './soak/person';
import { Random } from './soak/random';
import { ALWAYS_DENIED, HTTP_SERVER, STDIO_SERVER, startWorld } from './soak/setup';
import { readUpstreamRecords } from './soak/upstream-records';

const DEFAULT_SECONDS = 300;
/** Nothing runs for a moment before each memory reading, so no call is half-way through. */
const QUIET_MS = 5000;

const AGENTS: Omit<AgentConfig, 'token'>[] = [
  {
    name: 'alice',
    grant: 'alice',
    server: STDIO_SERVER,
    via: 'http',
    mix: {
      plain: 50,
      secret: 5,
      denied: 6,
      unlisted: 3,
      held: 14,
      cancel: 4,
      disconnect: 1.5,
      burst: 3,
      crash: 0.8,
    },
  },
  {
    name: 'bob',
    grant: 'bob',
    server: STDIO_SERVER,
    via: 'http',
    mix: {
      plain: 50,
      secret: 5,
      denied: 6,
      unlisted: 3,
      held: 14,
      cancel: 4,
      disconnect: 1.5,
      burst: 3,
      crash: 0.8,
    },
  },
  {
    // Through `airlock connect`; no kill here: an abandoned session keeps its server process.
    name: 'carol (bridge)',
    grant: 'carol',
    server: STDIO_SERVER,
    via: 'bridge',
    mix: {
      plain: 50,
      secret: 5,
      denied: 6,
      unlisted: 3,
      held: 14,
      cancel: 4,
      burst: 3,
      crash: 0.8,
    },
  },
  {
    name: 'dave',
    grant: 'dave',
    server: HTTP_SERVER,
    via: 'http',
    mix: { plain: 55, secret: 5, denied: 8, held: 15, cancel: 4, disconnect: 1.5, burst: 3 },
  },
  {
    // The same grant on the other server: limits and held calls are per grant.
    name: 'alice (meatspace)',
    grant: 'alice',
    server: HTTP_SERVER,
    via: 'http',
    mix: { plain: 55, secret: 5, denied: 8, held: 15, cancel: 4, disconnect: 1.5, burst: 3 },
  },
  {
    name: 'erin (bridge)',
    grant: 'erin',
    server: HTTP_SERVER,
    via: 'bridge',
    mix: { plain: 55, secret: 5, denied: 8, held: 15, cancel: 4, kill: 0.4, burst: 3 },
  },
];

function parsePositive(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) {
    throw new Error(`${name} must be a positive number, not "${value}"`);
  }
  return number;
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return true;
    await sleep(250);
  }
  return condition();
}

const mb = (kb: number) => (kb / 1024).toFixed(1);
const heapMb = (bytes: number) => (bytes / 1048576).toFixed(1);

async function main(): Promise<number> {
  const seconds = parsePositive('SOAK_SECONDS', process.env.SOAK_SECONDS, DEFAULT_SECONDS);
  const seed = parsePositive(
    'SOAK_SEED',
    process.env.SOAK_SEED,
    Math.floor(Math.random() * 2 ** 31),
  );
  const random = new Random(seed);
  const { group, tmp, finish } = startRunScope('airlock-soak-');

  console.log('Airlock soak');
  for (const line of machineLines()) console.log(line);
  console.log(`SOAK_SECONDS=${seconds} SOAK_SEED=${seed}`);
  const started = Date.now();

  const world = await startWorld(group, tmp, [...new Set(AGENTS.map((agent) => agent.grant))]);
  const airlock = world.airlock;
  const pid = airlock.handle.pid;
  const api = new AppApi(airlock.url, airlock.uiToken);
  const log = { warn: 0, error: 0, errors: new Map<string, number>(), secrets: 0 };
  airlock.handle.onLine((line, stream) => {
    if (line.includes(FAKE_KEY)) log.secrets++;
    if (stream !== 'stderr') return;
    const match = /^\S+ (warn|error) (.*?)(?: \{.*)?$/.exec(line);
    if (!match) return;
    if (match[1] === 'warn') log.warn++;
    else {
      log.error++;
      log.errors.set(match[2]!, (log.errors.get(match[2]!) ?? 0) + 1);
    }
  });
  const [, inspectorUrl] = await airlock.handle.waitForLine(/Debugger listening on (ws:\S+)/);
  const inspector = await InspectorSession.connect(inspectorUrl!);
  const memory = async (): Promise<MemorySample> => {
    const heapBytes = await inspector.heapAfterGc();
    return { heapBytes, rssKb: rssKb(pid) };
  };
  let rssPeakKb = rssKb(pid);
  const rssTrace: number[] = [];
  const rssTimer = setInterval(() => {
    if (!airlock.handle.running) return;
    const kb = rssKb(pid);
    rssPeakKb = Math.max(rssPeakKb, kb);
    rssTrace.push(kb);
  }, 1000);

  const person = new Person(api, random);
  await person.start();
  const ledger = new Ledger();
  const deps = { airlockUrl: airlock.url, dataDir: world.dataDir, ledger, person, random };
  const agents = AGENTS.map(
    (config) => new Agent({ ...config, token: world.tokens.get(config.grant)! }, deps),
  );
  const chaos = new Chaos(world, group, api, deps, random);
  const problems: string[] = [];

  try {
    await Promise.all(agents.map((agent) => agent.connect()));

    // Warm-up: every path once (sessions, statements, caches), then the reference reading.
    const warmupMs = clamp(seconds * 100, 10_000, 30_000);
    console.log(`\nwarm-up ${warmupMs / 1000} s ...`);
    await Promise.all(agents.map((agent) => agent.runUntil(Date.now() + warmupMs)));
    await sleep(QUIET_MS);
    const warm = await memory();
    const warmCalls = ledger.calls.size;

    console.log(`main run ${seconds} s ...`);
    const mainStarted = Date.now();
    const deadline = mainStarted + seconds * 1000;
    await Promise.all([
      ...agents.map((agent) => agent.runUntil(deadline)),
      chaos.runUntil(deadline, {
        editMs: 8000,
        grantMs: clamp((seconds * 1000) / 6, 15_000, 40_000),
        httpKillMs: clamp((seconds * 1000) / 4, 10_000, 60_000),
      }),
    ]);
    const mainMs = Date.now() - mainStarted;

    // Traffic has stopped; held calls end by answer or timeout.
    console.log('settling ...');
    if (!(await waitFor(() => ledger.unsettled().length === 0, 30_000))) {
      problems.push(`${ledger.unsettled().length} calls never got an answer`);
    }
    const emptied = await waitFor(
      async () => (await api.call('approvals.list', {})).approvals.length === 0,
      15_000,
    );
    if (!emptied) problems.push('held calls were still waiting after the run');
    await sleep(QUIET_MS);
    const end = await memory();
    for (const agent of [...agents, ...chaos.tempAgents]) await agent.close();
    await sleep(QUIET_MS);
    const afterClose = await memory();
    const { servers } = await api.call('servers.list', {});
    clearInterval(rssTimer);
    person.stop();

    if (!airlock.handle.running) problems.push('Airlock exited during the soak');
    const exported = await api.call('history.export', { format: 'jsonl', limit: 100_000 });
    if (exported.truncated) problems.push('the history export was truncated; rows are missing');
    const rows = exported.content
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as HistoryRow);
    const upstream = readUpstreamRecords(
      { server: STDIO_SERVER, recordFile: world.recordFile },
      { server: HTTP_SERVER, traceFile: world.traceFile },
    );
    if (upstream.unreadable > 0)
      problems.push(`${upstream.unreadable} upstream record lines were not JSON`);

    const calls = [...ledger.calls.values()];
    for (const call of calls) {
      if (call.outcome === 'transport_error') {
        problems.push(`soak_id ${call.soakId} (${call.agent}) was lost in transit: ${call.detail}`);
      }
    }
    const checks: CheckResult[] = [
      checkOneRowPerCall(calls, rows),
      checkAgentsToldTheTruth(calls, rows),
      checkNothingRanUnallowed(calls, rows, upstream.calls, ALWAYS_DENIED),
      checkEventsMatchHistory(person.resolutions, rows),
      checkMemoryReturned(warm, end),
      {
        name: 'the key agents sent stayed out of the history and the log',
        problems: [
          ...(exported.content.includes(FAKE_KEY) ? ['the history export holds the key'] : []),
          ...(log.secrets > 0 ? [`${log.secrets} lines of Airlock's output hold the key`] : []),
        ],
      },
      {
        name: 'Airlock stayed up, answered every call, and its app API behaved',
        problems: [...problems, ...person.problems, ...chaos.problems],
      },
    ];

    report({
      seconds: mainMs / 1000,
      warmupSeconds: warmupMs / 1000,
      totalSeconds: (Date.now() - started) / 1000,
      calls,
      warmCalls,
      rows,
      upstream,
      agents: [...agents, ...chaos.tempAgents],
      person,
      chaos,
      memory: { warm, end, afterClose, peakKb: rssPeakKb, trace: rssTrace },
      openSessions: servers.map((server) => `${server.id} ${server.sessions}`).join(', '),
      log,
    });
    console.log('\n## Checks\n');
    for (const check of checks) {
      const count = check.problems.length;
      console.log(`${count === 0 ? 'PASS' : 'FAIL'}  ${check.name}: ${count} mismatches`);
      for (const problem of check.problems.slice(0, 15)) console.log(`        ${problem}`);
      if (count > 15) console.log(`        ... and ${count - 15} more`);
    }
    const failed = checks.filter((check) => check.problems.length > 0).length;
    console.log(
      `\n${checks.length - failed} of ${checks.length} checks passed in ${((Date.now() - started) / 1000).toFixed(0)} s (SOAK_SEED=${seed})`,
    );
    return failed === 0 ? 0 : 1;
  } finally {
    clearInterval(rssTimer);
    person.stop();
    inspector.close();
    await finish();
  }
}

interface ReportInput {
  seconds: number;
  warmupSeconds: number;
  totalSeconds: number;
  calls: SentCall[];
  warmCalls: number;
  rows: HistoryRow[];
  upstream: ReturnType<typeof readUpstreamRecords>;
  agents: Agent[];
  person: Person;
  chaos: Chaos;
  memory: {
    warm: MemorySample;
    end: MemorySample;
    afterClose: MemorySample;
    peakKb: number;
    trace: number[];
  };
  openSessions: string;
  log: { warn: number; error: number; errors: Map<string, number>; secrets: number };
}

function tally<T>(items: readonly T[], key: (item: T) => string): [string, string][] {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1]).map(([name, count]) => [name, String(count)]);
}

function report(input: ReportInput): void {
  const { calls, rows, upstream, person, chaos, memory } = input;
  console.log('\n## Run\n');
  console.log(
    `main run ${input.seconds.toFixed(0)} s after a ${input.warmupSeconds} s warm-up; ${input.totalSeconds.toFixed(0)} s in all`,
  );
  console.log(
    `${calls.length} calls (${input.warmCalls} in the warm-up), ${(calls.length / (input.seconds + input.warmupSeconds)).toFixed(1)} a second, from ${input.agents.length} agents:`,
  );
  for (const line of formatTable(
    ['agent', 'grant', 'server', 'via', 'calls', 'sessions', 'abandoned'],
    input.agents.map((agent) => [
      agent.config.name,
      agent.config.grant,
      agent.config.server,
      agent.config.via,
      String(calls.filter((call) => call.agent === agent.config.name).length),
      String(agent.figures.sessions),
      String(agent.figures.abandonedSessions),
    ]),
  )) {
    console.log(line);
  }

  console.log('\n## What the agents were told\n');
  for (const line of formatTable(
    ['outcome', 'calls'],
    tally(calls, (call) =>
      call.outcome === 'refused'
        ? `refused (by ${call.decidedBy})`
        : call.outcome === 'rpc_error'
          ? `JSON-RPC error ${call.errorCode}${refusedBeforeDecision(call) ? ', before a decision' : ''}`
          : (call.outcome ?? 'no answer'),
    ),
  )) {
    console.log(line);
  }
  const unauthorized = calls.filter((call) => call.outcome === 'unauthorized').length;
  const early = calls.filter(
    (call) => refusedBeforeDecision(call) && call.outcome !== 'unauthorized',
  );
  console.log(
    `refused before a decision, so with no history row: ${unauthorized} with HTTP 401 (sent on a revoked grant's token; ${calls.filter((call) => call.afterRevoke).length} sent once the revocation had taken effect, which must all be), ${early.length} with a JSON-RPC error (${[...new Set(early.map((call) => (call.detail ?? '').slice(0, 80)))].join('; ') || 'none'})`,
  );

  console.log('\n## History\n');
  console.log(`${rows.length} rows`);
  for (const line of formatTable(
    ['decision', 'decided by', 'rows'],
    tally(
      rows,
      (row) =>
        `${row.decision}\t${row.decidedBy}${row.decision === 'deny' && row.rule.includes('/limits/') ? ' (rate limit)' : ''}`,
    ).map(([key, count]) => [...key.split('\t'), count] as [string, string, string]),
  )) {
    console.log(line);
  }
  const held = rows.filter((row) => row.action === 'require_approval');
  console.log(
    `held for a person: ${held.length}; ${tally(
      held,
      (row) => `${row.decision} by ${row.decidedBy}`,
    )
      .map(([name, count]) => `${name} ${count}`)
      .join(', ')}`,
  );
  const byAirlock = rows.filter((row) => row.decidedBy === 'airlock');
  if (byAirlock.length > 0) {
    console.log(
      `refused by Airlock itself: ${tally(byAirlock, (row) =>
        row.reason.replace(/\d+/g, 'N').slice(0, 90),
      )
        .map(([reason, count]) => `${count}× ${reason}`)
        .join('; ')}`,
    );
  }
  console.log(
    `person: ${person.figures.allowed} allowed (+${person.figures.allowedForMinutes} for a minute), ${person.figures.denied} denied, ${person.figures.ignored} left to time out, ${person.figures.doubleAnswers} answered twice at once, ${person.figures.lateAnswers} answers came too late; ${person.figures.heldSeenByEvents} held calls seen by events, ${person.figures.answeredFromList} answered from approvals.list, ${person.figures.missedByEvents} missed by events, ${person.figures.streamDrops} event stream drops`,
  );
  console.log(
    `approval.resolved events: ${[...person.figures.resolved].map(([name, count]) => `${name} ${count}`).join(', ')}`,
  );

  console.log('\n## Upstream\n');
  const byServer = tally(upstream.calls, (call) => call.server);
  console.log(
    `tools/calls received: ${byServer.map(([name, count]) => `${name} ${count}`).join(', ')}`,
  );
  console.log(
    `${STDIO_SERVER}: ${upstream.stdioProcesses} processes started, ${upstream.stdioRestarts} of them restarts after a crash; ${calls.filter((call) => call.tool === 'crash').length} crash calls sent`,
  );
  console.log(
    `${HTTP_SERVER}: killed ${chaos.figures.httpUpstreamKills} times, started ${upstream.httpStarts} times`,
  );
  console.log(
    `sessions still open at the end (abandoned by killed bridges): ${input.openSessions}`,
  );

  console.log('\n## Disturbances\n');
  const f = chaos.figures;
  console.log(
    `policies: ${f.policySaves} saved through the API, ${f.policyFileWrites} written to the file, ${f.invalidSavesRefused} invalid saves refused, ${f.invalidWritesKeptLastGood} invalid files kept out (last good policy stayed)`,
  );
  console.log(
    `grants: ${f.grantsCreated} created, ${f.grantsRevoked} revoked (${f.revokedWhileHeld} with a call held at that moment)`,
  );

  console.log('\n## Memory (Airlock)\n');
  for (const line of formatTable(
    ['', 'RSS MB', 'JS heap MB (after full GC)'],
    [
      ['after warm-up', mb(memory.warm.rssKb), heapMb(memory.warm.heapBytes)],
      ['peak (sampled each second)', mb(memory.peakKb), ''],
      ['end (quiet, clients connected)', mb(memory.end.rssKb), heapMb(memory.end.heapBytes)],
      ['after the clients left', mb(memory.afterClose.rssKb), heapMb(memory.afterClose.heapBytes)],
    ],
  )) {
    console.log(line);
  }
  const step = Math.max(1, Math.round(memory.trace.length / 20));
  console.log(
    `RSS MB over the run: ${memory.trace
      .filter((_, index) => index % step === 0)
      .map(mb)
      .join(' ')}`,
  );
  console.log(
    `tolerance: RSS within ${RSS_TOLERANCE.ratio * 100} % or ${RSS_TOLERANCE.kb / 1024} MB of the warm-up level, whichever is more; heap within ${HEAP_TOLERANCE_BYTES / 1048576} MB`,
  );

  console.log('\n## Airlock log\n');
  console.log(`${input.log.warn} warnings, ${input.log.error} errors`);
  for (const [message, count] of [...input.log.errors].slice(0, 8)) {
    console.log(`  error ×${count}: ${message.slice(0, 160)}`);
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
