// The words of a held-call notification, shared by the desktop notifier and the browser tab.
import { describe, expect, it } from 'vitest';
import { heldCallAlert } from '../../src/shared/held-call-alert';
import { heldApproval } from '../helpers/held-approval';

describe('heldCallAlert', () => {
  it('names the tool, client and server of one call, never its arguments', () => {
    const alert = heldCallAlert([heldApproval('a1', { args: { email: 'secret@example.com' } })]);
    expect(alert).toEqual({
      title: 'provision_api_key needs your approval',
      body: 'alice on meatspace: mints keys',
    });
  });

  it('makes several calls one notice that counts them and names the newest (the last)', () => {
    const alert = heldCallAlert([
      heldApproval('a1'),
      heldApproval('a2', { tool: 'ask_human', grant: 'bob', server: 'desk' }),
    ]);
    expect(alert).toEqual({
      title: '2 calls wait for your approval',
      body: 'Newest: ask_human from bob on desk',
    });
    expect(heldCallAlert([])).toBeUndefined();
  });

  it('shows a bidirectional control in a tool name as its escape, and cuts a huge name', () => {
    const alert = heldCallAlert([
      heldApproval('a1', { tool: 'read\u202egnp.exe', reason: 'r'.repeat(5000) }),
    ])!;
    expect(alert.title).toBe('read\\u202egnp.exe needs your approval');
    expect(alert.body.length).toBeLessThan(300);
    expect(alert.body.endsWith('r…')).toBe(true);
  });
});
