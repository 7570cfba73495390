// How many cases a fast-check property tries: a short run inside `npm test`, and as many as
// FUZZ_RUNS says for a long one (`npm run fuzz`).
export function fuzzRuns(short: number): number {
  const asked = Number(process.env.FUZZ_RUNS);
  return Number.isInteger(asked) && asked > 0 ? asked : short;
}
