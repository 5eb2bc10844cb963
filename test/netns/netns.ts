// Network namespaces a test creates and always deletes: unique names (`warren-t-<pid>-<n>`), addresses only
// inside them, veth pairs created directly inside (`ip -n A link add ... peer ... netns B`), so the host's own
// interfaces, routes and firewall are never touched.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

let counter = 0;

/** Root, /dev/net/tun and iproute2: what these suites need. */
export const canUseNetns =
  process.platform === 'linux' &&
  typeof process.getuid === 'function' &&
  process.getuid() === 0 &&
  existsSync('/dev/net/tun') &&
  spawnSync('ip', ['netns', 'list'], { stdio: 'ignore' }).status === 0;

export function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 5000 });
}

export class Namespaces {
  readonly #names: string[] = [];

  create(): string {
    const name = `warren-t-${process.pid}-${++counter}`;
    ip('netns', 'add', name);
    this.#names.push(name);
    ip('-n', name, 'link', 'set', 'lo', 'up');
    return name;
  }

  /** A veth pair between two namespaces, with addresses (CIDR) on each end; IPv6 without DAD delays. */
  veth(a: string, b: string, addresses: { a: string[]; b: string[] }): { a: string; b: string } {
    const names = { a: 'veth-a', b: 'veth-b' };
    ip('-n', a, 'link', 'add', names.a, 'type', 'veth', 'peer', 'name', names.b, 'netns', b);
    for (const [ns, dev, list] of [
      [a, names.a, addresses.a],
      [b, names.b, addresses.b],
    ] as const) {
      for (const address of list) ip('-n', ns, 'addr', 'add', address, 'dev', dev, ...(address.includes(':') ? ['nodad'] : []));
      ip('-n', ns, 'link', 'set', dev, 'up');
    }
    return names;
  }

  /** Deletes every namespace made here; safe to call twice. */
  destroy(): void {
    for (const name of this.#names.splice(0)) spawnSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
  }
}
