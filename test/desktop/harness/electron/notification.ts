// The fake `Notification`: every one the app makes is recorded with its options, and a test acts
// as the person would, on one that is on screen: click it, press one of its buttons (where the
// platform shows buttons: macOS and Windows), reply, or dismiss it.
import { EventEmitter } from 'node:events';
import type { NotificationState } from '../control-protocol';
import { app } from './app';
import { changed, onRequest, options as harnessOptions, platform, reportState } from './control';
import { electronEvent, emitNative, listenedEvents, onlyEmulatedEvents } from './events';
import { toJson } from './json';
import { notEmulated, strict } from './strict';

const all: Notification[] = [];

type Options = Record<string, unknown>;

export class Notification extends EventEmitter {
  title: string;
  subtitle: string;
  body: string;
  silent: boolean;
  hasReply: boolean;
  replyPlaceholder: string;
  sound: string;
  urgency: string;
  timeoutType: string;
  closeButtonText: string;
  toastXml: string;
  actions: { type: string; text?: string }[];
  readonly id: string;
  readonly groupId: string;
  readonly groupTitle: string;
  private _shown = false;
  private _closed = false;
  private readonly _harnessId: number;
  private readonly _options: Options;

  static isSupported(): boolean {
    return harnessOptions.notificationsSupported ?? true;
  }

  static getHistory(): never {
    return notEmulated('Notification.getHistory');
  }
  static handleActivation(): never {
    return notEmulated('Notification.handleActivation');
  }
  static remove(): never {
    return notEmulated('Notification.remove');
  }
  static removeAll(): never {
    return notEmulated('Notification.removeAll');
  }
  static removeGroup(): never {
    return notEmulated('Notification.removeGroup');
  }

  constructor(options: Options = {}) {
    super();
    if (!app.isReady()) throw new Error('Cannot create Notification before app is ready');
    if (typeof options !== 'object' || options === null) throw new TypeError('Invalid options');
    this._options = options;
    this.title = String(options['title'] ?? '');
    this.subtitle = String(options['subtitle'] ?? '');
    this.body = String(options['body'] ?? '');
    this.silent = options['silent'] === true;
    this.hasReply = options['hasReply'] === true;
    this.replyPlaceholder = String(options['replyPlaceholder'] ?? '');
    this.sound = String(options['sound'] ?? '');
    this.urgency = String(options['urgency'] ?? 'normal');
    this.timeoutType = String(options['timeoutType'] ?? 'default');
    this.closeButtonText = String(options['closeButtonText'] ?? '');
    this.toastXml = String(options['toastXml'] ?? '');
    this.actions = Array.isArray(options['actions'])
      ? (options['actions'] as { type: string; text?: string }[]).map((action) => ({ ...action }))
      : [];
    this.id = String(options['id'] ?? '');
    this.groupId = String(options['groupId'] ?? '');
    this.groupTitle = String(options['groupTitle'] ?? '');
    onlyEmulatedEvents(this, 'Notification', [
      'show',
      'click',
      'close',
      'action',
      'reply',
      'failed',
    ]);
    this._harnessId = all.length;
    const self = strict(this, 'Notification');
    all.push(self);
    changed();
    return self;
  }

  show(): void {
    this._shown = true;
    this._closed = false;
    changed();
    setImmediate(() => emitNative(this, 'show', electronEvent()));
  }

  close(): void {
    // Electron does not promise a 'close' event for a notification the app closes itself.
    this._shown = false;
    this._closed = true;
    changed();
  }

  /** The person acted on it: it leaves the screen first, as the platforms do. */
  _personActs(event: string, ...args: unknown[]): void {
    if (!this._shown) {
      throw new Error(`notification ${this._harnessId} ("${this.title}") is not on screen`);
    }
    this._shown = false;
    this._closed = true;
    changed();
    emitNative(this, event, ...args);
  }

  _state(): NotificationState {
    return {
      id: this._harnessId,
      options: toJson(this._options),
      title: this.title,
      subtitle: this.subtitle,
      body: this.body,
      silent: this.silent,
      actions: this.actions.map((action) => ({ ...action })),
      hasReply: this.hasReply,
      shown: this._shown,
      closed: this._closed,
      listeners: listenedEvents(this),
    };
  }
}

function find(id: number): Notification {
  const notification = all[id];
  if (!notification) throw new Error(`there is no notification ${id}`);
  return notification;
}

/** Buttons and replies are only shown on macOS and Windows; elsewhere a person cannot press them. */
function requireButtons(what: string): void {
  if (platform === 'linux') {
    throw new Error(
      `${what}: Linux shows no notification buttons (start the DesktopApp with platform 'darwin' or 'win32')`,
    );
  }
}

onRequest('notification', ({ id, event }) => {
  const notification = find(id);
  if (event === 'click') notification._personActs('click', electronEvent());
  else notification._personActs('close', electronEvent({ reason: 'userCanceled' }));
});

onRequest('notificationAction', ({ id, index }) => {
  requireButtons('notification action');
  const notification = find(id);
  const action = notification.actions[index];
  if (!action || action.type !== 'button') {
    throw new Error(
      `notification ${id} has no button ${index} (its actions: ${JSON.stringify(notification.actions)})`,
    );
  }
  notification._personActs(
    'action',
    electronEvent({ actionIndex: index, selectionIndex: -1 }),
    index,
    -1,
  );
});

onRequest('notificationReply', ({ id, reply }) => {
  requireButtons('notification reply');
  const notification = find(id);
  if (!notification.hasReply) throw new Error(`notification ${id} has no reply field`);
  notification._personActs('reply', electronEvent({ reply }), reply);
});

export function notificationStates(): NotificationState[] {
  return all.map((notification) => notification._state());
}

export const strictNotification = strict(Notification, 'Notification');

reportState(() => ({ notifications: notificationStates() }));
