// Grant admin from the app: the token checker sees each change at once, UIs are told, a renamed
// grant's sessions are closed, and a grant that ends (revoked here or elsewhere) refuses its held
// calls before its sessions close, so its agents read why.
import { describe, expect, it } from 'vitest';
import { EventBus } from '../../../../src/main/core/api/event-bus';
import { createGrantAdmin, type GrantStore } from '../../../../src/main/core/api/grant-admin';
import type { AppEvent } from '../../../../src/shared/contract';
import { recordingLogger } from '../../../helpers/recording-logger';

function setup(options: { closeFails?: boolean } = {}) {
  const steps: string[] = [];
  const names = new Map([['alice', '2026-01-01T00:00:00.000Z']]);
  const store: GrantStore = {
    list: () => [...names].map(([name, created]) => ({ name, created })),
    create: (name) => {
      if (names.has(name)) throw new Error(`a grant named "${name}" already exists`);
      names.set(name, '2026-02-01T00:00:00.000Z');
      return { name, token: 'alk_new' };
    },
    revoke: (name) => names.delete(name),
    rename: (name, newName) => {
      names.set(newName, names.get(name)!);
      names.delete(name);
    },
  };
  const events = new EventBus();
  const seen: AppEvent['name'][] = [];
  events.subscribe((event) => seen.push(event.name));
  const logger = recordingLogger();
  const admin = createGrantAdmin({
    store,
    tokens: {
      refresh: () => steps.push('refresh'),
      revoked: (name) => steps.push(`tokens revoked ${name}`),
    },
    approvals: {
      withdrawGrant: (name) => {
        steps.push(`held calls refused ${name}`);
        return 1;
      },
    },
    temporaryGrants: { revokeGrant: (name) => void steps.push(`temporary dropped ${name}`) },
    closeSessions: async (name) => {
      steps.push(`sessions closed ${name}`);
      if (options.closeFails) throw new Error('socket busy');
    },
    events,
    logger,
  });
  return { admin, steps, seen, logger };
}

describe('createGrantAdmin', () => {
  it('adds a grant the token checker knows at once, and tells UIs', () => {
    const { admin, steps, seen } = setup();
    expect(admin.add('bob')).toEqual({ name: 'bob', token: 'alk_new' });
    expect(admin.list().map((g) => g.name)).toEqual(['alice', 'bob']);
    expect(steps).toEqual(['refresh']);
    expect(seen).toEqual(['grants.changed']);
    expect(() => admin.add('bob')).toThrow(/already exists/);
  });

  it('revokes through the token checker only a grant that existed', () => {
    const { admin, steps } = setup();
    expect(admin.revoke('nobody')).toBe(false);
    expect(admin.revoke('alice')).toBe(true);
    expect(steps).toEqual(['tokens revoked alice']);
  });

  it('closes a renamed grant’s sessions, which are bound to the old name', async () => {
    const { admin, steps, seen } = setup();
    admin.rename('alice', 'alice-laptop');
    await Promise.resolve();
    expect(admin.list().map((g) => g.name)).toEqual(['alice-laptop']);
    expect(steps).toEqual(['refresh', 'sessions closed alice']);
    expect(seen).toEqual(['grants.changed']);
  });

  it('ends a grant: temporary grants dropped, held calls refused, then sessions closed', async () => {
    const { admin, steps, seen, logger } = setup({ closeFails: true });
    admin.end(['alice', 'bob']);
    await new Promise((resolve) => setImmediate(resolve));
    expect(steps).toEqual([
      'temporary dropped alice',
      'held calls refused alice',
      'sessions closed alice',
      'temporary dropped bob',
      'held calls refused bob',
      'sessions closed bob',
    ]);
    expect(seen).toEqual(['grants.changed']);
    expect(logger.lines.map((l) => l.message)).toContain(
      'could not close the sessions of revoked grant alice',
    );
  });
});
