// Which notifications tell of held calls and what they say, shared by the desktop app's notifier
// and a browser tab: a call held apart gets its own, calls held together share one, each names tool,
// client and server (never arguments) and goes once all its calls are answered. Time is moved by
// hand.
import { describe, expect, it } from 'vitest';
import {
  GROUP_MS,
  heldCallNotices,
  heldCallsText,
  noticeText,
  type HeldCall,
  type NoticeText,
} from '../../src/shared/held-call-notices';
import { FakeClock } from '../main/core/fakes';
import { heldApproval } from '../helpers/held-approval';

const call = (id: string, tool = 'provision_api_key', grant = 'alice') =>
  heldApproval(id, { tool, grant, args: { email: 'secret@example.com' }, reason: 'Mints keys' });

function setup(options: { showing?: () => boolean } = {}) {
  const clock = new FakeClock();
  const all: { calls: string[]; text: NoticeText; open: boolean }[] = [];
  const notices = heldCallNotices<(typeof all)[number]>({
    after: (ms, fn) => clock.after(ms, fn),
    show: (calls: readonly HeldCall[], text) => {
      if (options.showing && !options.showing()) return undefined;
      const shown = { calls: calls.map((c) => c.id), text, open: true };
      all.push(shown);
      return shown;
    },
    close: (shown) => (shown.open = false),
  });
  const open = () => all.filter((n) => n.open);
  return { clock, notices, all, open };
}

describe('heldCallsText', () => {
  it('names the tool, client and server of one call, never its arguments', () => {
    expect(heldCallsText([call('a')])).toEqual({
      title: 'provision_api_key needs your approval',
      body: 'alice on meatspace: Mints keys',
    });
  });

  it('says when a call is held because its tool changed its definition', () => {
    const change = { acceptedHash: 'a', acceptedAt: 0, hash: 'b', fields: [] };
    const changed = heldApproval('c', {
      tool: 'add',
      grant: 'alice',
      reason: 'the definition of "add" changed since it was accepted (description)',
      definitionChange: change,
    });
    expect(heldCallsText([changed])).toEqual({
      title: 'add changed its definition: approve the call?',
      body: 'alice on meatspace: the definition of "add" changed since it was accepted (description)',
    });
    expect(heldCallsText([changed, call('d')]).body).toBe(
      'add (definition changed) from alice, provision_api_key from alice',
    );
  });

  it('names the first three of calls held together and counts the rest', () => {
    expect(
      heldCallsText([
        call('b', 'ask_human', 'bob'),
        call('c', 'get_service_status'),
        call('d'),
        call('e'),
      ]),
    ).toEqual({
      title: '4 calls wait for your approval',
      body: 'ask_human from bob, get_service_status from alice, provision_api_key from alice, and 1 more',
    });
  });

  it('shows bidirectional controls as escapes, drops control characters and cuts long names', () => {
    expect(noticeText('read\u202egnp.exe', 60)).toBe('read\\u202egnp.exe');
    expect(noticeText('two\nlines\u0007', 60)).toBe('two lines ');
    expect(noticeText('x'.repeat(100), 60)).toBe(`${'x'.repeat(60)}… (40 more characters)`);
  });
});

describe('heldCallNotices', () => {
  it('gives a call held apart its own notification, and calls held together one', () => {
    const { clock, notices, open } = setup();
    notices.held(call('a'));
    expect(open()).toEqual([]);
    clock.advance(GROUP_MS);
    notices.held(call('b'));
    notices.held(call('c'));
    clock.advance(GROUP_MS);
    expect(open().map((n) => [n.calls, n.text.title])).toEqual([
      [['a'], 'provision_api_key needs your approval'],
      [['b', 'c'], '2 calls wait for your approval'],
    ]);
  });

  it('closes a notification once all its calls are answered, wherever', () => {
    const { clock, notices, open } = setup();
    notices.held(call('a'));
    clock.advance(GROUP_MS);
    notices.held(call('b'));
    notices.held(call('c'));
    clock.advance(GROUP_MS);
    notices.answered('b');
    expect(open()).toHaveLength(2);
    notices.answered('a');
    expect(open().map((n) => n.calls)).toEqual([['b', 'c']]);
    notices.answered('c');
    expect(open()).toEqual([]);
  });

  it('shows nothing for a call answered before its group was due', () => {
    const { clock, notices, all } = setup();
    notices.held(call('a'));
    notices.answered('a');
    clock.advance(GROUP_MS);
    expect(all).toEqual([]);
  });

  it('keeps nothing of a notification that was not shown (turned off)', () => {
    let showing = false;
    const { clock, notices, open } = setup({ showing: () => showing });
    notices.held(call('a'));
    clock.advance(GROUP_MS);
    showing = true;
    notices.answered('a');
    notices.held(call('b'));
    clock.advance(GROUP_MS);
    expect(open().map((n) => n.calls)).toEqual([['b']]);
  });

  it('closeAll clears the screen and goes on; stop clears it and tells of nothing more', () => {
    const { clock, notices, open } = setup();
    notices.held(call('a'));
    clock.advance(GROUP_MS);
    notices.closeAll();
    expect(open()).toEqual([]);
    notices.held(call('b'));
    notices.stop();
    clock.advance(GROUP_MS);
    notices.held(call('c'));
    clock.advance(GROUP_MS);
    expect(open()).toEqual([]);
    expect(clock.pendingTimers).toBe(0);
  });
});
