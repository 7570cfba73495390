// The browser's Notification as tests need it: a permission the test sets, a question that is
// counted and answered as the test says, and every notification created, open or closed.
import type { BrowserNotificationClass } from '../../../src/renderer/src/features/alerts/browser-alerts-store';

export interface FakeNotificationInstance {
  title: string;
  options: { body: string; tag: string };
  closed: boolean;
  onclick: ((event: Event) => unknown) | null;
  close(): void;
  click(): void;
}

export function fakeNotificationClass(permission: NotificationPermission = 'default') {
  const created: FakeNotificationInstance[] = [];
  const state = { permission, answer: 'granted' as NotificationPermission, questions: 0 };
  class FakeNotification implements FakeNotificationInstance {
    static get permission() {
      return state.permission;
    }
    static async requestPermission() {
      state.questions++;
      state.permission = state.answer;
      return state.permission;
    }
    closed = false;
    onclick: ((event: Event) => unknown) | null = null;
    constructor(
      readonly title: string,
      readonly options: { body: string; tag: string },
    ) {
      created.push(this);
    }
    close() {
      this.closed = true;
    }
    click() {
      this.onclick?.(new Event('click'));
    }
  }
  return {
    Notification: FakeNotification as unknown as BrowserNotificationClass,
    created,
    /** The notifications still on screen. */
    open: () => created.filter((n) => !n.closed),
    state,
  };
}
