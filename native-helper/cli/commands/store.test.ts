import { describe, expect, it } from 'vitest';
import type { TunnelSummary } from '../../../shared/ipc/control.js';
import { runCli } from '../run.js';
import { memoryIo } from '../testing/memory-io.js';
import { formatList } from './store.js';

const options = {
  autostart: false,
  blockUntunneled: false,
  allowBridges: false,
  allowScripts: false,
  excludePrivateIps: false,
};

describe('warren list', () => {
  it('prints a table of name, state, origin and autostart, with the reason of an error', () => {
    const tunnels: TunnelSummary[] = [
      { name: 'home', state: 'up', origin: 'store', options: { ...options, autostart: true }, canChange: true },
      {
        name: 'office',
        state: 'error',
        origin: 'store',
        options,
        error: 'could not come up: no route',
        canChange: true,
      },
      { name: 'wg9', state: 'connecting', origin: 'file', options, canChange: false },
    ];
    expect(formatList(tunnels)).toBe(
      [
        'NAME    STATE       FROM   AUTOSTART',
        'home    up          store  yes',
        'office  error       store  no  (could not come up: no route)',
        'wg9     connecting  file   -',
        '',
      ].join('\n'),
    );
  });

  it('adds who owns each stored tunnel for an administrator', () => {
    const tunnels: TunnelSummary[] = [
      { name: 'home', state: 'down', origin: 'store', options, owner: 'alice', canChange: true },
      { name: 'wg9', state: 'up', origin: 'file', options, canChange: false },
    ];
    expect(formatList(tunnels, true)).toBe(
      [
        'NAME  STATE  FROM   AUTOSTART  OWNER',
        'home  down   store  no         alice',
        'wg9   up     file   -          -',
        '',
      ].join('\n'),
    );
  });
});

describe('usage errors of the store commands', () => {
  const io = () => memoryIo();
  for (const [args, message] of [
    [['import'], 'import needs at least one FILE'],
    [['import', '--name', 'wg0', 'a.conf', 'b.conf'], '--name is for a single FILE'],
    [['import', '--name', 'far-too-long-a-name', 'a.conf'], '--name needs a tunnel name'],
    [['logs', '-n', '0'], 'unexpected argument `-n`'],
    [['delete'], 'delete takes exactly one NAME'],
    [['up', '--foreground', 'wg0'], '--foreground is for a FILE'],
  ] as const) {
    it(`refuses \`warren ${args.join(' ')}\``, async () => {
      const out = io();
      expect(await runCli([...args], out, 'v')).toBe(2);
      expect(out.err).toContain(message);
    });
  }
});
