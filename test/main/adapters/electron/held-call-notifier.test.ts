import { describe, expect, it } from 'vitest';
import {
  GROUP_MS,
  notifyHeldCalls,
} from '../../../../src/main/adapters/electron/held-call-notifier';
import type { AppEvent, Approval } from '../../../../src/shared/contract';
import { FakeNotification } from '../../../helpers/electron-fakes';
import { heldApproval } from '../../../helpers/held-approval';
import { recordingLogger } from '../../../helpers/recording-logger';
import { FakeClock } from '../../core/fakes';

const approval = (id: string, tool = 'provision_api_key', grant = 'alice'): Approval =>
  heldApproval(id, { tool, grant, args: { email: 'secret@example.com' }, reason: 'Mints keys' });

function setup(options: { enabled?: () => boolean; actions?: boolean; sound?: boolean } = {}) {
  FakeNotification.all = [];
  FakeNotification.supported = true;
  const clock = new FakeClock();
  const listeners = new Set<(event: AppEvent) => void>();
  const opened: string[] = [];
  const decided: [string, string][] = [];
  const stop = notifyHeldCalls({
    Notification: FakeNotification,
    subscribe: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    enabled: options.enabled ?? (() => true),
    sound: () => options.sound ?? false,
    actions: options.actions ?? false,
    decide: async (id, decision) => decided.push([id, decision]),
    openPending: () => opened.push('pending'),
    timers: clock,
    logger: recordingLogger(),
  });
  const push = (event: AppEvent) => listeners.forEach((l) => l(event));
  const visible = () => FakeNotification.all.filter((n) => n.visible);
  return { push, visible, stop, opened, decided, clock, listeners };
}

const added = (a: Approval): AppEvent => ({ name: 'approval.added', data: { approval: a } });
const resolved = (a: Approval): AppEvent => ({
  name: 'approval.resolved',
  data: { approval: a, outcome: { outcome: 'expired', by: 'timeout' } },
});

describe('held-call notifications', () => {
  it('name the tool, client and server of a held call, never its arguments', () => {
    const { push, visible, clock } = setup();
    push(added(approval('a')));
    expect(visible()).toEqual([]);
    clock.advance(GROUP_MS);
    expect(visible()).toHaveLength(1);
    expect(visible()[0]!.options).toEqual({
      title: 'provision_api_key needs your approval',
      body: 'alice on meatspace: Mints keys',
      silent: true,
    });
    expect(JSON.stringify(FakeNotification.all)).not.toContain('secret@example.com');
  });

  it('give each call held apart its own notification, and calls held together one', () => {
    const { push, visible, clock } = setup();
    push(added(approval('a')));
    clock.advance(GROUP_MS);
    push(added(approval('b', 'ask_human', 'bob')));
    push(added(approval('c', 'get_service_status')));
    push(added(approval('d')));
    push(added(approval('e')));
    clock.advance(GROUP_MS);
    expect(visible().map((n) => n.options.title)).toEqual([
      'provision_api_key needs your approval',
      '4 calls wait for your approval',
    ]);
    expect(visible()[1]!.options.body).toBe(
      'ask_human from bob, get_service_status from alice, provision_api_key from alice, and 1 more',
    );
  });

  it('go away once their calls are answered anywhere', () => {
    const { push, visible, clock } = setup();
    const [a, b, c] = [approval('a'), approval('b'), approval('c')];
    push(added(a));
    clock.advance(GROUP_MS);
    push(added(b));
    push(added(c));
    clock.advance(GROUP_MS);
    push(resolved(a));
    expect(visible().map((n) => n.options.title)).toEqual(['2 calls wait for your approval']);
    push(resolved(b));
    expect(visible()).toHaveLength(1);
    push(resolved(c));
    expect(visible()).toEqual([]);
  });

  it('show nothing for a call answered before its notification was due', () => {
    const { push, visible, clock } = setup();
    push(added(approval('a')));
    push(resolved(approval('a')));
    clock.advance(GROUP_MS);
    expect(FakeNotification.all).toEqual([]);
    expect(visible()).toEqual([]);
  });

  it('answer a call with Allow and Deny where the platform has buttons', () => {
    const { push, decided, clock } = setup({ actions: true });
    push(added(approval('a')));
    clock.advance(GROUP_MS);
    const notification = FakeNotification.all[0]!;
    expect(notification.options.actions).toEqual([
      { type: 'button', text: 'Allow' },
      { type: 'button', text: 'Deny' },
    ]);
    notification.action(0);
    notification.action(1);
    expect(decided).toEqual([
      ['a', 'allow'],
      ['a', 'deny'],
    ]);
    // A shared notification has no buttons: which call would they answer?
    push(added(approval('b')));
    push(added(approval('c')));
    clock.advance(GROUP_MS);
    expect(FakeNotification.all[1]!.options.actions).toBeUndefined();
  });

  it('open Pending on a click', () => {
    const { push, opened, clock } = setup();
    push(added(approval('a')));
    clock.advance(GROUP_MS);
    FakeNotification.all[0]!.click();
    expect(opened).toEqual(['pending']);
  });

  it('play the sound only when asked to', () => {
    const { push, clock } = setup({ sound: true });
    push(added(approval('a')));
    clock.advance(GROUP_MS);
    expect(FakeNotification.all[0]!.options.silent).toBe(false);
  });

  it('stay off while the setting is off, or where notifications are not supported', () => {
    let enabled = false;
    const { push, clock } = setup({ enabled: () => enabled });
    push(added(approval('a')));
    clock.advance(GROUP_MS);
    FakeNotification.supported = false;
    enabled = true;
    push(added(approval('b')));
    clock.advance(GROUP_MS);
    expect(FakeNotification.all).toEqual([]);
  });

  it('show names from agents as text', () => {
    const { push, visible, clock } = setup();
    push(added(approval('a', 'gnp\u202e.exe\n' + 'x'.repeat(1000))));
    clock.advance(GROUP_MS);
    const { title } = visible()[0]!.options;
    expect(title).toContain('gnp\\u202e.exe x');
    expect(title.length).toBeLessThan(150);
  });

  it('close what they show and stop listening when stopped', () => {
    const { push, visible, stop, listeners, clock } = setup();
    push(added(approval('a')));
    clock.advance(GROUP_MS);
    push(added(approval('b')));
    stop();
    clock.advance(GROUP_MS);
    expect(visible()).toEqual([]);
    expect(listeners.size).toBe(0);
  });
});
