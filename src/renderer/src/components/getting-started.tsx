// The first-run guide: until Airlock has a server, a policy and a client, every screen starts with
// the three steps, each ticked off as it is done and each a link to the screen that does it.
import { useEffect } from 'react';
import { useStore } from 'zustand';
import type { StoreApi } from 'zustand/vanilla';
import type { SetupState } from '../stores/setup-store';

type Step = {
  done: boolean;
  title: string;
  detail: string;
  screen: 'servers' | 'policies' | 'clients';
  action: string;
};

export function GettingStarted({
  store,
  onOpen,
}: {
  store: StoreApi<SetupState>;
  onOpen(screen: Step['screen']): void;
}) {
  const state = useStore(store);
  useEffect(() => {
    void store.getState().load();
  }, [store]);
  if (!state.loaded || (state.hasServer && state.hasPolicy && state.hasClient)) return null;

  const steps: Step[] = [
    {
      done: state.hasServer,
      title: 'Add the MCP server your agent uses',
      detail:
        'The command or URL you would give Claude Desktop or Cursor; Airlock connects to it for the agent.',
      screen: 'servers',
      action: 'Add a server',
    },
    {
      done: state.hasPolicy,
      title: 'Say what agents may do there',
      detail:
        'A policy per server: allowed tools, rate limits, and which calls wait for you. Until then every call is refused.',
      screen: 'policies',
      action: 'Write a policy',
    },
    {
      done: state.hasClient,
      title: 'Create a client for each agent',
      detail: 'Each agent gets its own token and a configuration ready to paste.',
      screen: 'clients',
      action: 'Create a client',
    },
  ];
  return (
    <section className="getting-started" aria-label="Getting started">
      <h2>Getting started</h2>
      <ol>
        {steps.map((step) => (
          <li key={step.screen} className={step.done ? 'done' : undefined}>
            <span className="step-mark" aria-hidden="true">
              {step.done ? '✓' : ''}
            </span>
            <span className="step-text">
              {/* One line for the title and its mark: .step-text stacks its children. */}
              <span className="step-title">
                <strong>{step.title}</strong>
                {step.done ? <span className="muted"> (done)</span> : null}
              </span>
              <span className="muted step-detail">{step.detail}</span>
            </span>
            {!step.done && (
              <button type="button" onClick={() => onOpen(step.screen)}>
                {step.action}
              </button>
            )}
          </li>
        ))}
      </ol>
    </section>
  );
}
