// History exports: the CSV's columns, RFC 4180 quoting and formula guard; JSON Lines' shape.
import { describe, expect, it } from 'vitest';
import {
  callsToCsv,
  callsToJsonLines,
  exportText,
} from '../../../../src/main/core/history/export-format';
import type { CallRecord } from '../../../../src/main/core/history/types';

const T0 = Date.UTC(2026, 2, 1, 9, 30, 0);

const HEADER =
  'id,receivedAt,decidedAt,finishedAt,grant,session,server,tool,action,decision,decidedBy,rule,' +
  'reason,policyHash,status,args,argsHash,result,resultTruncated,error,decisionMs,upstreamMs,totalMs';

const full: CallRecord = {
  id: 7,
  receivedAt: T0,
  decidedAt: T0 + 1500,
  finishedAt: T0 + 1750,
  grant: 'cursor',
  session: 's-1',
  server: 'meatspace',
  tool: 'provision_api_key',
  args: '{"email":"ana@example.com","note":"a, b"}',
  argsHash: 'ab12',
  action: 'require_approval',
  decision: 'allow',
  decidedBy: 'person',
  rule: '/tools/provision_api_key',
  reason: 'Creates credentials',
  policyHash: 'cd34',
  status: 'ok',
  result: 'line one\nline two',
  resultTruncated: true,
};

const refused: CallRecord = {
  id: 8,
  receivedAt: T0 + 60_000,
  decidedAt: T0 + 60_000,
  finishedAt: T0 + 60_000,
  grant: 'cursor',
  session: 's-1',
  server: 'meatspace',
  tool: 'delete_everything',
  args: '{}',
  argsHash: 'ef56',
  action: 'deny',
  decision: 'deny',
  decidedBy: 'policy',
  rule: '/default',
  reason: '',
  status: 'not_run',
};

