/*
 * Shows main's notices as the desktop's notifications, each with a Show button (and a click on it doing the
 * same) that opens the window at what the notice is about: the tunnel's detail view, or just the window. A
 * notification must stay referenced until it is dismissed, or its clicks are lost with it when it is collected;
 * the newest MAX_LIVE are kept. Electron's Notification comes in as a constructor, so this runs under Node.
 */
import type { ShowRequest } from '../shared/bridge/types.js';
import type { Notice } from './notifications.js';
import { strings } from './strings.js';

/** The options of Electron's Notification used here. */
export interface NotificationOptions {
  title: string;
  body: string;
  silent: boolean;
  urgency: 'normal' | 'critical' | 'low';
  actions: { type: 'button'; text: string }[];
}

/** The part of Electron's Notification used here. */
export interface NotificationLike {
  show(): void;
  on(event: 'click' | 'action' | 'close', listener: () => void): unknown;
}

export interface NotifierOptions {
  /** Electron: `Notification.isSupported() ? new Notification(options) : null`. */
  create(options: NotificationOptions): NotificationLike | null;
  /** Opens the window, at the view asked for when there is one. */
  show(request?: ShowRequest): void;
}

const MAX_LIVE = 16;

export class Notifier {
  private readonly options: NotifierOptions;
  private readonly live = new Set<NotificationLike>();

  constructor(options: NotifierOptions) {
    this.options = options;
  }

  notify(notice: Notice): void {
    const notification = this.options.create({
      title: notice.title,
      body: notice.body,
      silent: true,
      urgency: notice.failure ? 'critical' : 'normal',
      actions: [{ type: 'button', text: strings.notice.show }],
    });
    if (!notification) return;
    const request: ShowRequest | undefined =
      notice.tunnel === undefined ? undefined : { view: 'tunnel', name: notice.tunnel };
    const open = () => {
      this.live.delete(notification);
      this.options.show(request);
    };
    notification.on('click', open);
    notification.on('action', open);
    notification.on('close', () => this.live.delete(notification));
    this.live.add(notification);
    for (const old of this.live) {
      if (this.live.size <= MAX_LIVE) break;
      this.live.delete(old);
    }
    notification.show();
  }

  /** How many are kept alive (for tests). */
  get kept(): number {
    return this.live.size;
  }
}
