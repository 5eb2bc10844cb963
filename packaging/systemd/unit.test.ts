// The systemd unit: systemd's own `systemd-analyze verify` (on a copy whose ExecStart names a binary that exists
// here, since /opt/Warren is not installed on a build machine) and `systemd-analyze security --offline`, and
// our reading of the hardening it promises, including that every path the helper writes is writable under it.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { HELPER_RUNTIME_FLAGS } from '../../native-helper/cli/helper-connection.js';
import { RESOLV_CONF_BACKUP_PATH, RESOLV_CONF_PATH } from '../../native-helper/platform/linux/resolv-conf-file.js';
import { UAPI_DIRECTORY } from '../../native-helper/uapi/server.js';
import { CONTROL_DIRECTORY } from '../../shared/ipc/socket-path.js';

const UNIT_PATH = join(dirname(fileURLToPath(import.meta.url)), 'warren.service');
const INSTALLED_BINARY = '/opt/Warren/warren';
const text = readFileSync(UNIT_PATH, 'utf8');

type Unit = Map<string, Array<[key: string, value: string]>>;

/** systemd's unit syntax, as much of it as this file uses: sections, `Key=value`, comments, continuation lines. */
function parseUnit(source: string): Unit {
  const unit: Unit = new Map();
  let section: Array<[string, string]> | null = null;
  const lines = source.replace(/\\\n/g, ' ').split('\n');
  for (const [index, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header) {
      section = unit.get(header[1]!) ?? [];
      unit.set(header[1]!, section);
      continue;
    }
    const eq = line.indexOf('=');
    if (section === null || eq <= 0) throw new Error(`line ${index + 1}: not a setting: ${line}`);
    section.push([line.slice(0, eq).trim(), line.slice(eq + 1).trim()]);
  }
  return unit;
}

const unit = parseUnit(text);
const all = (section: string, key: string): string[] =>
  (unit.get(section) ?? []).filter(([k]) => k === key).map(([, v]) => v);
const one = (key: string, section = 'Service'): string | undefined => all(section, key).at(-1);
const words = (key: string, section = 'Service'): string[] => all(section, key).flatMap((v) => v.split(/\s+/));

