// How a problem in a JSON document (a policy, config.json, a command's input) is reported, on both
// sides of the API: the core finds them, the UI points at them.

/** A problem found in a JSON document, located by JSON Pointer and, when the text is known, line and column (1-based). */
export interface JsonProblem {
  path: string;
  message: string;
  line?: number;
  column?: number;
}
