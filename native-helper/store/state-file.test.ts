import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TunnelOptions } from '../../shared/ipc/control.js';
import { STATE_FILE_NAME, StateFile, type StateEntry } from './state-file.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'warren-state-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const OPTIONS: TunnelOptions = {
  autostart: true,
  blockUntunneled: false,
  allowBridges: false,
  allowScripts: true,
  excludePrivateIps: false,
};
const entries = (...list: [string, StateEntry][]) => new Map(list);

async function movedAside(): Promise<string[]> {
  return (await readdir(dir)).filter((n) => n.startsWith(`${STATE_FILE_NAME}.corrupt-`));
}

describe('StateFile', () => {
  it('reads an absent file as empty, without a problem and without creating it', async () => {
    const { read } = await StateFile.read(dir);
    expect(read).toEqual({ entries: new Map(), problem: null });
    expect(await readdir(dir)).toEqual([]);
  });

  it('round-trips entries, in a versioned, sorted, readable file with mode 0600', async () => {
    const { file } = await StateFile.read(dir);
    const written = entries(['wg1', { options: OPTIONS, wantUp: true }], ['home', { options: {}, wantUp: false }]);
    await file.write(written);
    const text = await readFile(join(dir, STATE_FILE_NAME), 'utf8');
    expect(JSON.parse(text)).toEqual({
      version: 1,
      tunnels: { home: { options: {}, wantUp: false }, wg1: { options: OPTIONS, wantUp: true } },
    });
    expect(text.indexOf('"home"')).toBeLessThan(text.indexOf('"wg1"'));
    expect((await stat(join(dir, STATE_FILE_NAME))).mode & 0o777).toBe(0o600);
    const { read } = await StateFile.read(dir);
    expect(read.problem).toBe(null);
    expect(read.entries).toEqual(written);
  });

  it('accepts entries with options missing (added by a later version) and drops unknown ones', async () => {
    await writeFile(
      join(dir, STATE_FILE_NAME),
      JSON.stringify({ version: 1, tunnels: { wg0: { options: { autostart: true, someday: 1 }, wantUp: true } } }),
    );
    const { read } = await StateFile.read(dir);
    expect(read.problem).toBe(null);
    expect(read.entries.get('wg0')).toEqual({ options: { autostart: true }, wantUp: true });
  });

  it('keeps on-demand rules, and reads files written before them (no rules: the defaults, on-demand off)', async () => {
    const { file } = await StateFile.read(dir);
    const onDemand = { ethernet: true, wifi: 'except' as const, ssids: ['Home', 'Café ☕', 'odd\\xff'] };
    await file.write(entries(['wg0', { options: { ...OPTIONS, onDemand }, wantUp: false }]));
    expect((await StateFile.read(dir)).read.entries.get('wg0')?.options.onDemand).toEqual(onDemand);

    const before = {
      version: 1,
      tunnels: { old: { options: { autostart: true, excludePrivateIps: true }, wantUp: true } },
    };
    await writeFile(join(dir, STATE_FILE_NAME), JSON.stringify(before));
    const { read } = await StateFile.read(dir);
    expect(read.problem).toBe(null);
    expect(read.entries.get('old')).toEqual({ options: { autostart: true, excludePrivateIps: true }, wantUp: true });
  });

  const onDemandFile = (onDemand: unknown) =>
    JSON.stringify({ version: 1, tunnels: { wg0: { options: { onDemand }, wantUp: false } } });

  const corrupt: [string, string | Buffer, RegExp][] = [
    [
      "on-demand 'only' without an SSID",
      onDemandFile({ ethernet: false, wifi: 'only', ssids: [] }),
      /expected shape at tunnels\.wg0\.options\.onDemand\.ssids: Wi-Fi 'only' and 'except' need at least one SSID/,
    ],
    [
      'an SSID with a control character',
      onDemandFile({ ethernet: false, wifi: 'except', ssids: ['bad\nname'] }),
      /onDemand\.ssids\.0: an SSID holds no control characters/,
    ],
    [
      'an SSID listed twice',
      onDemandFile({ ethernet: false, wifi: 'except', ssids: ['Home', 'Home'] }),
      /onDemand\.ssids: each SSID is listed once/,
    ],
    [
      'too many SSIDs',
      onDemandFile({ ethernet: false, wifi: 'only', ssids: Array.from({ length: 65 }, (_, i) => `net${i}`) }),
      /onDemand\.ssids/,
    ],
    ['an unknown Wi-Fi mode', onDemandFile({ ethernet: true, wifi: 'sometimes', ssids: [] }), /onDemand\.wifi/],
    ['garbage bytes', Buffer.from([0x00, 0xff, 0x7b, 0x13]), /is not valid JSON/],
    ['a cut-short file', '{"version": 1, "tunnels": {"wg0": {"opt', /is not valid JSON/],
    [
      'the wrong shape',
      '{"version": 1, "tunnels": {"wg0": {"options": {"autostart": "yes"}, "wantUp": true}}}',
      /expected shape at tunnels\.wg0\.options\.autostart/,
    ],
    [
      'an invalid tunnel name',
      '{"version": 1, "tunnels": {"no/slash": {"options": {}, "wantUp": true}}}',
      /expected shape at tunnels/,
    ],
    ['a newer version', '{"version": 7, "tunnels": {}}', /newer Warren \(version 7; this one reads version 1\)/],
    ['no version', '{"tunnels": {}}', /expected shape at version/],
    ['JSON null', 'null', /expected shape/],
  ];

  it.each(corrupt)(
    'reports %s, reads it as empty, and moves it aside before the next write',
    async (_what, content, message) => {
      const path = join(dir, STATE_FILE_NAME);
      await writeFile(path, content);
      const before = await readFile(path);
      const { file, read } = await StateFile.read(dir);
      expect(read.entries).toEqual(new Map());
      expect(read.problem?.file).toBe(path);
      expect(read.problem?.message).toMatch(message);
      expect(read.problem?.message).toMatch(/read as empty.*renamed to state\.json\.corrupt-<time> first/);
      // Reading alone changes nothing.
      expect((await readFile(path)).equals(before)).toBe(true);
      expect(await movedAside()).toEqual([]);

      await file.write(entries(['wg0', { options: OPTIONS, wantUp: true }]));
      const aside = await movedAside();
      expect(aside).toHaveLength(1);
      expect((await readFile(join(dir, aside[0]!))).equals(before)).toBe(true);
      expect((await StateFile.read(dir)).read.entries.get('wg0')).toEqual({ options: OPTIONS, wantUp: true });

      // Moved once: later writes replace the new file as usual.
      await file.write(entries());
      expect(await movedAside()).toHaveLength(1);
    },
  );

  it('never overwrites an earlier moved-aside file', async () => {
    const path = join(dir, STATE_FILE_NAME);
    for (const content of ['first {', 'second {', 'third {']) {
      await writeFile(path, content);
      const { file } = await StateFile.read(dir);
      await file.write(entries());
    }
    const kept = await Promise.all((await movedAside()).map((n) => readFile(join(dir, n), 'utf8')));
    expect(kept.sort()).toEqual(['first {', 'second {', 'third {']);
  });

  it('treats a directory or a dangling symlink named state.json as unreadable, and moves it aside', async () => {
    const path = join(dir, STATE_FILE_NAME);
    await mkdir(path);
    await writeFile(join(path, 'inside'), 'kept');
    const { file, read } = await StateFile.read(dir);
    expect(read.problem?.message).toMatch(/is a directory, not a regular file/);
    await file.write(entries());
    const [aside] = await movedAside();
    expect(await readFile(join(dir, aside!, 'inside'), 'utf8')).toBe('kept');

    await rm(path);
    await symlink(join(dir, 'nowhere'), path);
    const again = await StateFile.read(dir);
    expect(again.read.problem?.message).toMatch(/cannot be read/);
  });

  it('refuses a file over the size bound without reading it all', async () => {
    await writeFile(join(dir, STATE_FILE_NAME), Buffer.alloc(1024 * 1024 + 1, 0x20));
    const { read } = await StateFile.read(dir);
    expect(read.problem?.message).toMatch(/larger than 1048576 bytes/);
  });
});