/** Whether `path` may be written by the service under ProtectSystem=strict, as systemd sets it up. */
function writable(path: string): boolean {
  const normal = path.replace(/^\/var\/run\//, '/run/');
  const roots = [
    ...words('ReadWritePaths').map((p) => p.replace(/^-/, '')),
    ...words('RuntimeDirectory').map((d) => `/run/${d}`),
    ...words('StateDirectory').map((d) => `/var/lib/${d}`),
    ...(one('PrivateTmp') === 'yes' ? ['/tmp', '/var/tmp'] : []),
  ];
  return roots.some((root) => normal === root || normal.startsWith(`${root}/`));
}

describe('packaging/systemd/warren.service', () => {
  it('runs `warren daemon` in the foreground on the installed app, restarting it when it fails', () => {
    expect(one('Type')).toBe('exec');
    const words = (one('ExecStart') ?? '').split(/\s+/);
    expect(words[0]).toBe(INSTALLED_BINARY);
    // The same V8 flags as the helper `warren` starts on demand.
    expect(words.slice(1, -2)).toEqual(HELPER_RUNTIME_FLAGS);
    expect(words.slice(-2)).toEqual(['/opt/Warren/resources/app.asar.unpacked/bin/warren.js', 'daemon']);
    expect(all('Service', 'Environment')).toContain('ELECTRON_RUN_AS_NODE=1');
    expect(one('Restart')).toBe('on-failure');
    expect(one('KillMode')).toBe('mixed');
    expect(one('WantedBy', 'Install')).toBe('multi-user.target');
  });

  it('bounds the memory and the tasks of the whole unit, and survives a hook the OOM killer takes', () => {
    expect(one('MemoryMax')).toBe('512M');
    expect(one('TasksMax')).toBe('128');
    expect(one('OOMPolicy')).toBe('continue');
    // Several times the helper's idle RSS (about 76 MiB with its runtime flags), so load does not reach it.
    expect(Number.parseInt(one('MemoryMax') ?? '', 10)).toBeGreaterThanOrEqual(4 * 76);
    expect(Number(one('TasksMax'))).toBeGreaterThanOrEqual(64);
  });

  it('keeps only the capabilities a WireGuard helper needs, as root', () => {
    expect(new Set(words('CapabilityBoundingSet'))).toEqual(
      new Set(['CAP_NET_ADMIN', 'CAP_NET_BIND_SERVICE', 'CAP_CHOWN']),
    );
    expect(one('User')).toBeUndefined();
    expect(one('AmbientCapabilities')).toBeUndefined();
    expect(one('SecureBits')).toBeUndefined(); // noroot would strip ip and nft of their capabilities
    expect(one('NoNewPrivileges')).toBe('yes');
  });

  it('sets the hardening switches', () => {
    const expected: Record<string, string> = {
      ProtectSystem: 'strict',
      ProtectHome: 'yes',
      PrivateTmp: 'yes',
      PrivateDevices: 'no',
      DevicePolicy: 'closed',
      DeviceAllow: '/dev/net/tun rw',
      ProtectKernelTunables: 'yes',
      ProtectKernelModules: 'yes',
      ProtectKernelLogs: 'yes',
      ProtectControlGroups: 'yes',
      ProtectClock: 'yes',
      ProtectHostname: 'yes',
      RestrictNamespaces: 'yes',
      RestrictRealtime: 'yes',
      RestrictSUIDSGID: 'yes',
      LockPersonality: 'yes',
      MemoryDenyWriteExecute: 'no', // V8's JIT
      SystemCallArchitectures: 'native',
      SystemCallErrorNumber: 'EPERM',
    };
    for (const [key, value] of Object.entries(expected)) expect({ key, value: one(key) }).toEqual({ key, value });
    expect(new Set(words('RestrictAddressFamilies'))).toEqual(
      new Set(['AF_UNIX', 'AF_INET', 'AF_INET6', 'AF_NETLINK']),
    );
    expect(words('SystemCallFilter')).toEqual(['@system-service', '@pkey']);
  });

  it('makes writable every place the helper writes, and nothing of the system besides', () => {
    for (const path of [
      '/etc/warren/tunnels.json', // the store (native-helper/store: DEFAULT_STATE_DIR)
      join(CONTROL_DIRECTORY, 'control-4026531840.sock'),
      join(UAPI_DIRECTORY, 'wg0.sock'),
      RESOLV_CONF_BACKUP_PATH,
      RESOLV_CONF_PATH,
      '/run/resolvconf/interface/wg0',
      '/proc/sys/net/ipv4/conf/all/src_valid_mark',
    ]) {
      expect({ path, writable: writable(path) }).toEqual({ path, writable: true });
    }
    const system = ['/etc/passwd', '/etc/resolvconf/interface-order', '/usr/bin/ip', '/proc/sys/kernel/modprobe'];
    for (const path of [...system, '/var/lib/dpkg/status', '/run/systemd/notify']) {
      expect({ path, writable: writable(path) }).toEqual({ path, writable: false });
    }
    // Files that may be missing do not stop the service from starting.
    expect(words('ReadWritePaths').filter((p) => !p.startsWith('-'))).toEqual(['/etc/warren', '/proc/sys/net']);
    expect(one('ConfigurationDirectory')).toBe('warren'); // so /etc/warren exists before it is made writable
    expect(one('StateDirectoryMode')).toBe('0700');
    expect(one('ConfigurationDirectoryMode')).toBe('0700');
  });
});

const hasSystemdAnalyze = spawnSync('sh', ['-c', 'command -v systemd-analyze'], { stdio: 'ignore' }).status === 0;

describe.skipIf(!hasSystemdAnalyze)('warren.service by systemd-analyze', () => {
  const directory = mkdtempSync(join(tmpdir(), 'warren-unit-'));
  // The same unit, but for a binary that exists here: verify checks that ExecStart's binary can be run.
  const copy = join(directory, 'warren.service');
  writeFileSync(copy, text.replace(`ExecStart=${INSTALLED_BINARY} `, `ExecStart=${process.execPath} `));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  const analyze = (...args: string[]) => {
    const result = spawnSync('systemd-analyze', args, { encoding: 'utf8' });
    return { status: result.status, output: `${result.stdout}${result.stderr}`.trim() };
  };

  it('passes `systemd-analyze verify` without a single warning', () => {
    expect(readFileSync(copy, 'utf8')).toContain(`ExecStart=${process.execPath} `);
    expect(analyze('verify', '--man=no', copy)).toEqual({ status: 0, output: '' });
  });

  it('fails verify as it is only for the binary that is not installed here', () => {
    const { output } = analyze('verify', '--man=no', UNIT_PATH);
    for (const line of output.split('\n').filter(Boolean))
      expect(line).toMatch(/\/opt\/Warren\/warren is not executable/);
  });

  it('rates at most 3.0 ("OK") in `systemd-analyze security`', () => {
    const { output } = analyze('security', '--offline=true', copy);
    const level = /Overall exposure level for warren\.service: (\d+\.\d+)/.exec(output);
    expect(level, output).not.toBeNull();
    expect(Number(level![1])).toBeLessThanOrEqual(3.0);
  });
});
