// SqlitePinStore against a real history.sqlite: pins survive a restart byte for byte (their
// definitions hash as they were pinned), a changed definition is kept beside the accepted one,
// and a write that fails throws rather than pretend.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../../../src/main/adapters/sqlite/database';
import { SqlitePinStore } from '../../../../src/main/adapters/sqlite/pin-store';
import { readToolDefinition } from '../../../../src/main/core/tools/tool-definition';
import { silentLogger } from '../../../../src/main/core/ports';
import { ToolPins } from '../../../../src/main/core/tools/tool-pins';
import { FakeClock } from '../../core/fakes';

let dir: string;
let file: string;
let db: Database;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-pins-'));
  file = path.join(dir, 'history.sqlite');
  db = openDatabase(file);
});

afterEach(() => {
  if (db.open) db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const V1 = readToolDefinition({
  name: 'add',
  description: 'Adds \u200b two numbers, "quoted" and \\ escaped',
  // A "__proto__" key as JSON.parse reads it: data, not a prototype.
  inputSchema: JSON.parse('{"type":"object","properties":{"__proto__":{"type":"string"},"a":{}}}'),
  annotations: { readOnlyHint: true, 'x-vendor': [1, 2.5, null] },
})!;
const V2 = readToolDefinition({ name: 'add', description: 'Adds numbers.' })!;

function pinsOn(database: Database, clock = new FakeClock()) {
  return new ToolPins({ store: new SqlitePinStore(database), clock, logger: silentLogger });
}

describe('SqlitePinStore', () => {
  it('keeps accepted and changed definitions across a restart, hashing as they were pinned', () => {
    const pins = pinsOn(db);
    pins.observe('notes', [V1]);
    pins.observe('notes', [V2]);
    db.close();

    db = openDatabase(file);
    const reopened = pinsOn(db);
    const pin = reopened.get('notes', 'add')!;
    expect(readToolDefinition(pin.accepted.definition)!.hash).toBe(V1.hash);
    expect(pin.accepted.definition).toEqual(V1.definition);
    expect(pin.changed!.definition).toEqual(V2.definition);
    expect(reopened.review('notes', V1)).toEqual({ kind: 'pinned' });
    expect(reopened.review('notes', V2).kind).toBe('changed');

    expect(reopened.accept('notes', 'add', V2.hash).ok).toBe(true);
    db.close();
    db = openDatabase(file);
    const accepted = pinsOn(db).get('notes', 'add')!;
    expect(accepted.accepted.hash).toBe(V2.hash);
    expect(accepted.changed).toBeUndefined();
  });

  it('throws when the database cannot take the write, and pins nothing then', () => {
    const pins = pinsOn(db);
    db.close();
    expect(pins.review('notes', V1)).toMatchObject({ kind: 'unrecorded' });
    expect(pins.get('notes', 'add')).toBeUndefined();
  });
});
