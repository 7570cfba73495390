// @vitest-environment happy-dom
import { cleanup, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { PoliciesScreen } from '../../src/renderer/src/features/policies/PoliciesScreen';
import { createPoliciesStore } from '../../src/renderer/src/stores/policies-store';
import type { PolicyInfo } from '../../src/shared/contract';
import { FakeApi } from './helpers/fake-api';

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

function setup() {
  const api = new FakeApi()
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
