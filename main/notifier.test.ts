// Notices as notifications, with a stand-in for Electron's Notification that records them.
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { ShowRequest } from '../shared/bridge/types.js';
import { type NotificationOptions, Notifier } from './notifier.js';

class FakeNotification extends EventEmitter {
  shown = false;
  readonly options: NotificationOptions;
  constructor(options: NotificationOptions) {
    super();
    this.options = options;
  }
  show() {
    this.shown = true;
  }
}

function setUp(supported = true) {
  const made: FakeNotification[] = [];
  const shown: (ShowRequest | undefined)[] = [];
  const notifier = new Notifier({
    create: (options) => {
      if (!supported) return null;
      const n = new FakeNotification(options);
      made.push(n);
      return n;
    },
    show: (request) => void shown.push(request),
  });
  return { notifier, made, shown };
}

describe('Notifier', () => {
  it("shows a tunnel's failure with Show, which opens that tunnel's detail view, as a click does", () => {
    const { notifier, made, shown } = setUp();
    notifier.notify({ title: 'Failed: home', body: 'no handshake', tunnel: 'home', failure: true });
    expect(made[0]!.shown).toBe(true);
    expect(made[0]!.options).toEqual({
      title: 'Failed: home',
      body: 'no handshake',
      silent: true,
      urgency: 'critical',
      actions: [{ type: 'button', text: 'Show' }],
    });
    made[0]!.emit('action');
    notifier.notify({ title: 'Connected: work', body: 'work is on.', tunnel: 'work' });
    expect(made[1]!.options.urgency).toBe('normal');
    made[1]!.emit('click');
    notifier.notify({ title: 'The Warren helper is gone', body: 'why', failure: true });
    made[2]!.emit('click');
    expect(shown).toEqual([{ view: 'tunnel', name: 'home' }, { view: 'tunnel', name: 'work' }, undefined]);
  });

  it('keeps the newest notifications referenced until dismissed, at most 16', () => {
    const { notifier, made } = setUp();
    for (let i = 0; i < 20; i++) notifier.notify({ title: `n${i}`, body: '' });
    expect(notifier.kept).toBe(16);
    made[19]!.emit('close');
    expect(notifier.kept).toBe(15);
  });

  it('does nothing where the desktop has no notifications', () => {
    const { notifier, made } = setUp(false);
    notifier.notify({ title: 'x', body: 'y' });
    expect(made).toEqual([]);
    expect(notifier.kept).toBe(0);
  });
});
