// The helper as a service, through the real `warren` binary: the tunnel store over the CLI, a helper killed with
// SIGKILL and restarted (its tunnel back within 2 s, leftovers cleaned), a fresh boot bringing up only autostart
// tunnels, suspend and resume (from the CLI, and from logind) seen by a wireguard-go peer, and one helper per
// network namespace.
//
// Topology (interop-harness.ts): namespace a runs `warren daemon --state-dir DIR --runtime-dir DIR` with one full
// tunnel to Debian's wireguard-go in namespace b; namespace c has a helper of its own. The store, the runtime
// directory (control sockets, boot markers, tunnel journal) and the config files live in a temporary directory;
// addresses exist only inside the namespaces; everything is removed afterwards, also after a failure. The helpers'
// system bus is a private dbus-daemon with a fake logind on it (logind cannot run here).
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  FakeLogind,
  type PrivateBus,
  hasDbusDaemon,
  startPrivateBus,
} from '../../native-helper/platform/linux/testing/fake-logind.js';
import { publicKeyOf } from '../../native-helper/crypto/keypair.js';
import { decodeKey, encodeKey } from '../../shared/config/keys.js';
import { ControlClient } from '../../shared/ipc/control-client.js';
import type { ControlEvent, TunnelStatus, TunnelSummary } from '../../shared/ipc/control.js';
import { ensureBuilt } from './ensure-built.js';
import { Topology } from './interop-harness.js';
import { eventually, sleep, wgDump } from './interop-inspect.js';
import { PORT, type Result, type Site, WARREN, canRunInterop, execute } from './interop-site.js';
import { IP, type TestNamespace, createNamespace, run } from './namespace.js';
import { accepts } from './socket-accepts.js';

const NOT_RUNNING =
  'warren: the Warren helper is not running: start it with `sudo systemctl start warren` or `sudo warren daemon`\n';

