import { describe, expect, it } from 'vitest';
import {
  notifyHeldCalls,
  type NotificationLike,
} from '../../../../src/main/adapters/electron/held-call-notifier';
import type { AppEvent, Approval } from '../../../../src/shared/contract';
import { heldApproval } from '../../../helpers/held-approval';

const approval = (id: string, tool = 'provision_api_key'): Approval =>
  heldApproval(id, { tool, args: { email: 'secret@example.com' }, reason: 'Mints keys' });

/** Records what would be on the desktop. */
class FakeNotification implements NotificationLike {
  static supported = true;
  static all: FakeNotification[] = [];
  static isSupported() {
    return FakeNotification.supported;
  }
  visible = false;
  private onClick?: () => void;
  constructor(readonly options: { title: string; body: string }) {
    FakeNotification.all.push(this);
  }
  show() {
    this.visible = true;
  }
  close() {
    this.visible = false;
  }
  on(_event: 'click', listener: () => void) {
    this.onClick = listener;
  }
  click() {
    this.onClick?.();
  }
}

function setup(enabled = () => true) {
  FakeNotification.all = [];
  FakeNotification.supported = true;
  const listeners = new Set<(event: AppEvent) => void>();
  let opened = 0;
  const stop = notifyHeldCalls({
    Notification: FakeNotification,
    subscribe: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    enabled,
    openPending: () => opened++,
  });
  const push = (event: AppEvent) => listeners.forEach((l) => l(event));
  const visible = () => FakeNotification.all.filter((n) => n.visible);
  return { push, visible, stop, opened: () => opened, listeners };
}

const added = (a: Approval): AppEvent => ({ name: 'approval.added', data: { approval: a } });
const resolved = (a: Approval): AppEvent => ({
  name: 'approval.resolved',
  data: { approval: a, outcome: { outcome: 'expired', by: 'timeout' } },
});

describe('held-call notifications', () => {
  it('says which tool and client wait, never the arguments, and a click opens Pending', () => {
    const { push, visible, opened } = setup();
    push(added(approval('a1')));
    expect(visible().map((n) => n.options)).toEqual([
      { title: 'provision_api_key needs your approval', body: 'alice on meatspace: Mints keys' },
    ]);
    expect(JSON.stringify(FakeNotification.all.map((n) => n.options))).not.toContain('secret@');
    visible()[0]!.click();
    expect(opened()).toBe(1);
  });

  it('keeps one notification on screen however many calls wait, and clears it when none do', () => {
    const { push, visible } = setup();
    const calls = [approval('a1'), approval('a2', 'ask_human'), approval('a3')];
    for (const call of calls) push(added(call));
    expect(visible()).toHaveLength(1);
    expect(visible()[0]!.options.title).toBe('3 calls wait for your approval');
    push(resolved(calls[0]!));
    push(resolved(calls[1]!));
    expect(visible()).toHaveLength(1);
    push(resolved(calls[2]!));
    expect(visible()).toHaveLength(0);
  });

  it('shows nothing while the setting is off or the system has no notifications', () => {
    let on = false;
    const { push, visible } = setup(() => on);
    push(added(approval('a1')));
    expect(visible()).toHaveLength(0);
    on = true;
    FakeNotification.supported = false;
    push(added(approval('a2')));
    expect(visible()).toHaveLength(0);
  });

  it('stops listening and closes what it showed when stopped', () => {
    const { push, visible, stop, listeners } = setup();
    push(added(approval('a1')));
    stop();
    expect(visible()).toHaveLength(0);
    expect(listeners.size).toBe(0);
  });
});
