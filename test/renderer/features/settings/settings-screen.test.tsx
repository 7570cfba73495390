// @vitest-environment happy-dom
// The Settings screen's save status: "Saved" only while the form still holds what was saved; a
// new edit, valid or not, says the form is not saved (and why, when a value cannot be saved).
import { cleanup, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { SettingsScreen } from '../../../../src/renderer/src/features/settings/settings-screen';
import { createSettingsStore } from '../../../../src/renderer/src/features/settings/settings-store';
import type { Settings } from '../../../../src/shared/contract';
import { FakeApi } from '../../helpers/fake-api';
import { settings } from '../../helpers/settings-fixture';

const SETTINGS: Settings = settings();

afterEach(cleanup);

describe('the Settings screen', () => {
  it('stops saying "Saved" as soon as a new edit is made, an invalid one included', async () => {
    let current = SETTINGS;
    const api = new FakeApi()
      .handle('settings.get', () => ({ settings: current, listeningPort: 7820 }))
      .handle('config.status', () => ({
        config: { file: '/data/config.json', problems: [], nextStart: {} },
      }))
      .handle('settings.update', (change) => {
        current = { ...current, ...change };
        return { settings: current };
      });
    render(<SettingsScreen store={createSettingsStore(api)} />);
    const user = userEvent.setup();
    const retention = await screen.findByLabelText(/History retention/);
    const status = () => screen.queryByRole('status')?.textContent;

    await user.clear(retention);
    await user.type(retention, '365');
    expect(status()).toBe('Unsaved changes');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    await screen.findByText('Saved');
    expect(current.retentionDays).toBe(365);

    // A value that cannot be saved: the form no longer holds what was saved.
    await user.clear(retention);
    await user.type(retention, '0');
    expect(status()).toBe('Not saved: a value to fix below');
    await user.clear(retention);
    await user.type(retention, 'ninety');
    expect(status()).toBe('Not saved: a value to fix below');
    expect(screen.queryByText('Saved')).toBeNull();

    // Back to the saved value: nothing to save, and it is saved.
    await user.clear(retention);
    await user.type(retention, '365');
    expect(status()).toBe('Saved');
  });
});
