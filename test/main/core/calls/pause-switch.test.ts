import { describe, expect, it } from 'vitest';
import { PauseSwitch, type PauseState } from '../../../../src/main/core/calls/pause-switch';
import { FakeClock, T0 } from '../fakes';

function pauseSwitch(initial: PauseState = { paused: false }, save = (_: PauseState) => {}) {
  const changes: PauseState[] = [];
  const saved: PauseState[] = [];
  const clock = new FakeClock();
  const control = new PauseSwitch({
    clock,
    initial,
    save: (state) => {
      save(state);
      saved.push(state);
    },
    onChange: (state) => changes.push(state),
  });
  return { control, changes, saved, clock };
}

describe('PauseSwitch', () => {
  it('pauses from now and resumes, saving each change before telling anyone', () => {
    const { control, changes, saved } = pauseSwitch();
    expect(control.set(true)).toEqual({ paused: true, since: T0 });
    expect(control.paused).toBe(true);
    expect(control.set(false)).toEqual({ paused: false });
    expect(saved).toEqual(changes);
    expect(changes).toHaveLength(2);
  });

  it('changes nothing when asked for the state already in force', () => {
    const { control, changes } = pauseSwitch({ paused: true, since: 5 });
    expect(control.set(true)).toEqual({ paused: true, since: 5 });
    expect(changes).toEqual([]);
  });

  it('stays as it was when the state cannot be saved', () => {
    const { control, changes } = pauseSwitch({ paused: false }, () => {
      throw new Error('EACCES');
    });
    expect(() => control.set(true)).toThrow('EACCES');
    expect(control.paused).toBe(false);
    expect(changes).toEqual([]);
  });
});
