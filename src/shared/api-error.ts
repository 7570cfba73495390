// The expected ways a command fails, on both sides of the API: core handlers throw ApiError and
// every transport turns it into the same error body (over HTTP, with a matching status); the
// renderer's client turns that body back into an ApiError. Anything else thrown is a bug.
import type { ApiErrorCode, JsonProblem } from './contract';

export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly problems?: JsonProblem[],
  ) {
    super(message);
  }
}
