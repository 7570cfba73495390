// The small pieces of HTTP that both Airlock's MCP endpoint and the UI's API speak: JSON answers,
// request bodies read under a size cap, and Bearer tokens read from Authorization.
import type { IncomingMessage, ServerResponse } from 'node:http';

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
