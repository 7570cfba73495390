// The Activity screen in a real Chromium against `airlock serve`, with a history of a million
// calls against a baseline of 10,000 measured in the same run: how soon the first rows show,
// how scrolling through pages that must load behaves (time per step, frame gaps, long tasks),
// how many rows the DOM holds, how soon a search or a tool filter shows its rows, and the page's
// JS heap. Targets are ratios large ÷ baseline, so a UI whose work grows with the history (one
// that loads everything, or does work per call on each scroll) misses them, while the machine's
// speed, which moves both alike, does not. Last, the large history is scrolled to the screen's
// cap of 50,000 loaded rows: no page loads past it and the heap stops growing.
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { chromium, type Browser, type Page } from '@playwright/test';
import { historyPath } from '../../src/main/adapters/files/data-dir';
import { openDatabase } from '../../src/main/adapters/sqlite/database';
import { fixed, formatTable, target, type Target } from '../lib/report';
import { percentile } from '../lib/stats';
import { MAX_ROWS, PAGE_SIZE } from '../../src/renderer/src/features/activity/activity-store';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../test/helpers/chromium';
import { startAirlock, type AirlockProcess } from '../lib/servers';
import { historyStore, loadPastCalls, RARE, TOOLS } from './history';
import { scaled, type Section } from './section';

