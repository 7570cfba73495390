// The app API's command and event names as plain strings, for code that must not load the
// contract's schemas: the sandboxed preload is a single script and cannot require zod. The type
// checks below fail the build when these lists and src/shared/contract.ts disagree.
import type { CommandName, EventName } from './contract';

export const COMMAND_NAMES = [
  'approvals.list',
  'approvals.decide',
  'approvals.proposeAlwaysAllow',
  'history.query',
  'history.get',
  'history.counts',
  'history.export',
  'policies.list',
  'policies.get',
  'policies.validate',
  'policies.save',
  'policies.dryRun',
  'policies.tryCall',
  'servers.list',
  'servers.get',
  'servers.tools',
  'tools.accept',
  'servers.test',
  'servers.add',
  'servers.update',
  'servers.remove',
  'grants.list',
  'grants.add',
  'grants.rename',
  'grants.revoke',
  'grants.revokeTemporary',
  'settings.get',
  'settings.update',
  'clients.detect',
  'clients.preview',
  'clients.protect',
  'clients.unprotect',
  'config.status',
  'pause.get',
  'pause.set',
] as const satisfies readonly CommandName[];

export const EVENT_NAMES = [
  'approval.added',
  'approval.resolved',
  'call.recorded',
  'policy.changed',
  'server.status',
  'server.removed',
  'grants.changed',
  'settings.changed',
  'config.changed',
  'pause.changed',
  'pin.changed',
] as const satisfies readonly EventName[];

// `satisfies` above refuses a name the contract lacks; these refuse a contract name left out.
type Missing<All, Listed> = [Exclude<All, Listed>] extends [never] ? true : Exclude<All, Listed>;
type Expect<T extends true> = T;
export type _AllCommandsListed = Expect<Missing<CommandName, (typeof COMMAND_NAMES)[number]>>;
export type _AllEventsListed = Expect<Missing<EventName, (typeof EVENT_NAMES)[number]>>;
