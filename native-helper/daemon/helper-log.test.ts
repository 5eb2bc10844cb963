import { describe, expect, it } from 'vitest';
import { HelperLog, formatLogLines, peerLabel, redactKeys } from './helper-log.js';

const KEY = 'yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=';
const HEX = 'c8727ce5317e95d5c9b5ed78b638b7ce530dabe85dda36142202418070ddf069';

describe('the helper log', () => {
  it('hides anything shaped like a key, base64 or hex, and nothing else', () => {
    expect(redactKeys(`private_key=${HEX} and PrivateKey = ${KEY}.`)).toBe(
      'private_key=(key hidden) and PrivateKey = (key hidden).',
    );
    const notKeys = ['10.0.0.1/24', 'abc=', `${KEY.slice(0, 43)}`, `x${HEX}0`, 'peer yAnz5TF+…'];
    for (const text of notKeys) expect(redactKeys(text)).toBe(text);
    expect(peerLabel(KEY)).toBe('yAnz5TF+…');
    expect(redactKeys(peerLabel(KEY))).toBe(peerLabel(KEY));
  });

  it('keeps the newest entries, bounded, and writes structured lines without keys', () => {
    const lines: string[] = [];
    let now = 0;
    const log = new HelperLog({ capacity: 3, output: (line) => lines.push(line), journal: true, clock: () => ++now });
    const seen: string[] = [];
    log.onEntry((entry) => seen.push(entry.message));
    log.write('info', 'helper started');
    log.forTunnel('wg0', 'warn')('wg0: stopping: interface went away');
    log.write('error', `leaked ${KEY}\nsecond line`, 'wg1');
    log.write('debug', 'four');
    expect(log.entries().map((e) => e.message)).toEqual([
      'stopping: interface went away',
      'leaked (key hidden)\nsecond line',
      'four',
    ]);
    expect(log.entries(1)).toEqual([{ time: 4, level: 'debug', message: 'four' }]);
    expect(lines).toEqual([
      '<6>info - helper started',
      '<4>warn wg0 stopping: interface went away',
      '<3>error wg1 leaked (key hidden)',
      '<3>error wg1 second line',
      '<7>debug - four',
    ]);
    expect(seen).toHaveLength(4);
    expect(lines.join('\n')).not.toContain(KEY);
  });

  it('puts a timestamp first when the output is not the journal', () => {
    expect(formatLogLines({ time: 0, level: 'info', message: 'up', tunnel: 'wg0' }, false)).toEqual([
      '1970-01-01T00:00:00.000Z info wg0 up',
    ]);
  });
});
