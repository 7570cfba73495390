// A long text (an export of thousands of calls: megabytes) as the UTF-8 bytes of its JSON string
// literal, quotes included. The history's worker thread makes it, and hands the bytes to the
// proxy's thread without copying them; building the text again there as a string held that
// thread for tens of milliseconds. The HTTP API writes the bytes to its answer as they are
// (sendJsonInSlices); only a transport that needs the text as a string decodes it.

export class JsonStringBytes {
  private constructor(readonly bytes: Uint8Array) {}

  static encode(text: string): JsonStringBytes {
    // JSON.stringify escapes lone surrogates, so the bytes are valid UTF-8 and decode to `text`.
    return new JsonStringBytes(new TextEncoder().encode(JSON.stringify(text)));
  }

  /** Bytes that encode() made (on another thread): they are taken as they are, never checked. */
  static fromEncoded(bytes: Uint8Array): JsonStringBytes {
    return new JsonStringBytes(bytes);
  }

  text(): string {
    return JSON.parse(new TextDecoder().decode(this.bytes)) as string;
  }
}

/** `output` with each top-level JsonStringBytes replaced by its text, for a transport that needs strings. */
export function withTexts(output: unknown): unknown {
  if (output === null || typeof output !== 'object' || Array.isArray(output)) return output;
  if (!Object.values(output).some((value) => value instanceof JsonStringBytes)) return output;
  return Object.fromEntries(
    Object.entries(output).map(([key, value]) => [
      key,
      value instanceof JsonStringBytes ? value.text() : value,
    ]),
  );
}
