// The small pieces of HTTP that both Airlock's MCP endpoint and the UI's API speak: JSON answers
// (long ones a slice at a time), request bodies read under a size cap, and Bearer tokens read
// from Authorization.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { JsonStringBytes } from '../../core/history/json-string-bytes';

/** A top-level string longer than this is encoded a slice at a time by sendJsonInSlices. */
export const JSON_SLICE_CHARS = 256 * 1024;
/** A top-level JsonStringBytes is written this many bytes at a time. */
const JSON_SLICE_BYTES = 256 * 1024;

/**
 * Sends a JSON answer whose long strings (an export of thousands of calls is megabytes of text)
 * are encoded and written a slice at a time, with a turn of the event loop between slices, so the
 * proxy's calls are not held while one answer is encoded; a top-level JsonStringBytes is written
 * from its bytes, a slice at a time too. Anything else goes out as sendJson does. Resolves when
 * the answer is written or the client has gone.
 */
export async function sendJsonInSlices(
  res: ServerResponse,
  status: number,
  body: unknown,
): Promise<void> {
  const entries =
    body !== null && typeof body === 'object' && !Array.isArray(body) ? Object.entries(body) : [];
  const long = (value: unknown) =>
    value instanceof JsonStringBytes ||
    (typeof value === 'string' && value.length > JSON_SLICE_CHARS);
  if (!entries.some(([, value]) => long(value))) return sendJson(res, status, body);
  // No content-length: the length is known only once the last slice is encoded (chunked).
  res.writeHead(status, { 'content-type': 'application/json' });
  const write = async (text: string | Uint8Array): Promise<boolean> => {
    if (res.destroyed) return false;
    if (!res.write(text)) {
      // Whichever comes first; both listeners go, or a long answer would pile them up.
      await new Promise<void>((resolve) => {
        const go = () => {
          res.off('drain', go);
          res.off('close', go);
          resolve();
        };
        res.on('drain', go);
        res.on('close', go);
      });
    }
    return !res.destroyed;
  };
  let first = true;
  for (const [key, value] of entries) {
    if (value === undefined || typeof value === 'function' || typeof value === 'symbol') continue;
    if (!(await write(`${first ? '{' : ','}${JSON.stringify(key)}:`))) return;
    first = false;
    const sliced = long(value);
    for (const piece of jsonPieces(value)) {
      if (!(await write(piece))) return;
      if (sliced) await new Promise((resolve) => setImmediate(resolve));
    }
  }
  res.end(first ? '{}' : '}');
}

/** The JSON of one value in pieces, each small enough to encode and write in one turn. */
function* jsonPieces(value: unknown): Generator<string | Uint8Array> {
  if (value instanceof JsonStringBytes) {
    // Byte slices may cut a character in two; the client reads the answer whole.
    for (let at = 0; at < value.bytes.length; at += JSON_SLICE_BYTES) {
      yield value.bytes.subarray(at, at + JSON_SLICE_BYTES);
    }
    return;
  }
  if (typeof value !== 'string' || value.length <= JSON_SLICE_CHARS) {
    yield JSON.stringify(value);
    return;
  }
  yield '"';
  for (let at = 0; at < value.length; at += JSON_SLICE_CHARS) {
    // A surrogate pair cut in two is still read whole: each half is written as its \u escape.
    yield JSON.stringify(value.slice(at, at + JSON_SLICE_CHARS)).slice(1, -1);
  }
  yield '"';
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/**
 * The token of an `Authorization: Bearer <token>` header, or undefined for any other header: one
 * run of non-space characters, the scheme in any case.
 */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  return BEARER.exec(header)?.[1];
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * Reads a request body up to `limit` bytes. A larger body is refused (`refuse` sends the 413) as
 * soon as that is known, from Content-Length or once the limit is passed, without buffering it
 * whole; the rest of the upload is dropped once the answer is out.
 */
export function readBody(
  req: IncomingMessage,
  res: ServerResponse,
  limit: number,
  refuse: () => void,
  done: (body: string) => void,
): void {
  let refused = false;
  const tooLarge = () => {
    refused = true;
    res.setHeader('connection', 'close');
    refuse();
    res.once('finish', () => req.destroy());
  };
  if (Number(req.headers['content-length']) > limit) return tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (chunk: Buffer) => {
    if (refused) return;
    size += chunk.length;
    if (size > limit) return tooLarge();
    chunks.push(chunk);
  });
  req.on('end', () => {
    if (refused) return;
    done(
      chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8'),
    );
  });
}
