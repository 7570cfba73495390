// Splits a byte stream (a stdio server's stdout or stderr) into lines, holding at most `maxBytes`
// of one line. Chunks are kept as they arrive and joined once per line, so a long line costs one
// copy, not one per chunk; a line past the cap is skipped without being held, and only its first
// and last bytes are kept to say what it was.

export interface LineReaderEvents {
  line(text: string): void;
  /** A line longer than maxBytes was dropped; `head` and `tail` are its first and last bytes. */
  oversized(bytes: number, head: string, tail: string): void;
}

/** How much of an oversized line is kept at each end. */
const EDGE_BYTES = 512;
const NEWLINE = 0x0a;

export class LineReader {
  private chunks: Buffer[] = [];
  private size = 0;
  private skipping = false;
  private head = '';
  private tail: Buffer = Buffer.alloc(0);

  constructor(
    private readonly maxBytes: number,
    private readonly events: LineReaderEvents,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      // A UTF-8 multi-byte character never contains 0x0a, so splitting bytes here is safe.
      const newline = chunk.indexOf(NEWLINE, start);
      if (newline === -1) {
        this.append(chunk.subarray(start));
        return;
      }
      this.append(chunk.subarray(start, newline));
      this.endLine();
      start = newline + 1;
    }
  }

  private append(part: Buffer): void {
    if (part.length === 0) return;
    this.size += part.length;
    if (this.skipping) {
      this.keepTail(part);
      return;
    }
    if (this.size <= this.maxBytes) {
      this.chunks.push(part);
      return;
    }
    // Past the cap: let go of what was held, keeping only the edges.
    const held = Buffer.concat(this.chunks);
    this.head = held.subarray(0, EDGE_BYTES).toString('utf8');
    this.chunks = [];
    this.skipping = true;
    this.keepTail(held.subarray(-EDGE_BYTES));
    this.keepTail(part);
  }

  private keepTail(part: Buffer): void {
    this.tail =
      part.length >= EDGE_BYTES
        ? Buffer.from(part.subarray(-EDGE_BYTES))
        : Buffer.concat([this.tail, part]).subarray(-EDGE_BYTES);
  }

  private endLine(): void {
    if (this.skipping) {
      const { size, head } = this;
      const tail = this.tail.toString('utf8');
      this.reset();
      this.events.oversized(size, head, tail);
      return;
    }
    const text =
      this.chunks.length === 1
        ? this.chunks[0]!.toString('utf8')
        : Buffer.concat(this.chunks, this.size).toString('utf8');
    this.reset();
    this.events.line(text);
  }

  private reset(): void {
    this.chunks = [];
    this.size = 0;
    this.skipping = false;
    this.head = '';
    this.tail = Buffer.alloc(0);
  }
}
