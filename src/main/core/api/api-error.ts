// The expected ways a command fails. Handlers throw ApiError; every transport turns it into the
// same error body (and, over HTTP, a matching status). Anything else thrown is a bug.
import type { ApiErrorCode, JsonProblem } from '../../../shared/contract';

export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly problems?: JsonProblem[],
  ) {
    super(message);
  }
}
