// Small programs the netns suites run inside a namespace: a long-lived node process whose stdout lines are
// collected (listeners, DNS fixtures, probes), and a bounded TCP connect that says whether a host is reachable.
import { type ChildProcess, spawn } from 'node:child_process';
import { IP, type TestNamespace } from './namespace.js';

export interface Background {
  child: ChildProcess;
  /** stdout so far, a line an entry. */
  lines: string[];
}

/** `node ARGS` inside the namespace named `ns`; the child is pushed to `children` for the caller's clean-up. */
export function backgroundNode(ns: string, args: readonly string[], children: ChildProcess[]): Background {
  const child = spawn(IP, ['netns', 'exec', ns, process.execPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const lines: string[] = [];
  let rest = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    const parts = (rest + chunk.toString()).split('\n');
    rest = parts.pop()!;
    lines.push(...parts);
  });
  return { child, lines };
}

/** Kills a child that is still running. */
export function killChild(child: ChildProcess | null | undefined): void {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

/** A node script that connects to host:port and exits 0 on connect, 1 on an error, 2 after 1.5 s. */
export function tcpConnectScript(host: string, port: number): string {
  return (
    `const s = require('node:net').connect({ host: '${host}', port: ${port} });` +
    `s.on('connect', () => process.exit(0)); s.on('error', () => process.exit(1)); setTimeout(() => process.exit(2), 1500);`
  );
}

/** Whether a TCP connection from inside `ns` to host:port is accepted within 1.5 s. */
export function tcpReaches(ns: TestNamespace, host: string, port: number): Promise<boolean> {
  return ns.exec([process.execPath, '-e', tcpConnectScript(host, port)]).then(
    () => true,
    () => false,
  );
}
