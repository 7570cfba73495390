// PLACEHOLDER (being built): the Activity screen.
import type { StoreApi } from 'zustand/vanilla';
import type { ActivityState } from '../../stores/activity-store';

export function ActivityScreen(_props: { store: StoreApi<ActivityState> }) {
  return null;
}
