// The UAPI socket against the real wg(8): wg looks for /var/run/wireguard/NAME.sock, so these tests use that
// directory with a name of their own (root, as in CI) and remove their socket afterwards.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeKey } from '../../shared/config/keys.js';
import { type UapiServer, startUapiServer, uapiSocketPath } from './server.js';
import { recordingTarget } from './testing.js';

const NAME = `wgt${process.pid % 100000}`;
const servers: UapiServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

/** wg runs asynchronously: the server answering it lives in this process's event loop. */
function wg(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('wg', args, { timeout: 10_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}
const newKey = () => execFileSync('wg', ['genkey'], { encoding: 'utf8' }).trim();
const pub = (key: string) => execFileSync('wg', ['pubkey'], { input: key, encoding: 'utf8' }).trim();

async function start(options: Parameters<typeof startUapiServer>[2] = {}) {
  const target = recordingTarget();
  const server = await startUapiServer(NAME, target, options);
  servers.push(server);
  return { target, server };
}

describe('UAPI socket directory', () => {
  it('is made 0755 where there is none, as wireguard-go makes it; the socket root only', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'warren-uapi-dir-'));
    const previous = process.umask(0o022);
    try {
      const { server } = await start({ directory: join(dir, 'wireguard') });
      expect(statSync(join(dir, 'wireguard')).mode & 0o777).toBe(0o755);
      expect(statSync(server.path).mode & 0o777).toBe(0o600);
    } finally {
      process.umask(previous);
      for (const server of servers.splice(0)) await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('UAPI socket with the real wg', () => {
  it('lets wg set, show, showconf and syncconf work on the device', async () => {
    const { target, server } = await start();
    expect(statSync(server.path).mode & 0o777).toBe(0o600);
    // The directory is whatever made it first (wg-quick, under umask 077, makes it 0700): only never writable by others.
    expect(statSync('/var/run/wireguard').mode & 0o022).toBe(0);
    const privateKey = newKey();
    const peerA = pub(newKey());
    const peerB = pub(newKey());
    const dir = mkdtempSync(join(tmpdir(), 'warren-uapi-'));
    try {
      writeFileSync(join(dir, 'pk'), privateKey);
      expect(
        (
          await wg([
            'set',
            NAME,
            'private-key',
            join(dir, 'pk'),
            'listen-port',
            '51999',
            'peer',
            peerA,
            'allowed-ips',
            '10.77.0.0/16,fd77::/64',
            'endpoint',
            '127.0.0.1:51998',
            'persistent-keepalive',
            '15',
          ])
        ).status,
      ).toBe(0);
      expect(encodeKey(target.device.publicKey!)).toBe(pub(privateKey));

      const show = await wg(['show', NAME]);
      expect(show.status).toBe(0);
      expect(show.stdout).toContain(`public key: ${pub(privateKey)}`);
      expect(show.stdout).toContain('listening port: 51999');
      expect(show.stdout).toContain(`peer: ${peerA}`);
      expect(show.stdout).toContain('endpoint: 127.0.0.1:51998');
      expect(show.stdout).toContain('allowed ips: 10.77.0.0/16, fd77::/64');
      expect(show.stdout).toContain('persistent keepalive: every 15 seconds');
      expect((await wg(['show', NAME, 'private-key'])).stdout.trim()).toBe(privateKey);

      const showconf = (await wg(['showconf', NAME])).stdout;
      expect(showconf).toContain(`PrivateKey = ${privateKey}`);
      expect(showconf).toContain('ListenPort = 51999');

      // change live: allowed IPs, a second peer, removal
      expect((await wg(['set', NAME, 'peer', peerA, 'allowed-ips', '10.78.0.0/16'])).status).toBe(0);
      expect((await wg(['set', NAME, 'peer', peerB, 'allowed-ips', '10.79.0.1/32'])).status).toBe(0);
      let allowed = (await wg(['show', NAME, 'allowed-ips'])).stdout;
      expect(allowed).toContain(`${peerA}\t10.78.0.0/16`);
      expect(allowed).toContain(`${peerB}\t10.79.0.1/32`);
      expect((await wg(['set', NAME, 'peer', peerA, 'remove'])).status).toBe(0);
      allowed = (await wg(['show', NAME, 'allowed-ips'])).stdout;
      expect(allowed).not.toContain(peerA);

      // syncconf replaces the peer set with the file's
      writeFileSync(
        join(dir, 'sync.conf'),
        `[Interface]\nPrivateKey = ${privateKey}\nListenPort = 51999\n\n[Peer]\nPublicKey = ${peerA}\nAllowedIPs = 10.80.0.0/16\n`,
      );
      expect((await wg(['syncconf', NAME, join(dir, 'sync.conf')])).status).toBe(0);
      const peers = (await wg(['show', NAME, 'peers'])).stdout.trim().split('\n');
      expect(peers).toEqual([peerA]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports a failed set as wg does (exit 1), e.g. a port that is taken', async () => {
    const { target } = await start();
    target.takenPort = 51997;
    const result = await wg(['set', NAME, 'listen-port', '51997']);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/Address already in use/);
  });

  it('notices the socket file being deleted', async () => {
    let removed = 0;
    const { server } = await start({ onRemoved: () => removed++ });
    unlinkSync(server.path);
    const deadline = Date.now() + 3000;
    while (removed === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(removed).toBe(1);
  });

  it('replaces a stale socket and refuses one that is in use', async () => {
    const path = uapiSocketPath(NAME);
    // a socket file left from a crash: bound, then its server gone without unlinking
    const stale = createServer();
    await new Promise<void>((resolve) => stale.listen(path, resolve));
    (stale as unknown as { _handle: { close(): void } })._handle.close();
    await start();
    expect((await wg(['show', NAME])).status).toBe(0);
    // Also when the other tunnel runs in another network namespace: the directory is shared, and the error says so.
    await expect(startUapiServer(NAME, recordingTarget())).rejects.toThrow(
      new RegExp(
        `in use by a running process: a userspace WireGuard interface named ${NAME} runs here or in another network namespace`,
      ),
    );
  });
});
