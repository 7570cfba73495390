// @vitest-environment happy-dom
import { cleanup, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { PoliciesScreen } from '../../../../src/renderer/src/features/policies/policies-screen';
import { createPoliciesStore } from '../../../../src/renderer/src/features/policies/policies-store';
import type { PolicyInfo, ToolInfo } from '../../../../src/shared/contract';
import { FakeApi } from '../../helpers/fake-api';

const TEXT = `{
  "version": "1",
  "default": "deny",
  "tools": {
    "provision_api_key": {
      "action": "deny",
      "limits": [{ "counter": "keys", "window": "minute", "max": 30, "scope": "grant" }]
    }
  }
}
`;
const INFO: PolicyInfo = {
  server: 'meatspace',
  file: '/d/policies/meatspace.json',
  errors: [],
  hash: 'p1',
};

/** The MeatSpace server's tools, as servers.tools reports them. */
const TOOLS: ToolInfo[] = ['get_service_status', 'ask_human', 'provision_api_key'].map((name) => ({
  name,
  description: `${name} does things`,
  params: name === 'provision_api_key' ? [{ name: 'email', type: 'string', required: true }] : [],
  risk: { risk: 'denied', rule: '/default', reason: 'r', grants: [] },
}));

function setup() {
  const api = new FakeApi()
    .handle('servers.tools', ({ server }) => ({
      server,
      tools: TOOLS,
      fetchedAt: 1,
      unknownInPolicy: [],
    }))
    .handle('grants.list', () => ({
      grants: [{ name: 'alice', created: '2026-01-01T00:00:00.000Z' }],
      temporary: [],
    }))
    .handle('policies.tryCall', ({ text, grant, tool }) => ({
      ok: true,
      decision: JSON.parse(text).grants?.[grant ?? '']?.tools?.[tool]
        ? {
            action: 'allow',
            rule: `/grants/${grant}/tools/${tool}`,
            reason: 'allowed by the policy',
          }
        : { action: 'deny', rule: `/tools/${tool}`, reason: 'refused by the rule' },
    }))
    .handle('policies.list', () => ({ policies: [INFO] }))
    .handle('policies.get', () => ({ ...INFO, text: TEXT, textHash: 'h1' }))
    .handle('policies.validate', ({ text }) => {
      const max = /"max": (\d+)/.exec(text)?.[1];
      return max === '0'
        ? {
            ok: false,
            errors: [
              {
                path: '/tools/provision_api_key/limits/0/max',
                message: 'must be >= 1 (got 0)',
                line: 7,
                column: 70,
              },
            ],
          }
        : { ok: true, errors: [] };
    })
    .handle('policies.dryRun', () => ({ ok: true, errors: [], replayed: 2, changes: [] }))
    .handle('policies.save', () => ({ hash: 'p2', textHash: 'h2' }));
  const store = createPoliciesStore(api, { checkDelayMs: 0 });
  render(<PoliciesScreen store={store} />);
  return { api, store };
}

/** The editor's text as CodeMirror renders it. */
function editorText(): string {
  return [...document.querySelectorAll('.json-editor .cm-line')]
    .map((l) => l.textContent)
    .join('\n');
}

afterEach(cleanup);

describe('the Policies screen', () => {
  it('writes a form change into the JSON at its path, leaving the rest as written', async () => {
    const { store } = setup();
    const user = userEvent.setup();
    const rule = await screen.findByRole('group', { name: 'Rule for provision_api_key' });
    await user.selectOptions(
      within(rule).getByLabelText('Action for provision_api_key'),
      'require_approval',
    );
    expect(store.getState().text).toBe(
      TEXT.replace('"action": "deny"', '"action": "require_approval"'),
    );
    await waitFor(() => expect(editorText()).toContain('"action": "require_approval"'));
    // A needs-approval rule offers its own timeout.
    expect(within(rule).getByLabelText('Approval timeout for provision_api_key')).toBeTruthy();
  });

  it('shows an edit made in the JSON in the form', async () => {
    const { store } = setup();
    await screen.findByRole('group', { name: 'Rule for provision_api_key' });
    store.getState().edit(TEXT.replace('"tools": {', '"tools": {\n    "get_service_status": {},'));
    expect(await screen.findByRole('group', { name: 'Rule for get_service_status' })).toBeTruthy();
    expect(editorText()).toContain('"get_service_status": {}');
  });

  it('marks an invalid value at its field and in the problem list, and will not save it', async () => {
    const { api } = setup();
    const user = userEvent.setup();
    const max = await screen.findByLabelText('Maximum calls, limit 1 of provision_api_key');
    await user.clear(max);
    await user.type(max, '0');
    const problems = await screen.findByRole('list', { name: 'Problems' });
    expect(problems.textContent).toContain('Line 7, column 70');
    expect(problems.textContent).toContain('/tools/provision_api_key/limits/0/max');
    expect(max.getAttribute('aria-invalid')).toBe('true');
    const save = screen.getByRole('button', { name: 'Review and save' });
    expect((save as HTMLButtonElement).disabled).toBe(true);
    await user.click(save);
    expect(api.inputsOf('policies.dryRun')).toEqual([]);
    expect(api.inputsOf('policies.save')).toEqual([]);
  });

  it('dry-runs before the first save, then saves what was replayed', async () => {
    const { api } = setup();
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText('Reason for provision_api_key'), 'no');
    await user.click(await screen.findByRole('button', { name: 'Review and save' }));
    expect(
      await screen.findByText('2 recent calls replayed: no decision would change.'),
    ).toBeTruthy();
    expect(api.inputsOf('policies.save')).toEqual([]);
    await user.click(screen.getByRole('button', { name: 'Save policy' }));
    await screen.findByText('Saved and in force for meatspace.');
    const [saved] = api.inputsOf('policies.save');
    expect(saved?.baseHash).toBe('h1');
    expect(JSON.parse(saved!.text).tools.provision_api_key.reason).toBe('no');
    expect(api.inputsOf('policies.dryRun')[0]?.text).toBe(saved?.text);
  });
});

