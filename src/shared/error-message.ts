// One way to turn anything thrown into a message, for logs and error texts everywhere.

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