describe.skipIf(!canRunInterop)('the Warren helper service', () => {
  let topology: Topology;
  let a: Site;
  let go: Site;
  let c: TestNamespace;
  let dir: string;
  let runtime: string;
  /** The main tunnel: a full tunnel from a to wireguard-go in b, named as the harness names a's interface. */
  let name: string;
  let mainFile: string;
  const extraNames: string[] = [];
  let bus: PrivateBus | null = null;
  let logind: FakeLogind | null = null;

  const stateDir = (ns: TestNamespace) => join(dir, `store-${ns.name}`);
  const namespaceId = (ns: TestNamespace) => String(statSync(`/run/netns/${ns.name}`).ino);
  const socketOf = (ns: TestNamespace) => join(runtime, `control-${namespaceId(ns)}.sock`);
  const daemonLog = (ns: TestNamespace) => join(dir, `daemon-${ns.name}.log`);

  /** `warren ARGS` inside ns, with the test's runtime directory. */
  const warren = (ns: TestNamespace, ...args: string[]): Promise<Result> =>
    execute([...ns.prefix, 'env', `WARREN_RUNTIME_DIR=${runtime}`, process.execPath, WARREN, ...args]);

  /** `warren daemon` in the background in its own session (setsid), as a service manager would run it. */
  const startDaemon = async (ns: TestNamespace): Promise<void> => {
    const log = openSync(daemonLog(ns), 'a');
    const child: ChildProcess = spawn(
      IP,
      [
        'netns',
        'exec',
        ns.name,
        'setsid',
        process.execPath,
        WARREN,
        'daemon',
        '--state-dir',
        stateDir(ns),
        '--runtime-dir',
        runtime,
      ],
      {
        stdio: ['ignore', log, log],
        env: { ...process.env, DBUS_SYSTEM_BUS_ADDRESS: bus?.address ?? 'unix:path=/nonexistent' },
      },
    );
    await eventually(
      async () => {
        if (child.exitCode !== null) throw new Error(`warren daemon exited (${child.exitCode}):\n${logTail(ns)}`);
        if (!(await accepts(socketOf(ns))))
          throw new Error(`the helper in ${ns.name} does not answer:\n${logTail(ns)}`);
      },
      10_000,
      20,
    );
  };

  const daemonPids = async (ns: TestNamespace): Promise<number[]> => {
    const pids = await run([IP, 'netns', 'pids', ns.name]).catch(() => '');
    return pids
      .split('\n')
      .filter((line) => /^[0-9]+$/.test(line))
      .map(Number)
      .filter((pid) => {
        try {
          const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
          return argv.includes(WARREN) && argv.includes('daemon');
        } catch {
          return false;
        }
      });
  };

  const stopDaemon = async (ns: TestNamespace, signal: NodeJS.Signals): Promise<void> => {
    const pids = await daemonPids(ns);
    expect(pids).toHaveLength(1);
    process.kill(pids[0]!, signal);
    await eventually(() => expect(existsSync(`/proc/${pids[0]}`)).toBe(false), 10_000, 20);
  };

  const logTail = (ns: TestNamespace) => {
    try {
      return readFileSync(daemonLog(ns), 'utf8').split('\n').slice(-25).join('\n');
    } catch {
      return '(no helper log)';
    }
  };

  const call = async <T>(ns: TestNamespace, request: (client: ControlClient) => Promise<T>): Promise<T> => {
    const client = await ControlClient.connect(socketOf(ns));
    try {
      return await request(client);
    } finally {
      client.close();
    }
  };
  const list = (ns: TestNamespace) => call(ns, (client) => client.call('list', {}));
  const summary = async (ns: TestNamespace, tunnel: string): Promise<TunnelSummary | undefined> =>
    (await list(ns)).find((t) => t.name === tunnel);
  const status = async (): Promise<TunnelStatus> => (await call(a.ns, (client) => client.call('show', { name })))[0]!;
  const wantUp = (ns: TestNamespace, tunnel: string): boolean =>
    JSON.parse(readFileSync(join(stateDir(ns), 'state.json'), 'utf8')).tunnels[tunnel]?.wantUp;
  /** The full-tunnel rules in a, without their priorities (a new helper's may differ). */
  const rules = async (family: 4 | 6) =>
    (
      await a.ns.ipJson<{ priority: number; fwmark?: string; suppress_prefixlen?: number }[]>(
        `-${family}`,
        'rule',
        'show',
      )
    )
      .filter((rule) => rule.fwmark !== undefined || rule.suppress_prefixlen !== undefined)
      .map(({ priority: _priority, ...rule }) => rule);

  const writeConf = (file: string, lines: string[]): string => {
    const path = join(dir, 'files', file);
    writeFileSync(path, lines.join('\n') + '\n', { mode: 0o600 });
    return path;
  };

  beforeAll(async () => {
    await ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'warren-helper-'));
    runtime = join(dir, 'run');
    mkdirSync(join(dir, 'files'));
    topology = await Topology.create(['warren', 'wireguard-go']);
    [a, go] = [topology.a, topology.b];
    c = await createNamespace();
    if (hasDbusDaemon) {
      bus = await startPrivateBus();
      logind = await FakeLogind.start(bus.address);
    }
    name = a.name;
    // wireguard-go knows Warren by a's tunnel address only; Warren sends everything to it (a full tunnel).
    await topology.start(go);
    mainFile = writeConf(`${name}.conf`, [
      '[Interface]',
      `PrivateKey = ${a.keys.privateKey}`,
      `ListenPort = ${PORT}`,
      `Address = ${a.tunnel4}/24`,
      '',
      '[Peer]',
      `PublicKey = ${go.keys.publicKey}`,
      'AllowedIPs = 0.0.0.0/0, ::/0',
      `Endpoint = ${go.underlay}:${PORT}`,
    ]);
  }, 60_000);

  afterAll(async () => {
    await topology?.cleanup();
    await c?.remove();
    await logind?.stop();
    await bus?.stop();
    for (const extra of extraNames) rmSync(`/var/run/wireguard/${extra}.sock`, { force: true });
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  beforeEach((context) => {
    context.onTestFailed(() => {
      for (const ns of [a.ns, c]) console.error(`helper log of ${ns.name}:\n${logTail(ns)}`);
    });
  });

  it('says that the helper is not running, for the commands that need it', async () => {
    for (const args of [['list'], ['up', 'wg0'], ['delete', 'wg0'], ['logs']]) {
      const result = await warren(c, ...args);
      expect(result.status, args.join(' ')).toBe(1);
      expect(result.stderr).toBe(NOT_RUNNING);
    }
  });

  it('stores files through the CLI, judging each on its own, and runs a stored tunnel by name', async () => {
    await startDaemon(a.ns);
    const bad = writeConf(`wb${process.pid}.conf`, [
      '[Interface]',
      `PrivateKey = ${a.keys.privateKey}`,
      'Adress = 10.0.0.1/24',
    ]);
    const imported = await warren(a.ns, 'import', mainFile, bad);
    expect(imported.status).toBe(1);
    expect(imported.stdout).toBe(`${mainFile}: stored as ${name}\n`);
    expect(imported.stderr).toContain(`${bad}:3: unknown key \`Adress\``);
    expect(existsSync(join(stateDir(a.ns), `${name}.conf`))).toBe(true);
    // The same name again is refused, the stored file untouched.
    const again = await warren(a.ns, 'import', mainFile);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('already stored');

    expect((await warren(a.ns, 'list')).stdout).toMatch(new RegExp(`^${name}\\s+down\\s+store\\s+no\\s+root$`, 'm'));
    const up = await warren(a.ns, 'up', name);
    expect(up.status, up.stderr).toBe(0);
    expect(up.stdout).toBe(`${name} is up\n`);
    expect(wantUp(a.ns, name)).toBe(true);
    expect((await a.ping(go.tunnel4)).ok).toBe(true);
    expect((await warren(a.ns, 'show')).stdout).toContain(`interface: ${name}\n`);
    await eventually(async () =>
      expect((await warren(a.ns, 'list')).stdout).toMatch(new RegExp(`^${name}\\s+up\\s+store\\s+no\\s+root$`, 'm')),
    );

    const down = await warren(a.ns, 'down', name);
    expect(down.status, down.stderr).toBe(0);
    expect(wantUp(a.ns, name)).toBe(false);
    expect((await summary(a.ns, name))?.state).toBe('down');
    expect((await a.ns.ipJson<unknown[]>('link', 'show')).length).toBe(2); // lo and veth0
    expect(await rules(4)).toEqual([]);

    const deleted = await warren(a.ns, 'delete', name);
    expect(deleted.status, deleted.stderr).toBe(0);
    const empty = await warren(a.ns, 'list');
    expect([empty.status, empty.stdout]).toEqual([0, '']);
    expect(existsSync(join(stateDir(a.ns), `${name}.conf`))).toBe(false);
    const logs = await warren(a.ns, 'logs', '-n', '5');
    expect(logs.stdout).toMatch(new RegExp(`info ${name} deleted\n$`));
    expect(logs.stdout).not.toContain(a.keys.privateKey);
  }, 30_000);

  it('hands out a stored config with its private key hidden unless asked, and takes the placeholder back', async () => {
    expect((await warren(a.ns, 'import', mainFile)).status).toBe(0);
    const hidden = await call(a.ns, (client) => client.call('get', { name }));
    expect(hidden.text).toContain('PrivateKey = (hidden)\n');
    expect(hidden.text).not.toContain(a.keys.privateKey);
    expect(hidden.publicKey).toBe(a.keys.publicKey);
    const full = await call(a.ns, (client) => client.call('get', { name, includePrivateKey: true }));
    expect(full.text).toBe(readFileSync(mainFile, 'utf8'));
    // An edit of the rest, sent back with the placeholder, keeps the key.
    await call(a.ns, (client) =>
      client.call('update', { name, text: hidden.text.replace('Address =', '# edited\nAddress =') }),
    );
    const after = await call(a.ns, (client) => client.call('get', { name, includePrivateKey: true }));
    expect(after.text).toBe(full.text.replace('Address =', '# edited\nAddress ='));
  });

  it('creates a tunnel with a fresh key pair, renames it only while down, and deletes it while up', async () => {
    const created = `wn${process.pid}`;
    const renamed = `wr${process.pid}`;
    extraNames.push(created, renamed);
    const withKey = call(a.ns, (client) =>
      client.call('create', { name: created, text: `[Interface]\nPrivateKey = ${a.keys.privateKey}\n` }),
    );
    await expect(withKey).rejects.toMatchObject({ code: 'config' });
    const result = await call(a.ns, (client) =>
      client.call('create', { name: created, text: '[Interface]\nAddress = 10.205.0.1/24\n' }),
    );
    const { text } = await call(a.ns, (client) => client.call('get', { name: created, includePrivateKey: true }));
    const key = /^PrivateKey = (\S+)$/m.exec(text)![1];
    expect(encodeKey(publicKeyOf(decodeKey(key!)!))).toBe(result.publicKey);

    expect((await warren(a.ns, 'up', created)).status).toBe(0);
    await expect(
      call(a.ns, (client) => client.call('rename', { name: created, newName: renamed })),
    ).rejects.toMatchObject({ code: 'running' });
    expect((await warren(a.ns, 'down', created)).status).toBe(0);
    await call(a.ns, (client) => client.call('rename', { name: created, newName: renamed }));
    expect((await list(a.ns)).map((t) => t.name).sort()).toEqual([name, renamed].sort());
    expect((await warren(a.ns, 'up', renamed)).status).toBe(0);
    const deleted = await warren(a.ns, 'delete', renamed);
    expect(deleted.status, deleted.stderr).toBe(0);
    expect((await a.ns.ipJson<{ ifname: string }[]>('link', 'show')).map((l) => l.ifname)).not.toContain(renamed);
    expect((await list(a.ns)).map((t) => t.name)).toEqual([name]);
  });

  it('brings a tunnel back within 2 s after the helper is killed, without leftovers, and it passes traffic', async () => {
    expect((await warren(a.ns, 'up', name)).status).toBe(0);
    expect((await a.ping(go.tunnel4)).ok).toBe(true);
    const handshake = (await wgDump(go)).peers[0]!.latestHandshake;
    expect(handshake).toBeGreaterThan(0);
    const rulesBefore = [await rules(4), await rules(6)];
    expect(rulesBefore[0]).toHaveLength(2);

    // wg reports the latest handshake in whole seconds: the new helper's must fall in a later one than this.
    await sleep(1100);
    await stopDaemon(a.ns, 'SIGKILL');
    // What the kernel does not clean: the full tunnel's rules stay behind, pointing at a table with no route.
    expect([await rules(4), await rules(6)]).toEqual(rulesBefore);
    const started = performance.now();
    await startDaemon(a.ns);
    const back = await eventually(
      async () => {
        expect((await status()).name).toBe(name);
        return performance.now() - started;
      },
      5000,
      20,
    );
    console.log(`helper restarted and ${name} back in ${Math.round(back)} ms`);
    expect(back).toBeLessThan(2000);
    expect((await summary(a.ns, name))?.state).not.toBe('error');
    // One set of rules, not the dead helper's plus the new one's; one nft table per family, and the kill switch
    // (a stored full tunnel blocks untunneled traffic by default), kept across the restart.
    expect([await rules(4), await rules(6)]).toEqual(rulesBefore);
    const tables = (await a.ns.exec(['nft', 'list', 'tables']))
      .split('\n')
      .filter((line) => line.includes('warren-'))
      .sort();
    expect(tables).toEqual(
      [`table inet warren-killswitch-${name}`, `table ip warren-${name}`, `table ip6 warren-${name}`].sort(),
    );

    expect((await a.ping(go.tunnel4, { count: 3, deadline: 8 })).ok).toBe(true);
    expect((await wgDump(go)).peers[0]!.latestHandshake).toBeGreaterThan(handshake);
    expect(logTail(a.ns)).toMatch(
      /was up when the previous helper stopped without taking it down; deleted the IPv4 rule/,
    );
  }, 30_000);

  it('drops every key on suspend and handshakes again on resume, through the CLI, telling subscribers', async () => {
    expect((await a.ping(go.tunnel4)).ok).toBe(true);
    expect((await status()).peers[0]!.hasSession).toBe(true);
    const before = (await wgDump(go)).peers[0]!.latestHandshake;
    const subscriber = await ControlClient.connect(socketOf(a.ns));
    const events: ControlEvent[] = [];
    subscriber.onEvent((event) => events.push(event));
    await subscriber.call('subscribe', {});

    const suspended = await warren(a.ns, 'suspend');
    expect([suspended.status, suspended.stdout]).toEqual([0, 'suspend: 1 tunnel(s)\n']);
    expect((await status()).peers[0]!.hasSession).toBe(false);
    expect((await summary(a.ns, name))?.state).toBe('reconnecting');
    await eventually(() => {
      const states = events.flatMap((e) =>
        e.type === 'tunnels' ? e.tunnels.filter((t) => t.name === name).map((t) => t.state) : [],
      );
      expect(states).toContain('reconnecting');
      expect(
        events.some((e) => e.type === 'log' && e.entry.message.startsWith('suspend: the keys of 1 tunnel(s) dropped')),
      ).toBe(true);
      // Every second while a tunnel runs, and here someone listens.
      expect(events.some((e) => e.type === 'status' && e.status.some((t) => t.name === name))).toBe(true);
    }, 3000);

    await sleep(1100);
    const resumed = await warren(a.ns, 'resume');
    expect([resumed.status, resumed.stdout]).toEqual([0, 'resume: 1 tunnel(s)\n']);
    await eventually(async () => {
      expect((await wgDump(go)).peers[0]!.latestHandshake).toBeGreaterThan(before);
      expect((await status()).peers[0]!.hasSession).toBe(true);
      expect((await summary(a.ns, name))?.state).toBe('up');
    }, 8000);
    expect(events.some((e) => e.type === 'tunnels' && e.tunnels.some((t) => t.name === name && t.state === 'up'))).toBe(
      true,
    );
    subscriber.close();
    expect((await a.ping(go.tunnel4)).ok).toBe(true);
  }, 30_000);

  it.skipIf(!hasDbusDaemon)(
    'drops every key when logind says the machine sleeps, and handshakes again when it wakes',
    async () => {
      expect((await a.ping(go.tunnel4)).ok).toBe(true);
      const before = (await wgDump(go)).peers[0]!.latestHandshake;
      // The helper's delay lock: the newest one (the killed helper's was released with its death).
      const count = logind!.locks.length;
      const lock = logind!.locks[count - 1];
      expect(
        lock,
        'the helper holds no sleep delay lock (can dbus-next pass descriptors? usocket built?)',
      ).toBeDefined();
      expect(lock!.isReleased()).toBe(false);

      logind!.prepareForSleep(true);
      await Promise.race([
        lock!.released,
        sleep(5000).then(() => Promise.reject(new Error('the sleep lock was not released'))),
      ]);
      // Released only once the keys are gone.
      expect((await status()).peers[0]!.hasSession).toBe(false);

      await sleep(1100);
      logind!.prepareForSleep(false);
      await logind!.waitForLocks(count + 1);
      await eventually(async () => {
        expect((await wgDump(go)).peers[0]!.latestHandshake).toBeGreaterThan(before);
        expect((await status()).peers[0]!.hasSession).toBe(true);
      }, 8000);
    },
    30_000,
  );

  it('brings up only the autostart tunnels at a fresh boot, and they become the ones to restore', async () => {
    const auto = `wu${process.pid}`;
    extraNames.push(auto);
    const file = writeConf(`${auto}.conf`, [
      '[Interface]',
      `PrivateKey = ${go.keys.privateKey}`,
      'Address = 10.203.0.1/24',
    ]);
    expect((await warren(a.ns, 'import', file)).status).toBe(0);
    await call(a.ns, (client) => client.call('setOptions', { name: auto, options: { autostart: true } }));
    expect(wantUp(a.ns, name)).toBe(true);

    // SIGTERM takes every tunnel down and keeps what should be up; without the boot marker the next start is a
    // fresh boot.
    await stopDaemon(a.ns, 'SIGTERM');
    expect((await a.ns.ipJson<unknown[]>('link', 'show')).length).toBe(2);
    const marker = join(runtime, `booted-${namespaceId(a.ns)}`);
    expect(existsSync(marker)).toBe(true);
    rmSync(marker);
    await startDaemon(a.ns);
    await eventually(async () => expect((await summary(a.ns, auto))?.state).toBe('connecting'));
    expect((await summary(a.ns, name))?.state).toBe('down');
    expect(wantUp(a.ns, auto)).toBe(true);
    expect(wantUp(a.ns, name)).toBe(false);
    expect(existsSync(marker)).toBe(true);
    expect((await a.ns.ipJson<{ ifname: string }[]>('link', 'show')).map((l) => l.ifname)).toContain(auto);
  }, 30_000);

  it('runs one helper per network namespace, each seeing only its own tunnels', async () => {
    const other = `wc${process.pid}`;
    extraNames.push(other);
    await startDaemon(c);
    const file = writeConf(`${other}.conf`, [
      '[Interface]',
      `PrivateKey = ${a.keys.privateKey}`,
      'Address = 10.204.0.1/24',
    ]);
    expect((await warren(c, 'import', file)).status).toBe(0);
    expect((await warren(c, 'up', other)).status).toBe(0);
    const inC = await warren(c, 'list');
    const inA = await warren(a.ns, 'list');
    expect(inC.stdout).toMatch(new RegExp(`^${other}\\s+connecting\\s+store`, 'm'));
    expect(inC.stdout.split('\n').filter(Boolean)).toHaveLength(2);
    expect(inA.stdout).not.toContain(other);
    expect(inA.stdout).toContain(name);
    expect((await c.ipJson<{ ifname: string }[]>('link', 'show')).map((l) => l.ifname)).toContain(other);

    // A tunnel from a file runs in the same helper, listed as such, and is never written to the store.
    const transient = `wf${process.pid}`;
    extraNames.push(transient);
    const transientFile = writeConf(`${transient}.conf`, [
      '[Interface]',
      `PrivateKey = ${go.keys.privateKey}`,
      'Address = 10.206.0.1/24',
    ]);
    expect((await warren(c, 'up', transientFile)).status).toBe(0);
    expect(await summary(c, transient)).toMatchObject({ origin: 'file', state: 'connecting' });
    expect(existsSync(join(stateDir(c), `${transient}.conf`))).toBe(false);
    expect(readFileSync(join(stateDir(c), 'state.json'), 'utf8')).not.toContain(transient);
    expect((await warren(c, 'down', transient)).status).toBe(0);
    expect(await summary(c, transient)).toBeUndefined();
  }, 30_000);
});