const BASELINE_CALLS = 10_000;
const LARGE_CALLS = 1_000_000;
/** Below this the large history would not reach the screen's 50,000-row cap with room to spare. */
const LARGE_MIN = 100_000;
/** Rounds of every measurement, each in a fresh page, baseline and large alternating first. */
const ROUNDS = 5;
/** 40 steps of 3,000 px: ~3,750 rows, ~19 pages of 200 loaded on the way. */
const SCROLL_STEPS = 40;
const SCROLL_STEP_PX = 3_000;
const VIEWPORT = { width: 1280, height: 1000 };
const LIMITS = {
  firstRowsRatio: 1.5,
  scrollP95Ratio: 1.5,
  /** On frame gaps and long-task time, compared with the baseline plus one frame's slack. */
  frameRatio: 1.5,
  filterRatio: 2,
  heapRatio: 1.5,
  domRows: 100,
  /** The heap after more scrolling at the cap, against the heap at the cap. */
  capHeapGrowth: 1.1,
};
const FRAME_MS = 1000 / 60;
// Runs in the page before the app (plain JS: tsx's helpers would not exist there). Records when
// each API request leaves, long tasks, and frame gaps; drives the screen as a person would (the
// tab, the scroll box, the filter inputs) and times until the DOM shows the rows that answer it.
// Waits are checked on every DOM change and every frame, so a time ends when React commits.
const PAGE_SCRIPT = String.raw`(() => {
  const requests = [];
  let inFlight = 0;
  const realFetch = window.fetch.bind(window);
  window.fetch = (input, init) => {
    const url = typeof input === 'string' ? input : input.url;
    const command = /\/api\/([\w.]+)$/.exec(url)?.[1];
    if (command) requests.push({ command, at: performance.now() });
    inFlight++;
    return realFetch(input, init).finally(() => inFlight--);
  };
  const longTasks = [];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) longTasks.push({ start: entry.startTime, ms: entry.duration });
  }).observe({ type: 'longtask' });

  const grid = () => document.querySelector('[role="grid"][aria-label="Calls"]');
  const rowCount = () => Number(grid()?.getAttribute('aria-rowcount') ?? 1) - 1;
  const domRows = () => grid()?.querySelectorAll('[role="row"]:not([aria-rowindex="1"])').length ?? 0;
  const footer = () => document.querySelector('.calls-footer')?.textContent ?? '';

  function when(test, timeoutMs = 60000) {
    return new Promise((resolve, reject) => {
      let done = false;
      const finish = (at, error) => {
        if (done) return;
        done = true;
        observer.disconnect();
        clearTimeout(timer);
        if (error) reject(error);
        else resolve(at);
      };
      const check = () => {
        if (done) return;
        try {
          if (test()) finish(performance.now());
        } catch (error) {
          finish(undefined, error);
        }
      };
      const observer = new MutationObserver(check);
      observer.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
      const frame = () => {
        check();
        if (!done) requestAnimationFrame(frame);
      };
      requestAnimationFrame(frame);
      const timer = setTimeout(() => finish(undefined, new Error('timed out: ' + test)), timeoutMs);
      check();
    });
  }

  /** Resolves once no request has been in flight for quietMs. */
  async function idle(quietMs = 150) {
    let since = performance.now();
    for (;;) {
      await new Promise((r) => setTimeout(r, 25));
      if (inFlight > 0) since = performance.now();
      else if (performance.now() - since >= quietMs) return;
    }
  }

  /** Records frame gaps and long tasks from now until the returned stop() is called. */
  function recordFrames() {
    const t0 = performance.now();
    const gaps = [];
    let last = t0;
    let running = true;
    const loop = (at) => {
      if (!running) return;
      gaps.push(at - last);
      last = at;
      requestAnimationFrame(loop);
    };
    requestAnimationFrame(loop);
    return () => {
      running = false;
      const tasks = longTasks.filter((t) => t.start >= t0);
      return {
        maxGap: Math.max(0, ...gaps),
        frames: gaps.length,
        longTasks: tasks.length,
        longTaskMs: tasks.reduce((sum, t) => sum + t.ms, 0),
        ms: performance.now() - t0,
      };
    };
  }

  function rowsInView(el) {
    // Rows start below the 32 px header; row i spans 32 + 32i to 64 + 32i.
    const total = rowCount();
    const first = Math.min(total - 1, Math.max(0, Math.floor((el.scrollTop - 32) / 32)));
    const last = Math.min(total - 1, Math.floor((el.scrollTop + el.clientHeight - 33) / 32));
    return !!el.querySelector('[aria-rowindex="' + (first + 2) + '"]') &&
      !!el.querySelector('[aria-rowindex="' + (last + 2) + '"]');
  }

  function input(label) {
    const form = document.querySelector('form[aria-label="Filter calls"]');
    const field = [...form.querySelectorAll('label')].find((l) => l.querySelector('span')?.textContent === label);
    return field.querySelector('input');
  }

  window.__bench = {
    idle,
    domRows,
    /** Clicks the Activity tab; ms until the first row is in the DOM. */
    async openActivity() {
      const tab = [...document.querySelectorAll('nav[aria-label="Screens"] button')]
        .find((b) => b.textContent.trim().startsWith('Activity'));
      const t0 = performance.now();
      tab.click();
      const t1 = await when(() => !!grid()?.querySelector('[aria-rowindex="2"]'));
      return t1 - t0;
    },
    /** Scrolls the table down by px, steps times; per step, ms until the rows in view are in the DOM. */
    async scroll(steps, px) {
      const el = grid();
      const stop = recordFrames();
      const stepMs = [];
      for (let i = 0; i < steps; i++) {
        const goal = el.scrollTop + px;
        const t0 = performance.now();
        el.scrollTop = goal;
        const t1 = await when(() => {
          // Past the loaded rows the box stops short: scroll on once the next page is in.
          if (el.scrollTop < goal - 1 && el.scrollHeight - el.clientHeight > el.scrollTop + 1) el.scrollTop = goal;
          return el.scrollTop >= goal - 1 && rowsInView(el);
        });
        stepMs.push(t1 - t0);
      }
      const frames = stop();
      return { stepMs, frames, loaded: rowCount(), domRows: domRows() };
    },
    /**
     * Types text into a filter input the way React sees typing; ms from the keystroke and from the
     * query leaving (once typing rests) until the table shows the expected rows.
     */
    async filter(label, text, firstId, count) {
      const field = input(label);
      const setValue = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
      const sentBefore = requests.length;
      const t0 = performance.now();
      setValue.call(field, text);
      field.dispatchEvent(new Event('input', { bubbles: true }));
      const t1 = await when(() => {
        if (rowCount() !== count) return false;
        if (count === 0) return true;
        return document.getElementById('call-row-' + firstId)?.getAttribute('aria-rowindex') === '2';
      });
      const sent = requests.slice(sentBefore).find((r) => r.command === 'history.query');
      return { fromKeystroke: t1 - t0, fromQuery: sent ? t1 - sent.at : NaN };
    },
    /** Jumps to the end of the table until the list is capped or ends; rows loaded and time. */
    async scrollToEnd(timeoutMs) {
      const el = grid();
      const t0 = performance.now();
      const queriesBefore = requests.filter((r) => r.command === 'history.query').length;
      while (!/Showing the newest|No older calls/.test(footer())) {
        if (performance.now() - t0 > timeoutMs) throw new Error('scrollToEnd timed out at ' + rowCount() + ' rows');
        const before = rowCount();
        el.scrollTop = el.scrollHeight;
        await when(() => rowCount() > before || /Showing the newest|No older calls/.test(footer()));
      }
      return {
        ms: performance.now() - t0,
        loaded: rowCount(),
        queries: requests.filter((r) => r.command === 'history.query').length - queriesBefore,
        domRows: domRows(),
      };
    },
    /** Scrolls up and down the loaded rows; how many queries that sent. */
    async wander(times) {
      const el = grid();
      const queriesBefore = requests.filter((r) => r.command === 'history.query').length;
      for (let i = 0; i < times; i++) {
        el.scrollTop = i % 2 === 0 ? el.scrollHeight : el.scrollHeight / 2;
        await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 50)));
      }
      el.scrollTop = el.scrollHeight;
      await new Promise((r) => setTimeout(r, 300));
      return {
        queries: requests.filter((r) => r.command === 'history.query').length - queriesBefore,
        loaded: rowCount(),
        domRows: domRows(),
      };
    },
  };
})();`;

