// How long to wait before restarting (or reconnecting to) an upstream that went away: doubling
// from a short first delay while it keeps failing, back to the short delay once it has stayed up.

export interface BackoffOptions {
  initialMs?: number;
  maxMs?: number;
  /** An upstream that stayed up this long is healthy again: its next failure restarts it promptly. */
  stableAfterMs?: number;
}

export class RestartBackoff {
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly stableAfterMs: number;
  private nextMs: number;
  private upSince?: number;

  constructor(options: BackoffOptions = {}) {
    this.initialMs = options.initialMs ?? 500;
    this.maxMs = options.maxMs ?? 30_000;
    this.stableAfterMs = options.stableAfterMs ?? 30_000;
    this.nextMs = this.initialMs;
  }

  /** The upstream is up (process started, stream open). */
  up(now = Date.now()): void {
    this.upSince = now;
  }

  /** The upstream went away: the delay before the next attempt. */
  failed(now = Date.now()): number {
    if (this.upSince !== undefined && now - this.upSince > this.stableAfterMs) {
      this.nextMs = this.initialMs;
    }
    this.upSince = undefined;
    const delay = this.nextMs;
    this.nextMs = Math.min(this.nextMs * 2, this.maxMs);
    return delay;
  }
}
