// PLACEHOLDER (being built): the Policies screen.
import type { StoreApi } from 'zustand/vanilla';
import type { PoliciesState } from '../../stores/policies-store';

export function PoliciesScreen(_props: { store: StoreApi<PoliciesState> }) {
  return null;
}