describe('the Policies form', () => {
  it('lists every tool the server reports, and a tool only the policy names, marked', async () => {
    const { store } = setup();
    await screen.findByRole('group', { name: 'Rule for ask_human' });
    store.getState().edit(TEXT.replace('"tools": {', '"tools": {\n    "old_tool": {},'));
    await screen.findByRole('group', { name: 'Rule for old_tool' });
    const groups = screen.getAllByRole('group', { name: /^Rule for / });
    expect(groups.map((g) => g.getAttribute('aria-label'))).toEqual([
      'Rule for get_service_status',
      'Rule for ask_human',
      'Rule for provision_api_key',
      'Rule for old_tool',
    ]);
    const old = screen.getByRole('group', { name: 'Rule for old_tool' });
    expect(old.textContent).toContain('not offered by the server');
    expect(screen.getByRole('group', { name: 'Rule for ask_human' }).textContent).not.toContain(
      'not offered',
    );
    // A tool without a rule shows the default that decides it.
    const action = screen.getByLabelText<HTMLSelectElement>('Action for ask_human');
    expect(action.value).toBe('');
    expect(action.selectedOptions[0]?.textContent).toBe('Default (Deny)');
  });

  it('gives an unlisted tool an action from the list, and "Default" takes its rule away', async () => {
    const { store } = setup();
    const user = userEvent.setup();
    await user.selectOptions(
      await screen.findByLabelText('Action for ask_human'),
      'require_approval',
    );
    const withRule = store.getState().text;
    expect(JSON.parse(withRule).tools.ask_human).toEqual({ action: 'require_approval' });
    expect(withRule.startsWith(TEXT.slice(0, TEXT.indexOf('"provision_api_key"')))).toBe(true);
    const row = screen.getByRole('group', { name: 'Rule for ask_human' });
    expect(row.className).toContain('changed');
    expect(within(row).getByLabelText('Approval timeout for ask_human')).toBeTruthy();

    await user.selectOptions(screen.getByLabelText('Action for ask_human'), '');
    expect(store.getState().text).toBe(TEXT);
    expect(screen.getByRole('group', { name: 'Rule for ask_human' }).className).not.toContain(
      'changed',
    );
  });

  it("edits one client's own rules in the same form, and leaves no trace once they are gone", async () => {
    const { store } = setup();
    const user = userEvent.setup();
    await user.selectOptions(await screen.findByLabelText('Client whose rules to edit'), 'alice');
    const select = screen.getByLabelText<HTMLSelectElement>(
      'Action for provision_api_key, client alice',
    );
    // Without its own rule, the rule for everyone decides (Deny here).
    expect(select.selectedOptions[0]?.textContent).toBe('Not set (Deny)');
    await user.selectOptions(select, 'allow');
    expect(JSON.parse(store.getState().text).grants).toEqual({
      alice: { tools: { provision_api_key: { action: 'allow' } } },
    });
    const row = screen.getByRole('group', { name: 'Rule for provision_api_key, client alice' });
    expect(row.className).toContain('changed');
    await user.type(within(row).getByLabelText('Reason for provision_api_key, client alice'), 'ok');
    expect(JSON.parse(store.getState().text).grants.alice.tools.provision_api_key.reason).toBe(
      'ok',
    );

    await user.selectOptions(
      screen.getByLabelText('Action for provision_api_key, client alice'),
      '',
    );
    expect(store.getState().text).toBe(TEXT);
  });

  it('shows the change as a diff before the dry run, then saves', async () => {
    const { api } = setup();
    const user = userEvent.setup();
    await user.selectOptions(await screen.findByLabelText('Action for ask_human'), 'allow');
    await user.click(screen.getByRole('button', { name: 'Review and save' }));
    const review = await screen.findByRole('region', { name: 'Review' });
    const changes = within(review).getByRole('region', { name: 'Changes' });
    expect(changes.textContent).toContain('3 lines added, 0 removed.');
    const added = [...changes.querySelectorAll('tr.added')].map((r) => r.textContent);
    expect(added).toEqual(['8+    },', '9+    "ask_human": {', '10+      "action": "allow"']);
    expect(changes.querySelectorAll('tr.removed')).toHaveLength(0);
    expect(
      await within(review).findByText('2 recent calls replayed: no decision would change.'),
    ).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Save policy' }));
    await screen.findByText('Saved and in force for meatspace.');
    expect(api.inputsOf('policies.save')).toHaveLength(1);
    expect(screen.queryByRole('region', { name: 'Review' })).toBeNull();
  });

  it('opens "Always allow…" with its diff shown and its client\'s changed rule marked', async () => {
    const { store } = setup();
    await screen.findByRole('group', { name: 'Rule for provision_api_key' });
    const proposed = TEXT.replace(
      /\n}\n$/,
      ',\n  "grants": {\n    "alice": {\n      "tools": {\n        "provision_api_key": {\n          "action": "allow"\n        }\n      }\n    }\n  }\n}\n',
    );
    await store.getState().propose({
      server: 'meatspace',
      text: proposed,
      baseHash: 'h1',
      note: 'Proposed: always allow provision_api_key for client alice.',
    });
    const review = await screen.findByRole('region', { name: 'Review' });
    expect(within(review).getByRole('region', { name: 'Changes' }).textContent).toContain(
      '"alice": {',
    );
    expect(screen.getByLabelText<HTMLSelectElement>('Client whose rules to edit').value).toBe(
      'alice',
    );
    const row = screen.getByRole('group', { name: 'Rule for provision_api_key, client alice' });
    expect(row.className).toContain('changed');
    expect(within(row).getByText('changed')).toBeTruthy();
    // The rule for everyone did not change.
    expect(
      screen.getByRole('group', { name: 'Rule for provision_api_key' }).className,
    ).not.toContain('changed');
    expect(await screen.findByRole('button', { name: 'Save policy' })).toBeTruthy();
  });

  it('tries a call under the draft and jumps to the rule that decided it', async () => {
    const { api, store } = setup();
    const user = userEvent.setup();
    await user.selectOptions(await screen.findByLabelText('Client whose rules to edit'), 'alice');
    await user.selectOptions(
      screen.getByLabelText('Action for provision_api_key, client alice'),
      'allow',
    );
    const panel = screen.getByRole('region', { name: 'Try it' });
    await user.selectOptions(within(panel).getByLabelText('Tool to try'), 'provision_api_key');
    await user.selectOptions(within(panel).getByLabelText('Client to try as'), 'alice');
    const args = within(panel).getByLabelText('Arguments to try');
    await user.clear(args);
    await user.type(args, '{{"email": "a@example.com"}');
    await user.click(within(panel).getByRole('button', { name: 'Try it' }));

    const decision = await within(panel).findByRole('status', { name: 'Decision' });
    expect(decision.textContent).toContain('provision_api_key from alice: Allow');
    expect(api.inputsOf('policies.tryCall')).toEqual([
      {
        server: 'meatspace',
        text: store.getState().text,
        grant: 'alice',
        tool: 'provision_api_key',
        args: { email: 'a@example.com' },
      },
    ]);
    await user.click(
      within(decision).getByRole('button', { name: '/grants/alice/tools/provision_api_key' }),
    );
    expect(
      screen.getByRole('group', { name: 'Rule for provision_api_key, client alice' }).className,
    ).toContain('focused');

    // An edit after the try makes its answer stale, and says so.
    await user.type(screen.getByLabelText('Reason for provision_api_key, client alice'), 'x');
    expect(decision.textContent).toContain('(before your latest edit)');
  });
});
