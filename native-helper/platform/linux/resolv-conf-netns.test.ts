// The resolv.conf DNS method on the real path /etc/resolv.conf, inside a network namespace: a child process runs
// the platform under `ip netns exec NS`, which bind-mounts /etc/netns/NS/resolv.conf over /etc/resolv.conf for
// it, so the test reads and writes the namespace's file from outside while the host's stays untouched (checked).
// Also a real crash: the child is killed while up, and a second child recovers from the backup; and the same with
// the tunnel's DNS handed to a network's resolver (a captive portal's sign-in): the file the namespace had before
// the tunnel comes back, not the network's, nor a half of either.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstat, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { canCreateNamespaces, createNamespace, IP, type TestNamespace } from '../../../test/netns/namespace.js';
import { renderResolvConf } from './resolv-conf-file.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CHILD = fileURLToPath(new URL('./testing/netns-child.ts', import.meta.url));
const REGISTER = join(ROOT, 'test/netns/register-ts.mjs');
// A namespace's own resolv.conf, with bytes a text round trip would lose.
const ORIGINAL = Buffer.concat([
  Buffer.from("# the namespace's own\r\nnameserver 192.0.2.53\noptions ndots:2"),
  Buffer.from([0xfe, 0x0a]),
]);
const SETTINGS = { servers: ['10.9.0.1', 'fd00::53'], search: ['example.com', 'corp.example'] };
/** What the child hands the DNS to (netns-child.ts hand-over). */
const NETWORK = { servers: ['192.168.50.2'], search: [], forSignIn: true as const };

async function hostResolvConf(): Promise<string> {
  try {
    return createHash('sha256')
      .update(await readFile('/etc/resolv.conf'))
      .digest('hex');
  } catch {
    return 'absent';
  }
}

const stderrOf = new WeakMap<ChildProcess, string>();

/** The next line of a child's stdout. */
function nextLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString();
      const end = buffer.indexOf('\n');
      if (end >= 0) {
        child.stdout?.off('data', onData);
        resolve(buffer.slice(0, end));
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) =>
      reject(new Error(`child exited (${code}) before a line; stderr: ${stderrOf.get(child) ?? ''}`)),
    );
  });
}

describe.skipIf(!canCreateNamespaces)('the resolv.conf method on /etc/resolv.conf in a namespace', () => {
  let ns: TestNamespace;
  let dir: string;
  let backupPath: string;
  let hostBefore: string;
  const children: ChildProcess[] = [];
  const created: TestNamespace[] = [];

  function child(mode: string): ChildProcess {
    const proc = spawn(
      IP,
      ['netns', 'exec', ns.name, process.execPath, '--import', REGISTER, CHILD, mode, ns.name, backupPath],
      {
        cwd: ROOT,
        stdio: ['pipe', 'pipe', 'pipe'],
        timeout: 20_000,
      },
    );
    stderrOf.set(proc, '');
    proc.stderr?.on('data', (chunk: Buffer) => stderrOf.set(proc, stderrOf.get(proc) + chunk.toString()));
    children.push(proc);
    return proc;
  }

  const exited = (proc: ChildProcess) =>
    new Promise<number | null>((resolve) => {
      if (proc.exitCode !== null || proc.signalCode !== null) resolve(proc.exitCode);
      else proc.once('exit', (code) => resolve(code));
    });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'warren-resolv-netns-'));
    hostBefore = await hostResolvConf();
  });
  beforeEach(async () => {
    ns = await createNamespace();
    created.push(ns);
    await ns.exec(['ip', 'tuntap', 'add', 'dev', 'wt0', 'mode', 'tun']);
    await writeFile(ns.etcPath('resolv.conf'), ORIGINAL, { mode: 0o644 });
    backupPath = join(dir, `${ns.name}.backup.json`);
  });
  afterEach(async () => {
    for (const proc of children.splice(0)) if (proc.exitCode === null) proc.kill('SIGKILL');
    await ns.remove();
  });
  afterAll(async () => {
    for (const namespace of created) await namespace.remove();
    await rm(dir, { recursive: true, force: true });
    // The host's own file was never touched.
    expect(await hostResolvConf()).toBe(hostBefore);
  });

  it('writes the tunnel DNS while up and puts the original back byte for byte on down', async () => {
    const tunnel = child('up');
    expect(await nextLine(tunnel)).toBe('up');
    expect(await readFile(ns.etcPath('resolv.conf'), 'utf8')).toBe(renderResolvConf('wt0', SETTINGS));
    expect((await stat(backupPath)).isFile()).toBe(true);
    // The rest of the tunnel is up for real as well.
    expect(JSON.stringify(await ns.ipJson('-4', 'rule', 'show'))).toContain('"fwmark":"0xca6c"');
    expect(await hostResolvConf()).toBe(hostBefore);

    tunnel.stdin?.write('\n');
    expect(await nextLine(tunnel)).toBe('down');
    expect(await exited(tunnel)).toBe(0);
    expect((await readFile(ns.etcPath('resolv.conf'))).equals(ORIGINAL)).toBe(true);
    expect((await stat(ns.etcPath('resolv.conf'))).mode & 0o7777).toBe(0o644);
    await expect(lstat(backupPath)).rejects.toThrow(/ENOENT/);
    expect(await ns.ipJson('-4', 'rule', 'show')).toHaveLength(3);
  });

  it.each([
    ['while up', 'up', 'up', SETTINGS],
    ['with the DNS handed over', 'hand-over', 'handed over', NETWORK],
  ] as const)('recovers the original after the helper is killed %s', async (_when, mode, ready, inPlace) => {
    const tunnel = child(mode);
    expect(await nextLine(tunnel)).toBe(ready);
    tunnel.kill('SIGKILL');
    await exited(tunnel);
    expect(await readFile(ns.etcPath('resolv.conf'), 'utf8')).toBe(renderResolvConf('wt0', inPlace));

    const recovery = child('recover');
    expect(await nextLine(recovery)).toBe('true');
    expect(await exited(recovery)).toBe(0);
    expect((await readFile(ns.etcPath('resolv.conf'))).equals(ORIGINAL)).toBe(true);
    expect((await stat(ns.etcPath('resolv.conf'))).mode & 0o7777).toBe(0o644);
    await expect(lstat(backupPath)).rejects.toThrow(/ENOENT/);
  });

  it("hands the DNS to the network's resolver and back: the tunnel's file exactly, then the original", async () => {
    const tunnel = child('hand-over');
    expect(await nextLine(tunnel)).toBe('handed over');
    expect(await readFile(ns.etcPath('resolv.conf'), 'utf8')).toBe(renderResolvConf('wt0', NETWORK));
    tunnel.stdin?.write('\n');
    expect(await nextLine(tunnel)).toBe('handed back');
    expect(await readFile(ns.etcPath('resolv.conf'), 'utf8')).toBe(renderResolvConf('wt0', SETTINGS));
    tunnel.stdin?.write('\n');
    expect(await nextLine(tunnel)).toBe('down');
    expect(await exited(tunnel)).toBe(0);
    expect((await readFile(ns.etcPath('resolv.conf'))).equals(ORIGINAL)).toBe(true);
    await expect(lstat(backupPath)).rejects.toThrow(/ENOENT/);
  });
});
