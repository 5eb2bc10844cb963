// DNS through the tunnel, end to end with the real `warren` binary: Warren (namespace a) <-> wireguard-go (b) from
// the interop harness, a tiny DNS server (fixtures/dns-server.mjs) in b listening only on b's tunnel address, and
// Warren's config naming it as `DNS =` with a search domain. In a namespace of its own Warren takes the resolv.conf
// method even where the host runs resolved or resolvconf (platform/linux/dns.ts), and `ip netns exec a` shows it
// /etc/netns/a/resolv.conf as /etc/resolv.conf: up
// must put the tunnel's resolver there, a name must resolve through it (the server sees the query from a's tunnel
// address), and down must bring the namespace's own file back byte for byte. The host's /etc/resolv.conf is
// checked to be untouched. Everything is removed afterwards, also after a failure.
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from './ensure-built.js';
import { Topology } from './interop-harness.js';
import { eventually } from './interop-inspect.js';
import { PORT, type Site, canRunInterop } from './interop-site.js';
import { IP, writeNamespaceEtc } from './namespace.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/dns-server.mjs', import.meta.url));
const BACKUP = '/var/lib/warren/resolv.conf.backup.json';
const NAME = 'vpn-test.warren';
const ANSWER = '10.9.9.9';
const SEARCH = 'corp.warren-test.example';
// The namespace's own resolver file: a nameserver that is never contacted (a has no route to it), and bytes a
// careless rewrite would lose (a comment, CRLF, no final newline).
const ORIGINAL = Buffer.from(
  "# a's own resolver\r\nnameserver 192.0.2.53\nsearch original.example\noptions timeout:1 attempts:1",
);

const sha256 = (path: string): string => {
  try {
    return createHash('sha256').update(readFileSync(path)).digest('hex');
  } catch {
    return 'absent';
  }
};

describe.skipIf(!canRunInterop)('DNS through the tunnel', () => {
  let topology: Topology;
  let a: Site;
  let b: Site;
  let dir: string;
  let server: ChildProcess | null = null;
  const serverLines: string[] = [];
  let serverErrors = '';
  let hostBefore: string;

  beforeAll(async () => {
    await ensureBuilt();
    hostBefore = sha256('/etc/resolv.conf');
    dir = mkdtempSync(join(tmpdir(), 'warren-dns-'));
    topology = await Topology.create(['warren', 'wireguard-go']);
    [a, b] = [topology.a, topology.b];
    await topology.start(b);
    server = spawn(IP, ['netns', 'exec', b.ns.name, process.execPath, FIXTURE, b.tunnel4, NAME, ANSWER], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let rest = '';
    server.stdout!.on('data', (chunk: Buffer) => {
      const parts = (rest + chunk.toString()).split('\n');
      rest = parts.pop()!;
      serverLines.push(...parts);
    });
    server.stderr!.on('data', (chunk: Buffer) => {
      serverErrors += chunk.toString();
    });
    await eventually(
      () => {
        if (server!.exitCode !== null) throw new Error(`the DNS server exited: ${serverErrors}`);
        expect(serverLines).toContain('listening');
      },
      5000,
      20,
    );
    await writeNamespaceEtc(a.ns, 'resolv.conf', ORIGINAL);
  }, 30_000);

  afterAll(async () => {
    if (server && server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
    await topology?.cleanup();
    // Only if a failure left our tunnel's backup behind (a tunnel of ours that never went down).
    try {
      if (a && (JSON.parse(readFileSync(BACKUP, 'utf8')) as { interface?: string }).interface === a.name)
        rmSync(BACKUP, { force: true });
    } catch {
      // no backup
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it("points the namespace at the tunnel's resolver, resolves through it, and puts the original back on down", async () => {
    const readInside = async () => {
      const result = await a.exec(['cat', '/etc/resolv.conf']);
      expect(result.status, result.stderr).toBe(0);
      return result.stdout;
    };
    expect(await readInside()).toBe(ORIGINAL.toString());

    const file = join(dir, `${a.name}.conf`);
    writeFileSync(
      file,
      [
        '[Interface]',
        `PrivateKey = ${a.keys.privateKey}`,
        `ListenPort = ${PORT}`,
        `Address = ${a.tunnel4}/24, ${a.tunnel6}/64`,
        `DNS = ${b.tunnel4}, ${SEARCH}`,
        '',
        '[Peer]',
        `PublicKey = ${b.keys.publicKey}`,
        `AllowedIPs = ${b.tunnel4}/32, ${b.tunnel6}/128`,
        `Endpoint = ${b.underlay}:${PORT}`,
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    const up = await a.warren('up', file);
    expect(up.status, `${up.stderr}\n${a.logTail()}`).toBe(0);

    // Inside a, /etc/resolv.conf names the tunnel's resolver, and only it, with the search domain.
    const during = await readInside();
    const nameservers = during
      .split('\n')
      .filter((line) => line.startsWith('nameserver '))
      .map((line) => line.split(/\s+/)[1]);
    expect(nameservers, during).toEqual([b.tunnel4]);
    expect(during).toMatch(new RegExp(`^search ${SEARCH.replace(/\./g, '\\.')}$`, 'm'));

    // A lookup inside a goes to that resolver, through the tunnel: the server listens only on b's tunnel address
    // and sees the query come from a's.
    const lookup = await a.exec(['getent', 'ahostsv4', NAME], 10_000);
    expect(lookup.status, `${lookup.stdout}${lookup.stderr}\nserver: ${serverLines.join('\n')}`).toBe(0);
    expect(lookup.stdout.split('\n')[0]!.split(/\s+/)[0]).toBe(ANSWER);
    const queries = serverLines.filter((line) => line.startsWith('query '));
    console.log(`the DNS server in b saw:\n${queries.join('\n')}`);
    expect(
      queries.some((line) =>
        new RegExp(`^query \\d+ ${NAME.replace(/\./g, '\\.')} 1 from ${a.tunnel4.replace(/\./g, '\\.')}$`).test(line),
      ),
      queries.join('\n'),
    ).toBe(true);
    expect(
      queries.every((line) => line.endsWith(`from ${a.tunnel4}`)),
      queries.join('\n'),
    ).toBe(true);

    const down = await a.warren('down', a.name);
    expect(down.status, `${down.stderr}\n${a.logTail()}`).toBe(0);
    expect(readFileSync(a.ns.etcPath('resolv.conf')).equals(ORIGINAL)).toBe(true);
    expect(await readInside()).toBe(ORIGINAL.toString());
    expect(existsSync(BACKUP)).toBe(false);
    expect(sha256('/etc/resolv.conf')).toBe(hostBefore);
  }, 30_000);
});
