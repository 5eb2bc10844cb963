/*
 * The kill switch in memory: one per link in the MemorySystem, applied (replacing one already there, as the nft
 * transaction does), listed and removed, each call a line of the log. A kill switch outlives the helper that put
 * it in place, as an nft table does: the next helper finds it in active(). The sign-in hole is one line too
 * (`portal hole wlan0 dns 192.168.1.1 300 s`); it closes when the daemon's timer takes it back (the kernel's own
 * expiry is linux/kill-switch.ts's, tested in namespaces).
 */
import type { KillSwitch, KillSwitchSpec, PortalHoleSpec, Undo } from '../types.js';
import type { MemorySystem } from './system.js';

/** A spec in one line of the log: `fwmark 51820 lan no bridges no dns 10.0.0.1 endpoints 192.0.2.2:51820`. */
export function describeKillSwitch(spec: KillSwitchSpec): string {
  const endpoints = spec.endpoints.map((e) =>
    e.address.includes(':') ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`,
  );
  return [
    `fwmark ${spec.fwmark ?? 'none'}`,
    `lan ${spec.allowLan ? 'yes' : 'no'}`,
    `bridges ${spec.allowBridges ? 'yes' : 'no'}`,
    `dns ${spec.dnsServers.join(',') || 'none'}`,
    `endpoints ${endpoints.join(',') || 'none'}`,
  ].join(' ');
}

export class MemoryKillSwitch implements KillSwitch {
  readonly #system: MemorySystem;
  readonly #guard: () => void;

  constructor(system: MemorySystem, guard: () => void) {
    this.#system = system;
    this.#guard = guard;
  }

  async apply(link: string, spec: KillSwitchSpec): Promise<Undo> {
    this.#guard();
    this.#system.record(`killswitch ${link} ${describeKillSwitch(spec)}`);
    this.#system.killSwitches.set(link, { ...spec, endpoints: [...spec.endpoints], dnsServers: [...spec.dnsServers] });
    return async () => {
      this.#guard();
      if (!this.#system.killSwitches.has(link)) return;
      this.#system.record(`undo killswitch ${link}`);
      this.#system.killSwitches.delete(link);
    };
  }

  async active(): Promise<string[]> {
    this.#guard();
    this.#system.record('killswitch active');
    return [...this.#system.killSwitches.keys()];
  }

  async remove(link: string): Promise<boolean> {
    this.#guard();
    this.#system.record(`remove killswitch ${link}`);
    return this.#system.killSwitches.delete(link);
  }

  async openPortalHole(spec: PortalHoleSpec): Promise<Undo> {
    this.#guard();
    const text = `portal hole ${spec.device} dns ${spec.dnsServers.join(',') || 'none'} ${spec.seconds} s`;
    if (this.#system.killSwitches.size === 0) {
      this.#system.record(`${text} (no kill switch)`);
      throw new Error('no kill switch is in place: there is nothing to open');
    }
    this.#system.record(text);
    const hole = { ...spec, dnsServers: [...spec.dnsServers] };
    this.#system.portalHole = hole;
    return async () => {
      this.#guard();
      if (this.#system.portalHole !== hole) return;
      this.#system.record(`undo portal hole ${spec.device}`);
      this.#system.portalHole = null;
    };
  }
}
