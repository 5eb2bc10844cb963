// A tunnel's DNS handed to other resolvers and back, over a DNS method that records what it is asked: the servers
// set in the tunnel's place only where DNS is the whole system's, the tunnel's own back with the hand-back, nothing
// set again once the tunnel is going down, and the tunnel's own kept when the others cannot be set.
import { describe, expect, it } from 'vitest';
import { TunnelDns } from './tunnel-dns.js';
import type { DnsConfigurator, DnsSettings, Undo } from './types.js';

class RecordingDns implements DnsConfigurator {
  readonly method;
  readonly perLink;
  readonly calls: string[] = [];
  /** Applies of these servers (comma-separated) fail. */
  failing: string[] = [];

  constructor(perLink: boolean) {
    this.perLink = perLink;
    this.method = perLink ? ('resolvectl' as const) : ('resolv.conf' as const);
  }

  async apply(link: string, settings: DnsSettings): Promise<Undo> {
    const text = `${link} ${settings.servers.join(',')}${settings.search.length > 0 ? ` search ${settings.search}` : ''}`;
    if (this.failing.some((servers) => settings.servers.join(',') === servers)) {
      this.calls.push(`${text} (failed)`);
      throw new Error(`${text}: refused`);
    }
    this.calls.push(text);
    return async () => {
      this.calls.push(`undo ${text}`);
    };
  }
}

const TUNNEL = { servers: ['10.9.0.53'], search: ['corp.example'] };

async function upWith(perLink: boolean) {
  const method = new RecordingDns(perLink);
  const dns = new TunnelDns(method, 'wa', TUNNEL);
  const down = await dns.apply();
  return { method, dns, down };
}

describe("a tunnel's DNS handed over", () => {
  it("sets the servers in the tunnel's place where DNS is the whole system's, and the tunnel's back after", async () => {
    const { method, dns, down } = await upWith(false);
    const handBack = await dns.handOver(['192.168.1.1']);
    await handBack();
    await handBack(); // once
    await down();
    expect(method.calls).toEqual([
      'wa 10.9.0.53 search corp.example',
      'undo wa 10.9.0.53 search corp.example',
      'wa 192.168.1.1',
      'undo wa 192.168.1.1',
      'wa 10.9.0.53 search corp.example',
      'undo wa 10.9.0.53 search corp.example',
    ]);
  });

  it("only takes the tunnel's back where DNS is per link", async () => {
    const { method, dns } = await upWith(true);
    const handBack = await dns.handOver(['192.168.1.1']);
    expect(method.calls.slice(1)).toEqual(['undo wa 10.9.0.53 search corp.example']);
    await handBack();
    expect(method.calls.at(-1)).toBe('wa 10.9.0.53 search corp.example');
  });

  it('sets nothing again once the tunnel is going down: its down takes back the servers', async () => {
    const { method, dns, down } = await upWith(false);
    const handBack = await dns.handOver(['192.168.1.1']);
    dns.ending(); // down has begun; its PreDown hooks run before it undoes anything
    await handBack();
    await down();
    expect(method.calls.slice(3)).toEqual(['undo wa 192.168.1.1']);

    const after = await upWith(false);
    const late = await after.dns.handOver(['192.168.1.1']);
    await after.down();
    await late();
    expect(after.method.calls.slice(3)).toEqual(['undo wa 192.168.1.1']);
    expect(await after.dns.handOver(['192.168.1.1'])).toBeTypeOf('function');
    expect(after.method.calls).toHaveLength(4); // handing over a tunnel that is down does nothing
  });

  it("keeps the tunnel's DNS when the servers cannot be set, and rejects saying so", async () => {
    const { method, dns } = await upWith(false);
    method.failing = ['192.168.1.1'];
    await expect(dns.handOver(['192.168.1.1'])).rejects.toThrow('wa 192.168.1.1: refused');
    expect(method.calls.at(-1)).toBe('wa 10.9.0.53 search corp.example');

    method.failing = ['192.168.1.1', '10.9.0.53'];
    await expect(dns.handOver(['192.168.1.1'])).rejects.toThrow(
      "wa 192.168.1.1: refused (and the tunnel's own DNS could not be set again: wa 10.9.0.53 search corp.example: refused)",
    );
  });

  it('hands over again to other servers: only the newest hand-back acts', async () => {
    const { method, dns } = await upWith(false);
    const first = await dns.handOver(['192.168.1.1']);
    const second = await dns.handOver(['192.168.7.1']);
    await first();
    expect(method.calls.at(-1)).toBe('wa 192.168.7.1');
    await second();
    expect(method.calls.slice(-2)).toEqual(['undo wa 192.168.7.1', 'wa 10.9.0.53 search corp.example']);
  });
});
