// On a held call's card, when the call is held because its tool's definition changed since it was
// accepted: what changed, side by side, and "Accept new definition", which pins the new one so
// later calls follow the policy again. This call still waits for Allow or Deny either way.
import { useStore } from 'zustand';
import type { StoreApi } from 'zustand/vanilla';
import type { Approval } from '../../../../shared/contract';
import { DefinitionDiff } from '../../components/definition-diff';
import { NAME_MAX, shown } from '../../components/shown-text';
import { definitionKey, type PendingState } from './pending-store';

export function DefinitionChangeNotice({
  approval,
  store,
}: {
  approval: Approval;
  store: StoreApi<PendingState>;
}) {
  const change = approval.definitionChange;
  const accepted = useStore(
    store,
    (s) =>
      change !== undefined &&
      s.acceptedDefinitions.has(definitionKey(approval.server, approval.tool, change.hash)),
  );
  if (change === undefined) return null;
  const tool = shown(approval.tool, NAME_MAX);
  return (
    <section className="definition-change" aria-label={`Definition of ${tool} changed`}>
      <p className="definition-change-head">
        <strong>The definition of {tool} changed</strong> since it was accepted. The agent may have
        read the new text; check it before allowing the call.
      </p>
      <DefinitionDiff change={change} tool={tool} />
      {accepted ? (
        <p className="muted" role="status">
          New definition accepted: later calls of {tool} follow the policy again. Answer this one
          below.
        </p>
      ) : (
        <button
          type="button"
          className="link"
          title="Pins this definition: later calls follow the policy again. This call still waits for your answer."
          onClick={() => void store.getState().acceptDefinition(approval.id)}
        >
          Accept new definition
        </button>
      )}
    </section>
  );
}
