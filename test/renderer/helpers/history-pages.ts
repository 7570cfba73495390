// history.query answered from a list, as the core answers it, for Activity's store and screen tests.
import type { CallRecord, CommandInput, HistoryPage } from '../../../src/shared/contract';
import { toolNameContains } from '../../../src/shared/tool-name-match';

/**
 * Pages over `all()` (kept newest first): the filter's fields, a word match for text, and pages
 * cut at a cursor that names the last id.
 */
export function historyPages(all: () => CallRecord[]) {
  return (input: CommandInput<'history.query'>): HistoryPage => {
    const before = input.cursor === undefined ? Infinity : Number(input.cursor.slice(1));
    const limit = input.limit ?? 100;
    const matching = all().filter(
      (c) =>
        c.id < before &&
        (input.tool === undefined || c.tool === input.tool) &&
        (input.toolContains === undefined || toolNameContains(c.tool, input.toolContains)) &&
        (input.server === undefined || c.server === input.server) &&
        (input.grant === undefined || c.grant === input.grant) &&
        (input.decision === undefined || c.decision === input.decision) &&
        (input.from === undefined || c.receivedAt >= input.from) &&
        (input.text === undefined || c.args.split(/\W+/).includes(input.text)),
    );
    const calls = matching.slice(0, limit);
    return matching.length > limit ? { calls, nextCursor: `c${calls.at(-1)!.id}` } : { calls };
  };
}

/** Calls with ids n..1, newest first. */
export function newestFirst(n: number, make: (id: number) => CallRecord): CallRecord[] {
  return Array.from({ length: n }, (_, i) => make(n - i));
}
