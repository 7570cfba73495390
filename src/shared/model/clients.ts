// What the app API says about the MCP clients on this machine and about protecting them: the
// shapes of clients.detect, clients.preview, clients.protect and clients.unprotect.
import type { BridgeInfo, ClientId } from '../mcp-clients';

export type { BridgeInfo, ClientId };

/** What Airlock makes of one server a client lists. */
export type ClientServerStatus =
  /** The client reaches it directly; Protect can put Airlock in between. */
  | 'direct'
  /** Protect rewrote it; the client reaches it through Airlock. */
  | 'protected'
  /** It already points at this Airlock (set up by hand). */
  | 'through-airlock'
  /** Protect leaves it as it is: `note` says why. */
  | 'cannot-import';

export interface ClientServer {
  /** Names it in clients.preview and clients.protect: its file and its place in the file. */
  key: string;
  /** Its name in the client's config. */
  name: string;
  /** Where it applies when not the whole file: "local scope of /home/me/app". */
  scope?: string;
  transport: 'stdio' | 'http' | 'sse';
  /** Its command line or URL, credentials masked; env and header values are never shown. */
  target: string;
  status: ClientServerStatus;
  note?: string;
}

export interface ClientFile {
  path: string;
  /** What the file is to the person: "user scope", "project /home/me/app". */
  label: string;
  exists: boolean;
  /** Why Airlock leaves the file untouched (it cannot read or parse it). */
  problem?: string;
  servers: ClientServer[];
  /** While protected: where the original is kept, beside the file. */
  backup?: string;
  /** While protected: the file changed since Airlock wrote it. */
  changedSince?: boolean;
}

export interface ClientProtectionInfo {
  grant: string;
  /** ISO 8601. */
  protectedAt: string;
  /** Servers Protect added to Airlock; Unprotect removes them unless another protected client uses them. */
  imported: string[];
  /** Servers Airlock already had that Protect pointed the client at; Unprotect leaves them. */
  reused: string[];
  /** Something that needs the person (the grant was revoked, so the client cannot connect). */
  problem?: string;
}

export interface ClientOnMachine {
  id: ClientId;
  name: string;
  /** How its servers reach Airlock once protected. */
  via: 'http' | 'bridge';
  files: ClientFile[];
  /** Present while Airlock protects it. */
  protection?: ClientProtectionInfo;
  /** Why Protect cannot run for it now; absent when it can. */
  cannotProtect?: string;
}

/** One server entry as Protect will change it (values of env and headers masked). */
export interface EntryChange {
  name: string;
  scope?: string;
  before: string;
  after: string;
}

export interface ProtectPlan {
  client: ClientId;
  /** The grant Protect will create; its token goes into the client's config. */
  grant: string;
  /** The files as they are now; clients.protect refuses if they changed since. */
  basis: string;
  files: { path: string; label: string; backup: string; changes: EntryChange[] }[];
  /** The servers the client will reach through Airlock, by their id in Airlock. */
  servers: { key: string; name: string; id: string; reused: boolean }[];
  /** Servers left as they are: not chosen, or Airlock cannot import them. */
  skipped: { key: string; name: string; reason: string }[];
  notes: string[];
}

export interface ProtectedServer {
  id: string;
  /** Its name in the client. */
  name: string;
  reused: boolean;
  /** Whether Protect wrote its default policy, or a policy was there already. */
  policy: 'written' | 'kept';
  /** Under the policy written: tools allowed (marked read-only) and tools that need approval. */
  allowed: string[];
  needsApproval: string[];
  /** Why its tools could not be listed; every call then needs approval. */
  problem?: string;
}

export interface ProtectResult {
  client: ClientOnMachine;
  grant: string;
  servers: ProtectedServer[];
  files: { path: string; backup: string }[];
  notes: string[];
}

export interface UnprotectResult {
  client: ClientOnMachine;
  /** `bytes`: the original file exactly; `entries`: the file had other changes, kept, and only the servers Airlock rewrote were put back. */
  restored: { path: string; how: 'bytes' | 'entries' }[];
  grant: string;
  removed: string[];
  /** Imported servers kept because another protected client uses them. */
  kept: string[];
  notes: string[];
}
