// A server's tools on its card: each with its parameters, the risk the policy in force gives it
// (per client where a client's rules differ) and why, and its findings. Everything is the server's
// text, shown as text.
import { useEffect } from 'react';
import { useStore } from 'zustand';
import type { StoreApi } from 'zustand/vanilla';
import type { ServerInfo, ToolInfo, ToolRisk } from '../../../../shared/contract';
import { cutText, NAME_MAX, shown } from '../../components/shown-text';
import type { ServersState } from './servers-store';
import { ToolFindings } from './tool-findings';

const RISK_LABELS: Record<ToolRisk, string> = {
  allowed: 'allowed',
  limited: 'limited',
  needs_approval: 'needs approval',
  denied: 'denied',
};

/** A symbol as well as a colour, so the risk reads without colour too. */
const RISK_MARKS: Record<ToolRisk, string> = {
  allowed: '✓',
  limited: '≤',
  needs_approval: '?',
  denied: '✕',
};

function RiskBadge({ risk }: { risk: ToolRisk }) {
  return (
    <span className={`risk risk-${risk}`}>
      <span aria-hidden="true">{RISK_MARKS[risk]}</span> {RISK_LABELS[risk]}
    </span>
  );
}

export function ToolsSection({
  server,
  store,
}: {
  server: ServerInfo;
  store: StoreApi<ServersState>;
}) {
  const tools = useStore(store, (s) => s.tools[server.id]);
  useEffect(() => {
    if (tools === undefined) void store.getState().loadTools(server.id);
  }, [store, server.id, tools]);

  const count = tools?.status === 'loaded' ? tools.tools.length : undefined;
  return (
    <section className="server-tools" aria-label={`Tools of ${server.id}`}>
      <div className="tools-head">
        <h4>Tools{count === undefined ? '' : ` (${count})`}</h4>
        {tools?.status === 'loading' && (
          <span className="muted" role="status">
            Asking the server for its tools…
          </span>
        )}
        <button
          type="button"
          className="link"
          disabled={tools?.status === 'loading'}
          onClick={() => void store.getState().loadTools(server.id, true)}
        >
          Refresh tools
        </button>
      </div>
      {tools?.status === 'failed' && <p className="server-error">{shown(tools.error ?? '')}</p>}
      {tools && tools.tools.length > 0 && (
        <ToolsTable tools={tools.tools} server={server.id} store={store} />
      )}
      {tools?.status === 'loaded' && tools.tools.length === 0 && (
        <p className="muted">The server offers no tools.</p>
      )}
      {tools && tools.unknownInPolicy.length > 0 && (
        <p className="hint warn-text">
          The policy names tools this server does not offer:{' '}
          {shown(tools.unknownInPolicy.map((tool) => cutText(tool, NAME_MAX)).join(', '))}.
        </p>
      )}
    </section>
  );
}

function ToolsTable({
  tools,
  server,
  store,
}: {
  tools: ToolInfo[];
  server: string;
  store: StoreApi<ServersState>;
}) {
  return (
    <table className="tools-table" aria-label={`Tools of ${server} with their risk`}>
      <thead>
        <tr>
          <th scope="col">Tool</th>
          <th scope="col">Risk</th>
          <th scope="col">Why</th>
        </tr>
      </thead>
      <tbody>
        {tools.map((tool) => {
          // Names, words and schemas all come from the server, which may be hostile.
          const name = shown(tool.name, NAME_MAX);
          return (
            <tr key={tool.name} aria-label={name}>
              <td>
                <span className="tool">{name}</span>
                {tool.description && (
                  <p className="tool-description muted">{shown(tool.description)}</p>
                )}
                {tool.params.length > 0 && (
                  <p className="tool-params">
                    {tool.params.map((p) => (
                      <code key={p.name} title={p.description && shown(p.description)}>
                        {shown(p.name, NAME_MAX)}
                        {p.required ? '' : '?'}
                        {p.type ? `: ${shown(p.type, NAME_MAX)}` : ''}
                      </code>
                    ))}
                  </p>
                )}
                <ToolFindings tool={tool} server={server} store={store} />
              </td>
              <td>
                <RiskBadge risk={tool.risk.risk} />
              </td>
              <td>
                <span className="reason">{shown(tool.risk.reason)}</span>
                {tool.risk.rule && <span className="rule"> {shown(tool.risk.rule, NAME_MAX)}</span>}
                {tool.risk.grants.length > 0 && (
                  <ul className="grant-risks" aria-label={`Client overrides for ${name}`}>
                    {tool.risk.grants.map((g) => (
                      <li key={g.grant}>
                        for client <strong>{g.grant}</strong>: <RiskBadge risk={g.risk} />{' '}
                        <span className="rule">{shown(g.rule, NAME_MAX)}</span>
                      </li>
                    ))}
                  </ul>
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
