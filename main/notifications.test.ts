import { describe, expect, it } from 'vitest';
import type { TunnelView } from '../shared/bridge/types.js';
import { noticesFor } from './notifications.js';
import { DEFAULT_PREFERENCES } from './preferences.js';

const t = (name: string, phase: TunnelView['phase'], error?: string): TunnelView => ({
  name,
  phase,
  stored: true,
  canChange: true,
  ...(error ? { error } : {}),
});

describe('noticesFor', () => {
  it('says nothing about the first picture', () => {
    expect(noticesFor(null, [t('home', 'on')], DEFAULT_PREFERENCES)).toEqual([]);
  });

  it('notifies connect, disconnect and failure', () => {
    const before = [t('a', 'connecting'), t('b', 'on'), t('c', 'on'), t('d', 'on')];
    const after = [
      t('a', 'on'),
      t('b', 'off'),
      t('c', 'error', 'no handshake within 30 s after waking up'),
      t('d', 'on'),
    ];
    expect(noticesFor(before, after, DEFAULT_PREFERENCES)).toEqual([
      { title: 'Connected: a', body: 'a is on.' },
      { title: 'Disconnected: b', body: 'b is off.' },
      { title: 'Failed: c', body: 'no handshake within 30 s after waking up' },
    ]);
  });

  it('is quiet for the wake (reconnecting, then on), for new and removed tunnels, and for an error taken down', () => {
    expect(noticesFor([t('a', 'on')], [t('a', 'reconnecting')], DEFAULT_PREFERENCES)).toEqual([]);
    expect(noticesFor([t('a', 'reconnecting')], [t('a', 'on')], DEFAULT_PREFERENCES)).toEqual([]);
    expect(noticesFor([t('a', 'on')], [t('b', 'on')], DEFAULT_PREFERENCES)).toEqual([]);
    expect(noticesFor([t('a', 'error')], [t('a', 'off')], DEFAULT_PREFERENCES)).toEqual([]);
  });

  it('follows the preferences', () => {
    const prefs = { ...DEFAULT_PREFERENCES, notifyOnConnect: false, notifyOnFailure: false };
    expect(
      noticesFor([t('a', 'off'), t('b', 'on'), t('c', 'on')], [t('a', 'on'), t('b', 'off'), t('c', 'error')], prefs),
    ).toEqual([{ title: 'Disconnected: b', body: 'b is off.' }]);
  });
});
