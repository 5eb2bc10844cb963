import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Platform, TunnelLeftovers } from '../platform/types.js';
import { BootMarker, TunnelJournal, recoverLeftovers } from './recovery.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'warren-recovery-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function fakePlatform(failFor: string[] = []) {
  const calls: string[] = [];
  const platform: Pick<Platform, 'recoverTunnel' | 'recoverDns'> = {
    async recoverTunnel(name: string, leftovers: TunnelLeftovers) {
      calls.push(`recover ${name} ${leftovers.fwmark} ${leftovers.dnsMethod}`);
      if (failFor.includes(name)) throw new Error('ip failed');
      return leftovers.fwmark === null ? [] : [`deleted the rules of table ${leftovers.fwmark}`];
    },
    async recoverDns() {
      calls.push('recoverDns');
      return true;
    },
  };
  return { platform, calls };
}

describe('the tunnel journal', () => {
  it('records, reads back and removes running tunnels, per network namespace', () => {
    const journal = new TunnelJournal(dir, '111');
    journal.record('wg0', { fwmark: null, dnsMethod: null });
    journal.record('wg0', { fwmark: 51820, dnsMethod: 'resolv.conf' });
    journal.record('wg1', { fwmark: null, dnsMethod: 'resolvectl' });
    expect(new TunnelJournal(dir, '222').read()).toEqual({ entries: [], problems: [] });
    expect(journal.read().entries).toEqual([
      { name: 'wg0', fwmark: 51820, dnsMethod: 'resolv.conf' },
      { name: 'wg1', fwmark: null, dnsMethod: 'resolvectl' },
    ]);
    journal.remove('wg1');
    expect(journal.read().entries.map((e) => e.name)).toEqual(['wg0']);
  });

  it('removes its directory with the last tunnel, and only then', () => {
    const journal = new TunnelJournal(dir, '333');
    journal.record('wg0', { fwmark: 51820, dnsMethod: null });
    journal.record('wg1', { fwmark: null, dnsMethod: null });
    journal.remove('wg0');
    expect(readdirSync(journal.directory)).toEqual(['wg1.json']);
    journal.remove('wg1');
    expect(readdirSync(dir)).not.toContain('tunnels-333');
  });

  it('drops files it did not write, and temporary files of a write cut short', () => {
    const journal = new TunnelJournal(dir, '111');
    journal.record('wg0', { fwmark: null, dnsMethod: null });
    writeFileSync(join(journal.directory, 'wg1.json'), '{"name":"other","fwmark":null,"dnsMethod":null}');
    writeFileSync(join(journal.directory, 'wg2.json'), 'not json');
    writeFileSync(join(journal.directory, 'wg3.json.abcd.tmp'), '{');
    const { entries, problems } = journal.read();
    expect(entries.map((e) => e.name)).toEqual(['wg0']);
    expect(problems).toHaveLength(2);
    expect(readdirSync(journal.directory)).toEqual(['wg0.json']);
  });
});

describe('recovering leftovers at start', () => {
  it('cleans each journalled tunnel, puts resolv.conf back only when one wrote it, and keeps a failed entry', async () => {
    const journal = new TunnelJournal(dir, '1');
    journal.record('wg0', { fwmark: 51820, dnsMethod: 'resolv.conf' });
    journal.record('wg1', { fwmark: null, dnsMethod: null });
    journal.record('wg2', { fwmark: 51821, dnsMethod: null });
    const { platform, calls } = fakePlatform(['wg2']);
    const log: string[] = [];
    await recoverLeftovers(journal, platform, (level, message, tunnel) =>
      log.push(`${level} ${tunnel ?? '-'} ${message}`),
    );
    expect(calls).toEqual([
      'recover wg0 51820 resolv.conf',
      'recover wg1 null null',
      'recover wg2 51821 null',
      'recoverDns',
    ]);
    expect(journal.read().entries.map((e) => e.name)).toEqual(['wg2']);
    expect(log).toEqual([
      'info wg0 was up when the previous helper stopped without taking it down; deleted the rules of table 51820',
      'info wg1 was up when the previous helper stopped without taking it down; nothing was left behind',
      'warn wg2 could not remove what the previous helper left behind: ip failed',
      'info - put back the DNS settings a crashed tunnel had replaced',
    ]);
  });

  it("puts NetworkManager's global DNS back when a tunnel that set it was journalled", async () => {
    const journal = new TunnelJournal(dir, '1');
    journal.record('wg0', { fwmark: null, dnsMethod: 'networkmanager' });
    const { platform, calls } = fakePlatform();
    await recoverLeftovers(journal, platform, () => {});
    expect(calls).toEqual(['recover wg0 null networkmanager', 'recoverDns']);
    expect(journal.read().entries).toEqual([]);
  });

  it('touches nothing, DNS included, when the journal is empty', async () => {
    const { platform, calls } = fakePlatform();
    await recoverLeftovers(new TunnelJournal(dir, '1'), platform, () => {});
    expect(calls).toEqual([]);
  });
});

describe('the boot marker', () => {
  it('is present only for the boot that wrote it', () => {
    const marker = new BootMarker(join(dir, 'run'), '42', 'boot-a');
    expect(marker.present()).toBe(false);
    marker.mark();
    expect(marker.present()).toBe(true);
    expect(new BootMarker(join(dir, 'run'), '42', 'boot-b').present()).toBe(false);
    expect(new BootMarker(join(dir, 'run'), '43', 'boot-a').present()).toBe(false);
  });
});