interface FrameStats {
  maxGap: number;
  frames: number;
  longTasks: number;
  longTaskMs: number;
  ms: number;
}

interface ScrollResult {
  stepMs: number[];
  frames: FrameStats;
  loaded: number;
  domRows: number;
}

interface FilterResult {
  fromKeystroke: number;
  fromQuery: number;
}

/** What the table must show for a filter: its newest call and how many the first page holds. */
interface Expected {
  firstId: number;
  count: number;
}

interface Variant {
  name: 'baseline' | 'large';
  calls: number;
  airlock: AirlockProcess;
  fileBytes: number;
  buildSeconds: number;
  newest: Expected;
  search: Expected;
  tool: Expected;
  /** The tool the tool filter types. */
  toolName: string;
  firstRows: number[];
  scrollSteps: number[];
  maxGaps: number[];
  longTaskMsPerStep: number[];
  domRows: number[];
  loaded: number[];
  heapBytes: number[];
  searchMs: FilterResult[];
  toolMs: FilterResult[];
}

export const ui: Section = {
  name: 'ui',
  title: 'Activity screen in Chromium (large history against a baseline)',
  async run(ctx) {
    const dir = mkdtempSync(join(tmpdir(), 'airlock-bench-ui-'));
    let browser: Browser | undefined;
    try {
      const largeCalls = scaled(ctx, LARGE_CALLS, LARGE_MIN);
      const end = Date.now();
      const prepare = async (name: Variant['name'], calls: number, seed: number) => {
        const dataDir = join(dir, name);
        const { seconds, bytes } = buildDataDir(dataDir, calls, seed, end);
        // The grant token is not used: the screen talks to the app API with the UI token.
        const airlock = await startAirlock(ctx.group, dataDir, '');
        return { name, calls, airlock, fileBytes: bytes, buildSeconds: seconds };
      };
      const variants: Variant[] = [];
      for (const [name, calls, seed] of [
        ['baseline', BASELINE_CALLS, 11],
        ['large', largeCalls, 12],
      ] as const) {
        const base = await prepare(name, calls, seed);
        variants.push({
          ...base,
          ...(await expectations(base.airlock)),
          firstRows: [],
          scrollSteps: [],
          maxGaps: [],
          longTaskMsPerStep: [],
          domRows: [],
          loaded: [],
          heapBytes: [],
          searchMs: [],
          toolMs: [],
        });
      }

      browser = await chromium.launch({
        executablePath: CHROMIUM_PATH,
        args: CHROMIUM_ARGS,
      });
      // A first page on each, not measured: the servers' and the browser's caches warm up.
      for (const variant of variants) await measureRound(browser, variant, false);
      for (let round = 0; round < ROUNDS; round++) {
        const order = round % 2 === 0 ? variants : [...variants].reverse();
        for (const variant of order) await measureRound(browser, variant, true);
      }
      const cap = await measureCap(browser, variants[1]!);
      const server = [...(await serverTimes(variants[0]!)), ...(await serverTimes(variants[1]!))];
      return report(variants as [Variant, Variant], cap, server);
    } finally {
      await browser?.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

/** A data folder with no servers and a history of `calls` past calls ending at `end`. */
function buildDataDir(
  dataDir: string,
  calls: number,
  seed: number,
  end: number,
): { seconds: number; bytes: number } {
  mkdirSync(join(dataDir, 'policies'), { recursive: true, mode: 0o700 });
  writeFileSync(join(dataDir, 'config.json'), '{}\n');
  const file = historyPath(dataDir);
  const db = openDatabase(file);
  try {
    const store = historyStore(db);
    const seconds = loadPastCalls(store, calls, seed, end);
    db.pragma('wal_checkpoint(TRUNCATE)');
    return { seconds, bytes: statSync(file).size };
  } finally {
    db.close();
  }
}

async function apiCall<T>(airlock: AirlockProcess, command: string, body: unknown): Promise<T> {
  const response = await fetch(`${airlock.url}/api/${command}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${airlock.uiToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${command}: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

async function expected(airlock: AirlockProcess, filter: object): Promise<Expected> {
  const { calls } = await apiCall<{ calls: { id: number }[] }>(airlock, 'history.query', {
    ...filter,
    limit: PAGE_SIZE,
  });
  return { firstId: calls[0]?.id ?? 0, count: calls.length };
}

/**
 * The newest calls unfiltered, for a rare word, and for a tool, asked of the served history so
 * the page knows the rows that answer each. The tool is one the newest call does not use, so the
 * filtered table starts with a different row.
 */
async function expectations(
  airlock: AirlockProcess,
): Promise<Pick<Variant, 'newest' | 'search' | 'tool' | 'toolName'>> {
  const { calls } = await apiCall<{ calls: { tool: string }[] }>(airlock, 'history.query', {
    limit: 1,
  });
  const toolName = TOOLS.find((t) => t !== calls[0]?.tool)!;
  return {
    newest: await expected(airlock, {}),
    search: await expected(airlock, { text: RARE[0] }),
    tool: await expected(airlock, { tool: toolName }),
    toolName,
  };
}

/** The server's answer times, median of 5 after one, for what the screen asks on each load. */
async function serverTimes(variant: Variant): Promise<string[][]> {
  const time = async (command: string, body: object) => {
    await apiCall(variant.airlock, command, body);
    const samples: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      await apiCall(variant.airlock, command, body);
      samples.push(performance.now() - t0);
    }
    return median(samples);
  };
  const rows: string[][] = [];
  for (const [label, filter] of [
    ['no filter', {}],
    [`search "${RARE[0]}"`, { text: RARE[0] }],
    [`tool ${variant.toolName}`, { tool: variant.toolName }],
  ] as const) {
    rows.push([
      `${variant.name}, ${label}`,
      fixed(await time('history.query', { ...filter, limit: PAGE_SIZE }), 1),
      fixed(await time('history.counts', filter), 1),
    ]);
  }
  return rows;
}

async function openPage(browser: Browser, variant: Variant): Promise<Page> {
  const context = await browser.newContext({ viewport: VIEWPORT });
  const page = await context.newPage();
  await page.addInitScript(PAGE_SCRIPT);
  await page.goto(`${variant.airlock.url}/#token=${variant.airlock.uiToken}`);
  await page.getByRole('navigation', { name: 'Screens' }).waitFor();
  await page.evaluate('window.__bench.idle()');
  return page;
}

async function heapBytes(page: Page): Promise<number> {
  const cdp = await page.context().newCDPSession(page);
  try {
    await cdp.send('HeapProfiler.collectGarbage');
    const { usedSize } = await cdp.send('Runtime.getHeapUsage');
    return usedSize;
  } finally {
    await cdp.detach();
  }
}

/** One round on one variant in a fresh page: open, scroll, heap, search, tool filter. */
async function measureRound(browser: Browser, variant: Variant, keep: boolean): Promise<void> {
  const page = await openPage(browser, variant);
  try {
    const first = (await page.evaluate('window.__bench.openActivity()')) as number;
    await page.evaluate('window.__bench.idle()');
    const scroll = (await page.evaluate(
      `window.__bench.scroll(${SCROLL_STEPS}, ${SCROLL_STEP_PX})`,
    )) as ScrollResult;
    await page.evaluate('window.__bench.idle()');
    const heap = await heapBytes(page);
    const filter = async (label: string, text: string, want: Expected) =>
      (await page.evaluate(
        `window.__bench.filter(${JSON.stringify(label)}, ${JSON.stringify(text)}, ${want.firstId}, ${want.count})`,
      )) as FilterResult;
    const search = await filter('Search', RARE[0]!, variant.search);
    await filter('Search', '', variant.newest);
    await page.evaluate('window.__bench.idle()');
    const tool = await filter('Tool', variant.toolName, variant.tool);
    if (!keep) return;
    variant.firstRows.push(first);
    variant.scrollSteps.push(...scroll.stepMs);
    variant.maxGaps.push(scroll.frames.maxGap);
    variant.longTaskMsPerStep.push(scroll.frames.longTaskMs / SCROLL_STEPS);
    variant.domRows.push(scroll.domRows);
    variant.loaded.push(scroll.loaded);
    variant.heapBytes.push(heap);
    variant.searchMs.push(search);
    variant.toolMs.push(tool);
  } finally {
    await page.context().close();
  }
}

interface CapResult {
  loaded: number;
  seconds: number;
  queries: number;
  domRows: number;
  heapAtCap: number;
  heapAfter: number;
  queriesAfter: number;
  domRowsAfter: number;
}

/** Scrolls the large history to the screen's cap, then on: no more pages, no more heap. */
async function measureCap(browser: Browser, variant: Variant): Promise<CapResult> {
  const page = await openPage(browser, variant);
  try {
    await page.evaluate('window.__bench.openActivity()');
    await page.evaluate('window.__bench.idle()');
    const end = (await page.evaluate('window.__bench.scrollToEnd(300000)')) as {
      ms: number;
      loaded: number;
      queries: number;
      domRows: number;
    };
    await page.evaluate('window.__bench.idle()');
    const heapAtCap = await heapBytes(page);
    const after = (await page.evaluate('window.__bench.wander(20)')) as {
      queries: number;
      loaded: number;
      domRows: number;
    };
    const heapAfter = await heapBytes(page);
    return {
      loaded: end.loaded,
      seconds: end.ms / 1000,
      queries: end.queries,
      domRows: end.domRows,
      heapAtCap,
      heapAfter,
      queriesAfter: after.queries,
      domRowsAfter: after.domRows,
    };
  } finally {
    await page.context().close();
  }
}

function median(values: readonly number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    0.5,
  );
}

function p95(values: readonly number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    0.95,
  );
}

const mb = (bytes: number) => fixed(bytes / 1024 / 1024, 1);

function report(
  [base, large]: [Variant, Variant],
  cap: CapResult,
  server: string[][],
): {
  lines: string[];
  targets: Target[];
} {
  const rows: string[][] = [];
  const targets: Target[] = [];
  const ratioTarget = (
    label: string,
    unit: string,
    b: number,
    l: number,
    limit: number,
    digits = 1,
  ) => {
    const ratio = l / b;
    rows.push([label, fixed(b, digits), fixed(l, digits), `${fixed(ratio, 2)}×`]);
    targets.push(
      target(
        'ui',
        `${label}, large ÷ baseline ≤ ${limit}×`,
        `${fixed(ratio, 2)}× (${fixed(l, digits)} ${unit} against ${fixed(b, digits)} ${unit})`,
        ratio <= limit,
      ),
    );
  };
  const info = (label: string, b: number, l: number, digits = 1) =>
    rows.push([label, fixed(b, digits), fixed(l, digits), `${fixed(l / b, 2)}×`]);

  ratioTarget(
    'first rows after opening Activity, median ms',
    'ms',
    median(base.firstRows),
    median(large.firstRows),
    LIMITS.firstRowsRatio,
  );
  info('scroll step, median ms', median(base.scrollSteps), median(large.scrollSteps));
  ratioTarget(
    'scroll step, p95 ms',
    'ms',
    p95(base.scrollSteps),
    p95(large.scrollSteps),
    LIMITS.scrollP95Ratio,
  );
  info('scroll step, max ms', Math.max(...base.scrollSteps), Math.max(...large.scrollSteps));
  // A frame's slack on the baseline: gaps come in frames, and a baseline of one frame would
  // otherwise fail a large run one frame slower.
  const gapBase = median(base.maxGaps);
  const gapLarge = median(large.maxGaps);
  rows.push([
    'longest frame gap while scrolling, median of rounds, ms',
    fixed(gapBase, 1),
    fixed(gapLarge, 1),
    `${fixed(gapLarge / gapBase, 2)}×`,
  ]);
  targets.push(
    target(
      'ui',
      `longest frame gap while scrolling ≤ ${LIMITS.frameRatio}× baseline + 1 frame`,
      `${fixed(gapLarge, 1)} ms against ${fixed(gapBase, 1)} ms (limit ${fixed(gapBase * LIMITS.frameRatio + FRAME_MS, 1)} ms)`,
      gapLarge <= gapBase * LIMITS.frameRatio + FRAME_MS,
    ),
  );
  const ltBase = median(base.longTaskMsPerStep);
  const ltLarge = median(large.longTaskMsPerStep);
  rows.push([
    'long-task time per scroll step, median of rounds, ms',
    fixed(ltBase, 1),
    fixed(ltLarge, 1),
    ltBase > 0 ? `${fixed(ltLarge / ltBase, 2)}×` : '-',
  ]);
  targets.push(
    target(
      'ui',
      `long-task time per scroll step ≤ ${LIMITS.frameRatio}× baseline + 1 frame`,
      `${fixed(ltLarge, 1)} ms against ${fixed(ltBase, 1)} ms (limit ${fixed(ltBase * LIMITS.frameRatio + FRAME_MS, 1)} ms)`,
      ltLarge <= ltBase * LIMITS.frameRatio + FRAME_MS,
    ),
  );
  ratioTarget(
    `search "${RARE[0]}", from the query to its rows, median ms`,
    'ms',
    median(base.searchMs.map((r) => r.fromQuery)),
    median(large.searchMs.map((r) => r.fromQuery)),
    LIMITS.filterRatio,
  );
  info(
    '  the same from the keystroke (typing rests 250 ms first)',
    median(base.searchMs.map((r) => r.fromKeystroke)),
    median(large.searchMs.map((r) => r.fromKeystroke)),
  );
  ratioTarget(
    'tool filter, from the query to its rows, median ms',
    'ms',
    median(base.toolMs.map((r) => r.fromQuery)),
    median(large.toolMs.map((r) => r.fromQuery)),
    LIMITS.filterRatio,
  );
  info(
    '  the same from the keystroke',
    median(base.toolMs.map((r) => r.fromKeystroke)),
    median(large.toolMs.map((r) => r.fromKeystroke)),
  );
  ratioTarget(
    'JS heap after scrolling (after a full GC), median MB',
    'MB',
    median(base.heapBytes) / 1024 / 1024,
    median(large.heapBytes) / 1024 / 1024,
    LIMITS.heapRatio,
  );
  const domBase = Math.max(...base.domRows);
  const domLarge = Math.max(...large.domRows);
  rows.push([
    'row elements in the DOM after scrolling, max',
    String(domBase),
    String(domLarge),
    '',
  ]);
  targets.push(
    target(
      'ui',
      `row elements in the DOM after scrolling ≤ ${LIMITS.domRows}`,
      `baseline ${domBase}, large ${domLarge}`,
      domBase <= LIMITS.domRows && domLarge <= LIMITS.domRows,
    ),
  );
  rows.push([
    'rows loaded after scrolling',
    String(median(base.loaded)),
    String(median(large.loaded)),
    '',
  ]);

  const capDom = Math.max(cap.domRows, cap.domRowsAfter);
  const capHeapGrowth = cap.heapAfter / cap.heapAtCap;
  targets.push(
    target(
      'ui',
      `scrolled to the cap (${MAX_ROWS.toLocaleString('en-US')} rows): no page loads past it, DOM rows ≤ ${LIMITS.domRows}, heap grows ≤ ${LIMITS.capHeapGrowth}×`,
      `${cap.loaded} rows loaded; ${cap.queriesAfter} queries after; ${capDom} row elements; heap ${mb(cap.heapAtCap)} → ${mb(cap.heapAfter)} MB (${fixed(capHeapGrowth, 2)}×)`,
      cap.loaded === MAX_ROWS &&
        cap.queriesAfter === 0 &&
        capDom <= LIMITS.domRows &&
        capHeapGrowth <= LIMITS.capHeapGrowth,
    ),
  );

  const history = (v: Variant) =>
    `${v.calls.toLocaleString('en-US')} calls (${mb(v.fileBytes)} MB, built in ${fixed(v.buildSeconds, 1)} s)`;
  return {
    lines: [
      `baseline: ${history(base)}; large: ${history(large)}; both over 30 days`,
      `${ROUNDS} rounds after a warm-up round, each in a fresh page (${VIEWPORT.width}×${VIEWPORT.height}), baseline and large alternating first;`,
      `a round: open Activity, scroll ${SCROLL_STEPS} steps of ${SCROLL_STEP_PX} px (${PAGE_SIZE} rows a page load on the way), search a rare word, filter a tool`,
      `Chromium: ${CHROMIUM_PATH}; times end when the DOM holds the rows (checked on each DOM change and frame)`,
      '',
      ...formatTable(['measure', 'baseline', 'large', 'ratio'], rows),
      '',
      'What the screen asks of the server on each load, answered in (ms, from this process, median of 5):',
      ...formatTable(['history', 'page of 200 rows', 'hourly counts'], server),
      '',
      `to the cap: ${cap.loaded.toLocaleString('en-US')} rows in ${cap.queries} pages, ${fixed(cap.seconds, 1)} s (${fixed((cap.seconds * 1000) / Math.max(1, cap.queries), 1)} ms a page);`,
      `  heap at the cap ${mb(cap.heapAtCap)} MB (${fixed(cap.heapAtCap / Math.max(1, cap.loaded), 0)} B a loaded row), after 20 more scrolls ${mb(cap.heapAfter)} MB;`,
      `  ${cap.queriesAfter} queries sent after the cap; row elements in the DOM ${cap.domRows}, then ${cap.domRowsAfter}`,
    ],
    targets,
  };
}
