// The history's SQL built from filters, without a database: which plan a filter gets, that what a
// person types never becomes FTS syntax, cursors, page sizes and partial updates. The results of
// these queries against a real file are history-store.test.ts's.
import { describe, expect, it } from 'vitest';
import {
  clampLimit,
  countsSql,
  decodeCursor,
  encodeCursor,
  ftsQuery,
  resolveTools,
  selectSql,
  updateSql,
} from '../../../../src/main/adapters/sqlite/history-sql';

const never = () => false;
const always = () => true;

describe('ftsQuery', () => {
  it('quotes every term, so nothing a person types is FTS syntax', () => {
    expect(ftsQuery('deploy prod')).toBe('"deploy" AND "prod"');
    expect(ftsQuery('a OR b NEAR(c)')).toBe('"a" AND "OR" AND "b" AND "NEAR(c)"');
    expect(ftsQuery('say "hi"')).toBe('"say" AND """hi"""');
    expect(ftsQuery('nul\0here')).toBe('"nulhere"');
  });

  it('matches a prefix only for a term ending in * with at least three letters', () => {
    expect(ftsQuery('dep*')).toBe('"dep"*');
    expect(ftsQuery('de*')).toBe('"de"');
    expect(ftsQuery('deploy**')).toBe('"deploy"*');
  });

  it('filters nothing when no term holds a letter or digit', () => {
    expect(ftsQuery(undefined)).toBeUndefined();
    expect(ftsQuery('  ')).toBeUndefined();
    expect(ftsQuery('*** -- ""')).toBeUndefined();
    expect(ftsQuery('-- ok')).toBe('"ok"');
  });
});

describe('selectSql', () => {
  it('lets the search index drive a free-text query, newest rowid first', () => {
    const { sql, params } = selectSql({ text: 'deploy', tool: 'run' }, 50, always);
    expect(sql).toMatch(/FROM calls_fts CROSS JOIN calls c ON c\.id = calls_fts\.rowid/);
    expect(sql).toMatch(/ORDER BY calls_fts\.rowid DESC LIMIT \?$/);
    expect(params).toEqual(['"deploy"', 50, 'run']);
  });

  it('reads a past time window from calls_received only when more calls came after it', () => {
    const filter = { from: 1_000, to: 2_000, decision: 'deny' as const, server: 'github' };
    const past = selectSql(filter, 90, always);
    expect(past.sql).toMatch(
      /c\.id IN \(SELECT id FROM calls WHERE received_at < \? AND received_at >= \? AND \+decision = \? AND \+id < \?\)/,
    );
    expect(past.params).toEqual([2_000, 1_000, 'deny', 90, 'github']);
    const recent = selectSql(filter, 90, never);
    expect(recent.sql).not.toMatch(/IN \(SELECT id/);
    expect(recent.sql).toMatch(/ORDER BY c\.id DESC LIMIT \?$/);
    expect(recent.params).toEqual([90, 'github', 'deny', 1_000, 2_000]);
  });

  it('does not estimate the window when the filter has no end or has text', () => {
    const asked: string[] = [];
    const spy = () => {
      asked.push('estimate');
      return true;
    };
    selectSql({ from: 1 }, undefined, spy);
    selectSql({ to: 2, text: 'x' }, undefined, spy);
    expect(asked).toEqual([]);
  });

  it('seeks one name as an equality, many as one parameter, and none as no rows', () => {
    expect(selectSql({ tools: ['a'] }, undefined, never)).toMatchObject({ params: ['a'] });
    const many = selectSql({ tools: ['a', 'b', 'c'] }, undefined, never);
    expect(many.sql).toMatch(/c\.tool IN \(SELECT value FROM json_each\(\?\)\)/);
    expect(many.params).toEqual(['["a","b","c"]']);
    expect(selectSql({ tools: [] }, undefined, never).sql).toMatch(/WHERE 0 /);
  });
});

describe('resolveTools', () => {
  const names = () => ['get_status', 'provision_api_key', 'read_file'];

  it('turns part of a tool name into the names that contain it, in any case', () => {
    expect(resolveTools({ toolContains: 'STATUS', server: 's' }, names)).toEqual({
      server: 's',
      tools: ['get_status'],
    });
    expect(resolveTools({ toolContains: 'nothing' }, names)).toEqual({ tools: [] });
  });

  it('drops a part every name contains, and asks for no names without one', () => {
    expect(resolveTools({ toolContains: '_', decision: 'allow' }, names)).toEqual({
      decision: 'allow',
    });
    expect(resolveTools({ tool: 'x' }, () => expect.fail('names read'))).toEqual({ tool: 'x' });
  });
});

describe('countsSql', () => {
  it('leaves time and decision alone to the hourly summary, and counts the rest from calls', () => {
    expect(countsSql({ from: 1, to: 2, decision: 'deny' })).toBeUndefined();
    const byText = countsSql({ text: 'deploy', decision: 'deny' });
    expect(byText?.sql).toMatch(/GROUP BY hour, c\.decision ORDER BY hour, c\.decision/);
    expect(byText?.params).toEqual(['"deploy"', 'deny']);
    expect(countsSql({ tools: ['a'] })?.params).toEqual(['a']);
  });
});

describe('paging and updates', () => {
  it('hands out cursors it can read back, and refuses any other', () => {
    for (const id of [1, 35, 2 ** 40, Number.MAX_SAFE_INTEGER]) {
      expect(decodeCursor(encodeCursor(id))).toBe(id);
    }
    for (const cursor of ['', 'c', 'c0', 'x10', 'c-1', 'C10', `c${'z'.repeat(12)}`]) {
      expect(() => decodeCursor(cursor)).toThrow(/Invalid history cursor/);
    }
  });

  it('clamps the page size to 1..500, 100 when none is given', () => {
    expect([undefined, NaN, 0, -5, 2.9, 499, 501, Infinity].map(clampLimit)).toEqual([
      100, 100, 1, 1, 2, 499, 500, 100,
    ]);
  });

  it('sets only the columns a change holds, in one order, booleans as numbers', () => {
    expect(updateSql({ status: 'ok', resultTruncated: true, decidedBy: 'person' })).toEqual([
      'UPDATE calls SET decided_by = ?, status = ?, result_truncated = ? WHERE id = ?',
      ['person', 'ok', 1],
    ]);
  });
});
