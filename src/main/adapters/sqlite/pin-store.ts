// Pinned tool definitions in history.sqlite's tool_pins table, behind the core's PinStore port.
// A pin is written the moment it changes (a tool seen for the first time, a changed definition, a
// person's acceptance), outside the history's batches: those are rare, and a pin must not be lost
// to a crash in the next 100 ms the way a batched history row may be.
import type BetterSqlite3 from 'better-sqlite3';
import { canonicalJson } from '../../core/calls/canonical-json';
import type { PinStore, PinnedVersion, ToolPin } from '../../core/tools/tool-pins';
import type { ToolDefinition } from '../../core/tools/tool-definition';
import type { Database } from './database';

interface PinRow {
  server: string;
  tool: string;
  accepted_hash: string;
  accepted_definition: string;
  accepted_at: number;
  changed_hash: string | null;
  changed_definition: string | null;
  changed_at: number | null;
}

export class SqlitePinStore implements PinStore {
  private readonly selectAll: BetterSqlite3.Statement<[], PinRow>;
  private readonly upsert: BetterSqlite3.Statement<[PinRow]>;

  constructor(db: Database) {
    this.selectAll = db.prepare<[], PinRow>('SELECT * FROM tool_pins');
    this.upsert = db.prepare<[PinRow]>(
      `INSERT OR REPLACE INTO tool_pins (server, tool, accepted_hash, accepted_definition,
         accepted_at, changed_hash, changed_definition, changed_at)
       VALUES (@server, @tool, @accepted_hash, @accepted_definition, @accepted_at, @changed_hash,
         @changed_definition, @changed_at)`,
    );
  }

  loadAll(): ToolPin[] {
    return this.selectAll.all().map((row) => ({
      server: row.server,
      tool: row.tool,
      accepted: {
        hash: row.accepted_hash,
        definition: JSON.parse(row.accepted_definition) as ToolDefinition,
        at: row.accepted_at,
      },
      ...(row.changed_hash === null || row.changed_definition === null
        ? {}
        : {
            changed: {
              hash: row.changed_hash,
              definition: JSON.parse(row.changed_definition) as ToolDefinition,
              at: row.changed_at ?? row.accepted_at,
            },
          }),
    }));
  }

  save(pin: ToolPin): void {
    this.upsert.run({
      server: pin.server,
      tool: pin.tool,
      accepted_hash: pin.accepted.hash,
      accepted_definition: text(pin.accepted),
      accepted_at: pin.accepted.at,
      changed_hash: pin.changed?.hash ?? null,
      changed_definition: pin.changed ? text(pin.changed) : null,
      changed_at: pin.changed?.at ?? null,
    });
  }
}

/** Canonical JSON: read back, it hashes to the same value it was pinned under. */
function text(version: PinnedVersion): string {
  return canonicalJson(version.definition);
}
