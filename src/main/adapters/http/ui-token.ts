// The session token that guards the UI's HTTP API in headless mode: whoever holds it can answer
// held calls, edit policies and mint grants, so it is long and random unless the user picks one.
import { randomBytes } from 'node:crypto';

/** Shorter tokens are refused: one guess would unlock the whole API. */
export const MIN_UI_TOKEN_LENGTH = 16;

/**
 * AIRLOCK_UI_TOKEN when set and non-empty, else a fresh random 32-byte base64url token.
 * Throws when the chosen token is too short or could not be sent as a Bearer token.
 */
export function uiTokenFrom(env: NodeJS.ProcessEnv): string {
  const chosen = env.AIRLOCK_UI_TOKEN;
  if (chosen === undefined || chosen === '') return randomBytes(32).toString('base64url');
  if (chosen.length < MIN_UI_TOKEN_LENGTH) {
    throw new Error(
      `AIRLOCK_UI_TOKEN is ${chosen.length} characters long; it guards the whole UI API, so use at least ${MIN_UI_TOKEN_LENGTH} (or unset it to get a random one).`,
    );
  }
  // Authorization: Bearer <token> carries one run of visible ASCII characters; anything else
  // could never be sent, and the UI would be locked out.
  if (!/^[\x21-\x7e]+$/.test(chosen)) {
    throw new Error(
      'AIRLOCK_UI_TOKEN may contain only visible ASCII characters (no spaces or control characters).',
    );
  }
  return chosen;
}
