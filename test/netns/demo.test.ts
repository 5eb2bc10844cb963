// `warren demo` run as a newcomer would, non-interactively: it must succeed with both kinds of peer and leave
// nothing behind (namespaces, interfaces, sockets, processes, logs).
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const WARREN = fileURLToPath(new URL('../../bin/warren.js', import.meta.url));

function run(argv: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(argv[0]!, argv.slice(1), { timeout: 60_000, encoding: 'utf8' }, (error, stdout, stderr) => {
      resolve({ status: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

function processesMentioning(text: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmdline.includes(text)) found.push(cmdline);
    } catch {
      // exited meanwhile
    }
  }
  return found;
}

async function expectNothingLeft(output: string): Promise<void> {
  const id = /warren-demo-(\d+)-a/.exec(output)?.[1];
  expect(id, 'the demo names its namespaces').toBeDefined();
  const namespaces = (await run(['ip', 'netns', 'list'])).stdout;
  expect(namespaces).not.toContain(`warren-demo-${id}-`);
  for (const name of [`wgdemo${id}`, `wgpeer${id}`]) {
    expect(existsSync(`/var/run/wireguard/${name}.sock`), name).toBe(false);
    expect(processesMentioning(name), name).toEqual([]);
  }
  expect(processesMentioning(`warren-demo-${id}-`)).toEqual([]);
  expect(processesMentioning('tcp-stream.js')).toEqual([]);
}

describe('warren demo', () => {
  it.each(['wireguard-go', 'warren'])('shows a working tunnel with a %s peer and cleans up', async (peer) => {
    const result = await run([process.execPath, WARREN, 'demo', '--seconds', '1', '--peer', peer]);
    expect(result.status, result.stdout + result.stderr).toBe(0);
    const out = result.stdout;
    expect(out).toMatch(/ping 10\.212\.0\.2: 3 packets transmitted, 3 received, 0% packet loss/);
    expect(out).toMatch(/ping fd12::2: 3 packets transmitted, 3 received, 0% packet loss/);
    expect(out).toMatch(/Handshake done \d+ s ago; endpoint 10\.211\.0\.2:51820/);
    expect(out).toMatch(/[\d.]+ [KMG]iB arrived in [\d.]+ s: \d+ Mbit\/s/);
    expect(out).toContain('latest handshake:');
    expect(out).toContain('Session keys: none.');
    expect(out).toMatch(/New handshake \d+ s ago; the tunnel is back/);
    expect(out).toContain('Done: everything the demo made is gone again.');
    await expectNothingLeft(out);
  });

  it('runs again right after (a second run works) and is interrupted cleanly by SIGINT', async () => {
    const child = execFile(process.execPath, [WARREN, 'demo', '--seconds', '5'], { encoding: 'utf8' });
    let out = '';
    let interrupted = false;
    child.stdout!.on('data', (d: string) => {
      out += d;
      if (!interrupted && out.includes('TCP through the tunnel')) {
        interrupted = true;
        child.kill('SIGINT');
      }
    });
    const status = await new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    expect(status).toBe(1);
    expect(out).toContain('interrupted; everything it made has been taken down');
    await expectNothingLeft(out);
  });

  it('says exactly why it needs root', async () => {
    const result = await run(['runuser', '-u', 'nobody', '--', process.execPath, WARREN, 'demo']);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('warren demo needs root');
  });
});
