import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PolicyRegistry, type PolicyState } from '../../../../src/main/core/policy';
import { FakeClock, T0 } from '../fakes';

const SEED = readFileSync(new URL('../../../fixtures/seed-policy.json', import.meta.url), 'utf8');
const ALLOW_ALL = '{ "version": "1", "default": "allow" }';

describe('PolicyRegistry', () => {
  it('has no policy for a server it was never given', () => {
    expect(new PolicyRegistry().get('meatspace')).toEqual({ errors: [] });
  });

  it('puts a valid policy in force', () => {
    const clock = new FakeClock();
    const registry = new PolicyRegistry({ clock });
    expect(registry.load('meatspace', SEED).ok).toBe(true);
    const state = registry.get('meatspace');
    expect(state.policy?.default).toBe('deny');
    expect(state.errors).toEqual([]);
    expect(state.loadedAt).toBe(T0);
  });

  it('keeps the last good policy in force when new text is invalid, and records the errors', () => {
    const clock = new FakeClock();
    const registry = new PolicyRegistry({ clock });
    registry.load('meatspace', SEED);
    const good = registry.get('meatspace').policy;
    clock.advance(1_000);
    const result = registry.load('meatspace', '{ "version": "1", "default": "alow" }');
    expect(result.ok).toBe(false);
    const state = registry.get('meatspace');
    expect(state.policy).toBe(good);
    expect(state.loadedAt).toBe(T0);
    expect(state.checkedAt).toBe(T0 + 1_000);
    expect(state.errors).toEqual([
      expect.objectContaining({ path: '/default', line: 1, column: 30 }),
    ]);
    registry.load('meatspace', ALLOW_ALL);
    expect(registry.get('meatspace').policy?.default).toBe('allow');
    expect(registry.get('meatspace').errors).toEqual([]);
  });

  it('has no policy when the first text is invalid', () => {
    const registry = new PolicyRegistry();
    registry.load('meatspace', '{');
    expect(registry.get('meatspace').policy).toBeUndefined();
    expect(registry.get('meatspace').errors.length).toBeGreaterThan(0);
  });

  it('keeps servers apart and forgets a removed one', () => {
    const registry = new PolicyRegistry();
    registry.load('a', SEED);
    registry.load('b', ALLOW_ALL);
    registry.remove('a');
    expect(registry.get('a').policy).toBeUndefined();
    expect(registry.get('b').policy?.default).toBe('allow');
    expect(registry.serverIds()).toEqual(['b']);
  });

  it('tells subscribers about changes until they unsubscribe', () => {
    const registry = new PolicyRegistry();
    const seen: Array<[string, PolicyState]> = [];
    const stop = registry.onChange((id, state) => seen.push([id, state]));
    registry.load('a', SEED);
    registry.load('a', SEED); // the same text again (a watcher firing twice) is no change
    registry.load('a', '{');
    registry.remove('a');
    stop();
    registry.load('a', SEED);
    expect(
      seen.map(([id, state]) => [id, state.policy !== undefined, state.errors.length > 0]),
    ).toEqual([
      ['a', true, false],
      ['a', true, true],
      ['a', false, false],
    ]);
  });

  it('still notifies other subscribers when one throws', () => {
    const errors: string[] = [];
    const registry = new PolicyRegistry({
      logger: { info() {}, warn() {}, error: (message) => errors.push(message) },
    });
    const seen: string[] = [];
    registry.onChange(() => {
      throw new Error('boom');
    });
    registry.onChange((id) => seen.push(id));
    expect(registry.load('a', SEED).ok).toBe(true);
    expect(seen).toEqual(['a']);
    expect(errors).toHaveLength(1);
  });
});
