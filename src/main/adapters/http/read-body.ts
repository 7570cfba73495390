// Reads a request body with a size cap, for both the MCP endpoint and the app API.
import type { IncomingMessage, ServerResponse } from 'node:http';

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
