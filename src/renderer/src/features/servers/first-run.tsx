// What Servers shows before the first server: what to do, and the form to do it with.
import type { StoreApi } from 'zustand/vanilla';
import type { ServersState } from './servers-store';
import { ServerForm } from './server-form-view';

export function FirstRun({ store }: { store: StoreApi<ServersState> }) {
  // The steps after this one (a policy, a client) are the getting-started checklist's, shown
  // above every screen until they are done; this says only how to do the first.
  return (
    <div className="first-run">
      <div className="first-run-intro">
        <h3>Add your first MCP server</h3>
        <p>
          The command you would put in Claude Desktop&rsquo;s config (or paste its JSON entry), or
          the URL of a remote server. Test the connection, then save: agents then reach the server
          through Airlock, which checks every tool call against its policy first.
        </p>
      </div>
      <ServerForm store={store} onDone={() => {}} />
    </div>
  );
}
