// Under a tool on Servers: whether its definition is still the one accepted (and if not, what
// changed, with "Accept new definition"), and what in it deserves a look: characters a person
// cannot see, text aimed at the model, other tools named, a name that imitates another tool.
// Findings quote the server, so they are shown as text like everything else from it.
import { useState } from 'react';
import type { StoreApi } from 'zustand/vanilla';
import type { ToolFlag, ToolInfo } from '../../../../shared/contract';
import { DefinitionDiff } from '../../components/definition-diff';
import { NAME_MAX, shown } from '../../components/shown-text';
import type { ServersState } from './servers-store';

const FLAG_LABELS: Record<ToolFlag['kind'], string> = {
  hidden_characters: 'Hidden characters',
  bidi_controls: 'Reordering characters',
  instructions: 'Instructions to the model',
  tool_names: 'Names other tools',
  lookalike_name: 'Look-alike name',
};

export function ToolFindings({
  tool,
  server,
  store,
}: {
  tool: ToolInfo;
  server: string;
  store: StoreApi<ServersState>;
}) {
  const name = shown(tool.name, NAME_MAX);
  const flags = tool.flags ?? [];
  return (
    <>
      {tool.pin?.state === 'changed' && (
        <ChangedDefinition tool={tool} server={server} store={store} />
      )}
      {flags.length > 0 && (
        <ul className="tool-flags" aria-label={`Findings in ${name}`}>
          {flags.map((flag, index) => (
            <li key={index} className={flag.level === 'note' ? 'muted' : undefined}>
              <span aria-hidden="true">{flag.level === 'note' ? 'ℹ ' : '⚠ '}</span>
              <strong>{FLAG_LABELS[flag.kind]}</strong>{' '}
              <span className="flag-where">({shown(flag.where, NAME_MAX)})</span>:{' '}
              {shown(flag.message)}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

function ChangedDefinition({
  tool,
  server,
  store,
}: {
  tool: ToolInfo;
  server: string;
  store: StoreApi<ServersState>;
}) {
  const [open, setOpen] = useState(false);
  if (tool.pin?.state !== 'changed') return null;
  const { change } = tool.pin;
  const name = shown(tool.name, NAME_MAX);
  return (
    <div className="tool-changed" role="group" aria-label={`Changed definition of ${name}`}>
      <p className="warn-text">
        Its definition changed since it was accepted: calls to it wait for your approval.{' '}
        <button type="button" className="link" onClick={() => setOpen(!open)}>
          {open ? 'Hide what changed' : 'Show what changed'}
        </button>{' '}
        <button
          type="button"
          className="link"
          title="Pins this definition: calls follow the policy again."
          onClick={() => void store.getState().acceptDefinition(server, tool.name, change.hash)}
        >
          Accept new definition
        </button>
      </p>
      {open && <DefinitionDiff change={change} tool={name} />}
    </div>
  );
}
