import { describe, expect, it } from 'vitest';
import type { TunnelView } from '../shared/bridge/types.js';
import { helperGoneNotice, noticesFor } from './notifications.js';

const t = (name: string, phase: TunnelView['phase'], error?: string): TunnelView => ({
  name,
  phase,
  stored: true,
  canChange: true,
  ...(error ? { error } : {}),
});

describe('noticesFor', () => {
  it('says nothing about the first picture', () => {
    expect(noticesFor(null, [t('home', 'on')], 'all')).toEqual([]);
  });

  it('notifies connect, disconnect and failure, each naming its tunnel for Show, a failure saying why', () => {
    const before = [t('a', 'connecting'), t('b', 'on'), t('c', 'on'), t('d', 'on'), t('e', 'connecting')];
    const after = [
      t('a', 'on'),
      t('b', 'off'),
      t('c', 'error', 'no handshake with peer xTIB…8Dg= for 90 s; trying again when there is traffic'),
      t('d', 'on'),
      t('e', 'error', 'could not come up: the endpoint vpn.example did not resolve'),
    ];
    expect(noticesFor(before, after, 'all')).toEqual([
      { title: 'Connected: a', body: 'a is on.', tunnel: 'a' },
      { title: 'Disconnected: b', body: 'b is off.', tunnel: 'b' },
      {
        title: 'Failed: c',
        body: 'no handshake with peer xTIB…8Dg= for 90 s; trying again when there is traffic',
        tunnel: 'c',
        failure: true,
      },
      {
        title: 'Failed: e',
        body: 'could not come up: the endpoint vpn.example did not resolve',
        tunnel: 'e',
        failure: true,
      },
    ]);
  });

  it('is quiet for the wake (reconnecting, then on), for new and removed tunnels, and for an error taken down', () => {
    expect(noticesFor([t('a', 'on')], [t('a', 'reconnecting')], 'all')).toEqual([]);
    expect(noticesFor([t('a', 'reconnecting')], [t('a', 'on')], 'all')).toEqual([]);
    expect(noticesFor([t('a', 'on')], [t('b', 'on')], 'all')).toEqual([]);
    expect(noticesFor([t('a', 'error')], [t('a', 'off')], 'all')).toEqual([]);
  });

  it('follows the preference: failures only, or nothing', () => {
    const before = [t('a', 'off'), t('b', 'on'), t('c', 'on')];
    const after = [t('a', 'on'), t('b', 'off'), t('c', 'error')];
    expect(noticesFor(before, after, 'failures')).toEqual([
      { title: 'Failed: c', body: 'c stopped working.', tunnel: 'c', failure: true },
    ]);
    expect(noticesFor(before, after, 'off')).toEqual([]);
  });
});

describe('helperGoneNotice', () => {
  const missing = {
    kind: 'helper-missing',
    message: 'The Warren helper is not running.',
    hint: 'Start it with `sudo systemctl start warren`.',
  } as const;

  it('says why and which tunnels stopped working', () => {
    expect(helperGoneNotice(missing, ['home', 'work', 'lab'], 'failures')).toEqual({
      title: 'The Warren helper is gone',
      body: 'The Warren helper is not running. Start it with `sudo systemctl start warren`. home, work and lab do not work without it.',
      failure: true,
    });
    expect(helperGoneNotice({ kind: 'error', message: 'Cannot talk to it' }, ['home'], 'all')?.body).toBe(
      'Cannot talk to it home does not work without it.',
    );
  });

  it('is quiet with nothing running, while still connecting, and when notifications are off', () => {
    expect(helperGoneNotice(missing, [], 'all')).toBeNull();
    expect(helperGoneNotice({ kind: 'connecting' }, ['home'], 'all')).toBeNull();
    expect(helperGoneNotice(missing, ['home'], 'off')).toBeNull();
  });
});
