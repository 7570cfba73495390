// The one gate every log line passes: a Logger that redacts the message and every field (deep,
// with the same rules as the history) before the real logger sees them, then bounds their length.
import type { Logger } from '../../core/ports';
import type { Redactor } from '../../core/redaction/redactor';

export interface RedactingLoggerOptions {
  /** A longer message or string field keeps this many characters and says how many it dropped. */
  maxChars?: number;
}

/** Long enough for a stack trace or a policy's list of problems; upstream chatter stops here. */
const DEFAULT_MAX_LOG_CHARS = 4000;

export function redactingLogger(
  inner: Logger,
  redactor: Redactor,
  options: RedactingLoggerOptions = {},
): Logger {
  const maxChars = options.maxChars ?? DEFAULT_MAX_LOG_CHARS;
  // Redact first, cut second: a secret cut in half would no longer match its pattern.
  const message = (text: string) => truncate(redactor.text(text), maxChars);
  const fieldsOf = (fields?: Record<string, unknown>) =>
    fields === undefined
      ? undefined
      : (truncateDeep(redactor.value(withErrorText(fields)), maxChars) as Record<string, unknown>);
  return {
    info: (text, fields) => inner.info(message(text), fieldsOf(fields)),
    warn: (text, fields) => inner.warn(message(text), fieldsOf(fields)),
    error: (text, fields) => inner.error(message(text), fieldsOf(fields)),
  };
}

function truncate(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  return `${text.slice(0, maxChars)}… (${text.length - maxChars} more characters)`;
}

/** The redactor copies own enumerable properties; an Error's message and stack are neither. */
function withErrorText(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    out[key] = value instanceof Error ? (value.stack ?? `${value.name}: ${value.message}`) : value;
  }
  return out;
}

/** The redactor's copy ends at MAX_REDACTION_DEPTH, so this recursion ends too. */
function truncateDeep(value: unknown, maxChars: number): unknown {
  if (typeof value === 'string') return truncate(value, maxChars);
  if (Array.isArray(value)) return value.map((item) => truncateDeep(item, maxChars));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [
        truncate(key, maxChars),
        truncateDeep(item, maxChars),
      ]),
    );
  }
  return value;
}
