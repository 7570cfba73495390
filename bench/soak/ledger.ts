// The soak's own account of every tools/call its agents sent: a unique soak_id in the arguments,
// who sent it where, what the soak meant to do with it while held, and what the agent was told.
// The checks compare this account with Airlock's history and with what the upstream servers saw.

/** What the agent did with the call while it was held, if it was. */
export type HeldPlan =
  /** Nothing special: a person answers it, or lets it time out. */
  | 'normal'
  /** The agent cancels it (notifications/cancelled) once it is held. */
  | 'cancel'
  /** The agent drops its connection once it is held. */
  | 'disconnect'
  /** The stdio bridge process carrying it is killed once it is held. */
  | 'kill'
  /** Its grant is revoked once it is held. */
  | 'revoke';

/** What the agent was told. */
export type AgentOutcome =
  /** A result from the upstream server. */
  | 'answered'
  /** The upstream server's own error result (isError without Airlock's decision in _meta). */
  | 'tool_error'
  /** Airlock's refusal: isError with _meta["airlock/decision"]. */
  | 'refused'
  /** A JSON-RPC error (the upstream crashed, restarted or timed out, or no decision was possible). */
  | 'rpc_error'
  /** HTTP 401: the grant's token no longer works; Airlock never read the call. */
  | 'unauthorized'
  /** The agent cancelled it and stopped waiting. */
  | 'cancelled'
  /** The agent's connection was dropped while it waited. */
  | 'disconnected'
  /** Something else went wrong on the way (a transport error). */
  | 'transport_error';

export interface SentCall {
  soakId: number;
  agent: string;
  grant: string;
  server: string;
  tool: string;
  plan: HeldPlan;
  outcome?: AgentOutcome;
  /** For a refusal: who decided, from the refusal's _meta; for an rpc_error: its code. */
  decidedBy?: string;
  errorCode?: number;
  /** The first part of the text or error the agent got, for reports. */
  detail?: string;
  /** Sent on a grant's token after its revocation had taken effect: must get HTTP 401. */
  afterRevoke?: boolean;
  /** True when the answer's text carries the soak_id back (the echo tools), i.e. it ran upstream. */
  echoed?: boolean;
}

export class Ledger {
  private nextId = 1;
  readonly calls = new Map<number, SentCall>();

  open(call: Omit<SentCall, 'soakId'>): SentCall {
    const sent: SentCall = { soakId: this.nextId++, ...call };
    this.calls.set(sent.soakId, sent);
    return sent;
  }

  /** Calls with no outcome yet: still waiting on Airlock. */
  unsettled(): SentCall[] {
    return [...this.calls.values()].filter((call) => call.outcome === undefined);
  }

  countBy(key: (call: SentCall) => string | undefined): Map<string, number> {
    const counts = new Map<string, number>();
    for (const call of this.calls.values()) {
      const name = key(call) ?? 'none';
      counts.set(name, (counts.get(name) ?? 0) + 1);
    }
    return counts;
  }
}
