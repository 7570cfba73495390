// What a config.json read from disk changes against the config in force: servers added, changed
// and removed, settings that apply at once and settings read only at start. It compares with what
// is in force, not with the file as last read, so Airlock's own writes (already in force) are no-ops.
import { canonicalJson } from '../calls/canonical-json';
import { settingSpecs, type StartSettings } from '../../../shared/model/settings';
import type { ServerConfig, Settings } from './types';

export interface ServerChanges {
  added: ServerConfig[];
  /** Entries whose command, URL, environment or headers differ: their sessions must reconnect. */
  changed: ServerConfig[];
  removed: string[];
}

export function diffServers(
  inForce: ReadonlyMap<string, ServerConfig>,
  next: readonly ServerConfig[],
): ServerChanges {
  const changes: ServerChanges = { added: [], changed: [], removed: [] };
  const listed = new Set<string>();
  for (const server of next) {
    listed.add(server.id);
    const current = inForce.get(server.id);
    if (current === undefined) changes.added.push(server);
    else if (!sameServer(current, server)) changes.changed.push(server);
  }
  for (const id of inForce.keys()) if (!listed.has(id)) changes.removed.push(id);
  return changes;
}

/** Same entry, whatever order its keys were written in. */
export function sameServer(a: ServerConfig, b: ServerConfig): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

export interface SettingsChanges {
  /** Settings to put in force now (`now` and `saved` ones) that differ from those in force. */
  changed: Partial<Settings>;
  /** Settings read at start whose value in the file differs from the one in force. */
  nextStart: Partial<StartSettings>;
}

export function diffSettings(inForce: Settings, next: Settings): SettingsChanges {
  const changes: SettingsChanges = { changed: {}, nextStart: {} };
  for (const [key, spec] of settingSpecs()) {
    if (canonicalJson(inForce[key]) === canonicalJson(next[key])) continue;
    const into = spec.takesEffect === 'start' ? changes.nextStart : changes.changed;
    (into as Record<string, unknown>)[key] = next[key];
  }
  return changes;
}
