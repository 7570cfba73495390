// Output: aligned tables, the machine the numbers came from, and targets with PASS/FAIL.
import os from 'node:os';

export interface Target {
  section: string;
  /** What is compared, e.g. "added p50 (airlock − direct)". */
  label: string;
  /** The measured value against its limit, already formatted. */
  detail: string;
  pass: boolean;
}

export function target(section: string, label: string, detail: string, pass: boolean): Target {
  return { section, label, detail, pass };
}

/** First column left-aligned (names), the rest right-aligned (numbers). */
export function formatTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
): string[] {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) =>
        column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!),
      )
      .join('  ')
      .trimEnd();
  return [line(headers), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.map(line)];
}

export function formatTargets(targets: readonly Target[]): string[] {
  return targets.map((t) => `${t.pass ? 'PASS' : 'FAIL'}  ${t.section}: ${t.label}: ${t.detail}`);
}

export function fixed(value: number | undefined, digits = 3): string {
  return value === undefined || Number.isNaN(value) ? '-' : value.toFixed(digits);
}

export function machineLines(): string[] {
  const cpus = os.cpus();
  return [
    `cpu:   ${cpus[0]?.model.trim() ?? 'unknown'} × ${cpus.length} (${os.availableParallelism()} available)`,
    `node:  ${process.version} on ${os.type()} ${os.release()} ${os.arch()}`,
    `load:  ${os
      .loadavg()
      .map((value) => value.toFixed(2))
      .join(' ')} (1, 5, 15 min) at start`,
  ];
}
