// GET /api/identity: how the browser UI tells the Airlock that issued its link from any other
// program on that port before it sends the UI token. The server proves it holds the token by
// answering a fresh nonce with an HMAC keyed by the token; no token is needed to ask.
import { createHmac } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { sendJson } from './http-io';

export const IDENTITY_PATH = '/api/identity';

/** 128 to 256 random bits, as hex: never guessable ahead, so no answer can be collected early. */
const NONCE = /^[0-9a-f]{32,64}$/i;

/**
 * hex(HMAC-SHA256(token, "airlock-ui-identity:<port>:<nonce>")). The renderer's api-client
 * computes the same with WebCrypto. The port is the one this server listens on, so a program on
 * another port (say, the one Airlock left) cannot relay a nonce to Airlock and pass its answer off.
 */
export function identityProof(token: string, port: number, nonce: string): string {
  return createHmac('sha256', token).update(`airlock-ui-identity:${port}:${nonce}`).digest('hex');
}

/** Answers `?nonce=<hex>` with `{proof}` for the token in force and the port listened on. */
export function answerIdentity(
  res: ServerResponse,
  query: string,
  token: string,
  listeningPort: number,
): void {
  const nonce = new URLSearchParams(query).get('nonce');
  if (nonce === null || !NONCE.test(nonce)) {
    return sendJson(res, 400, {
      error: { code: 'invalid_input', message: 'nonce must be 32 to 64 hexadecimal characters.' },
    });
  }
  sendJson(res, 200, { proof: identityProof(token, listeningPort, nonce) });
}