/** A strict RFC 4180 reader, to check what a spreadsheet would see. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let i = 0;
  while (i < text.length) {
    if (text[i] === '"') {
      i++;
      for (;;) {
        if (text[i] === '"' && text[i + 1] === '"') {
          cell += '"';
          i += 2;
        } else if (text[i] === '"') {
          i++;
          break;
        } else if (i >= text.length) {
          throw new Error('unterminated quote');
        } else {
          cell += text[i++];
        }
      }
    } else if (text[i] === ',') {
      row.push(cell);
      cell = '';
      i++;
    } else if (text.startsWith('\r\n', i)) {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i += 2;
    } else {
      if (text[i] === '"' || text[i] === '\n' || text[i] === '\r')
        throw new Error('bare ' + text[i]);
      cell += text[i++];
    }
  }
  if (cell !== '' || row.length > 0) throw new Error('no CRLF after the last line');
  return rows;
}

describe('callsToCsv', () => {
  it('writes a header and one CRLF-terminated line per call', () => {
    const csv = callsToCsv([full, refused]);
    const rows = parseCsv(csv);
    expect(rows[0]!.join(',')).toBe(HEADER);
    expect(rows).toHaveLength(3);
    expect(rows.every((row) => row.length === rows[0]!.length)).toBe(true);
    const record = Object.fromEntries(rows[0]!.map((name, i) => [name, rows[1]![i]]));
    expect(record).toEqual({
      id: '7',
      receivedAt: '2026-03-01T09:30:00.000Z',
      decidedAt: '2026-03-01T09:30:01.500Z',
      finishedAt: '2026-03-01T09:30:01.750Z',
      grant: 'cursor',
      session: 's-1',
      server: 'meatspace',
      tool: 'provision_api_key',
      action: 'require_approval',
      decision: 'allow',
      decidedBy: 'person',
      rule: '/tools/provision_api_key',
      reason: 'Creates credentials',
      policyHash: 'cd34',
      status: 'ok',
      args: '{"email":"ana@example.com","note":"a, b"}',
      argsHash: 'ab12',
      result: 'line one\nline two',
      resultTruncated: 'true',
      error: '',
      decisionMs: '1500',
      upstreamMs: '250',
      totalMs: '1750',
    });
    // A refused call never ran: no upstream time; absent fields are empty cells.
    const second = Object.fromEntries(rows[0]!.map((name, i) => [name, rows[2]![i]]));
    expect(second).toMatchObject({
      policyHash: '',
      result: '',
      resultTruncated: 'false',
      upstreamMs: '',
      totalMs: '0',
    });
  });

  it('quotes only the cells that need it', () => {
    const line = callsToCsv([full]).split('\r\n')[1]!;
    expect(line).toContain(',"{""email"":""ana@example.com"",""note"":""a, b""}",');
    expect(line).toContain(',"line one\nline two",');
    expect(line).toContain(',Creates credentials,');
  });

  it('turns cells that a spreadsheet would run as formulas into text', () => {
    const formulas = ['=HYPERLINK("http://evil")', '+1+1', '-2+3', '@SUM(A1)', '\t=1', '\r=1'];
    for (const reason of formulas) {
      const rows = parseCsv(callsToCsv([{ ...refused, reason, tool: reason }]));
      const cells = Object.fromEntries(rows[0]!.map((name, i) => [name, rows[1]![i]]));
      expect(cells.reason).toBe(`'${reason}`);
      expect(cells.tool).toBe(`'${reason}`);
    }
    // Only a leading character counts; numbers Airlock computed are left alone.
    const rows = parseCsv(
      callsToCsv([{ ...refused, reason: 'a=b', decidedAt: refused.receivedAt - 5 }]),
    );
    const cells = Object.fromEntries(rows[0]!.map((name, i) => [name, rows[1]![i]]));
    expect(cells.reason).toBe('a=b');
    expect(cells.decisionMs).toBe('-5');
  });

  it('writes just the header for no calls, and takes any iterable', () => {
    expect(callsToCsv([])).toBe(HEADER + '\r\n');
    function* calls() {
      yield full;
      yield refused;
    }
    expect(callsToCsv(calls())).toBe(callsToCsv([full, refused]));
  });
});

describe('callsToJsonLines', () => {
  it('writes one JSON object per line with the CSV columns, null when absent', () => {
    const text = callsToJsonLines([full, refused]);
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    const [first, second] = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(Object.keys(first!).join(',')).toBe(HEADER);
    expect(first).toMatchObject({
      id: 7,
      receivedAt: '2026-03-01T09:30:00.000Z',
      args: full.args,
      result: 'line one\nline two',
      resultTruncated: true,
      error: null,
      decisionMs: 1500,
      upstreamMs: 250,
      totalMs: 1750,
    });
    expect(second).toMatchObject({ policyHash: null, resultTruncated: false, upstreamMs: null });
    // No formula guard: JSON is not opened by spreadsheets, and values stay exact.
    const guarded = JSON.parse(callsToJsonLines([{ ...refused, reason: '=1+1' }])) as {
      reason: string;
    };
    expect(guarded.reason).toBe('=1+1');
  });

  it('writes bidirectional controls as JSON escapes, so none reorders a line in a viewer', () => {
    const tool = 'read \u202egnp.exe';
    const line = callsToJsonLines([{ ...full, tool, args: '{"path":"\u2067x\u2069"}' }]);
    expect(line).not.toMatch(/[\u202a-\u202e\u2066-\u2069]/);
    expect(line).toContain('read \\u202egnp.exe');
    const parsed = JSON.parse(line) as { tool: string; args: string };
    expect(parsed.tool).toBe(tool);
    expect(parsed.args).toBe('{"path":"\u2067x\u2069"}');
  });

  it('writes nothing for no calls', () => {
    expect(callsToJsonLines([])).toBe('');
  });
});

describe('exportText', () => {
  const calls = [7, 6, 5].map((id) => ({ ...full, id }));

  it('writes at most the limit, and says when more calls matched', () => {
    const csv = exportText('csv', calls, 2);
    expect(csv).toMatchObject({ rows: 2, truncated: true });
    expect(csv.content).toBe(callsToCsv(calls.slice(0, 2)));
    expect(exportText('jsonl', calls, 3)).toEqual({
      content: callsToJsonLines(calls),
      rows: 3,
      truncated: false,
    });
  });
});
