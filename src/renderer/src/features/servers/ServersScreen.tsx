// PLACEHOLDER (being built): the Servers screen.
import type { StoreApi } from 'zustand/vanilla';
import type { ServersState } from '../../stores/servers-store';

export function ServersScreen(_props: {
  store: StoreApi<ServersState>;
  /** Shows the server's policy on the Policies screen. */
  onOpenPolicy(server: string): void;
}) {
  return null;
}
