/*
 * DNS through NetworkManager, where NetworkManager writes /etc/resolv.conf itself (its DnsManager's RcManager is
 * 'file' or 'symlink' and no systemd-resolved): a resolv.conf of our own would last until the next DHCP renewal,
 * when NetworkManager writes its own again. So the tunnel's servers and search domains go where NetworkManager
 * takes them from first: its global DNS configuration (the Manager's GlobalDnsConfiguration; domain "*" is every
 * name), which it puts in every resolv.conf it writes until it is taken back. On down the configuration that was
 * there before (usually none) is put back, and NetworkManager writes resolv.conf from its connections again: the
 * file it would have had without the tunnel, a renewal's news included.
 *
 * Mullvad's talpid-dns does the same job by setting DNS on the tunnel's own NetworkManager connection (Reapply on
 * a device NetworkManager manages); Warren's interfaces are left unmanaged (network-manager.ts), so the global
 * configuration is the place left.
 *
 * NetworkManager keeps a global DNS set over D-Bus across its restarts and reboots (NetworkManager-intern.conf),
 * so what was there is kept in a backup beside resolv.conf's, BACKUP_PATH, before anything is set. Down, and a
 * recovery after a crash, put it back only when NetworkManager still holds what we set (someone who changed it
 * since wins), then remove the backup. One tunnel's DNS at a time, as with resolv.conf: a second is refused.
 */
import { rm, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { assertInterfaceName } from '../interface-name.js';
import type { DnsConfigurator, DnsSettings, Undo } from '../types.js';
import { type GlobalDns, NetworkManagerClient, type NetworkManagerOptions } from './network-manager.js';
import { readBackupJson, writeFileAtomically } from './resolv-conf-file.js';

export const NETWORKMANAGER_DNS_BACKUP_PATH = '/var/lib/warren/networkmanager-dns.backup.json';

export interface NetworkManagerDnsOptions extends NetworkManagerOptions {
  /** Where what was there is kept while a tunnel's DNS is set; NETWORKMANAGER_DNS_BACKUP_PATH. */
  backupPath?: string;
}

interface Backup {
  format: 1;
  interface: string;
  /** The global DNS before (usually {}). */
  previous: GlobalDns;
  /** What we set. */
  written: GlobalDns;
}

/** The global DNS that holds a tunnel's settings: every name ("*") to its servers, with its search domains. */
export function tunnelGlobalDns(settings: DnsSettings): GlobalDns {
  return { searches: [...settings.search], domains: { '*': { servers: [...settings.servers] } } };
}

/** Whether NetworkManager, as its DnsManager says, writes /etc/resolv.conf itself (no resolved, no resolvconf). */
export function writesResolvConf(dnsManager: { mode: string; rcManager: string }): boolean {
  return ['file', 'symlink'].includes(dnsManager.rcManager) && !['none', 'systemd-resolved'].includes(dnsManager.mode);
}

export class NetworkManagerDnsConfigurator implements DnsConfigurator {
  readonly method = 'networkmanager';
  readonly perLink = false;
  readonly #options: NetworkManagerDnsOptions;

  constructor(options: NetworkManagerDnsOptions) {
    this.#options = options;
  }

  async apply(link: string, settings: DnsSettings): Promise<Undo> {
    assertInterfaceName(link);
    const backupPath = this.#options.backupPath ?? NETWORKMANAGER_DNS_BACKUP_PATH;
    const existing = await readBackup(backupPath);
    if (existing !== null) {
      throw new Error(
        `NetworkManager already holds the DNS of the tunnel ${existing.interface} (what was there before is kept in ` +
          `${backupPath}); take that tunnel down, or recover DNS, first`,
      );
    }
    const client = await NetworkManagerClient.connect(this.#options);
    try {
      const written = tunnelGlobalDns(settings);
      const backup: Backup = { format: 1, interface: link, previous: await client.globalDns(), written };
      await mkdir(dirname(backupPath), { recursive: true, mode: 0o700 });
      await writeFileAtomically(backupPath, Buffer.from(JSON.stringify(backup) + '\n'), 0o600);
      try {
        await client.setGlobalDns(written);
      } catch (error) {
        await rm(backupPath, { force: true });
        throw new Error(
          `NetworkManager did not take the tunnel's DNS as its global DNS (${(error as Error).message}); ` +
            'a global DNS configured in NetworkManager.conf cannot be replaced',
          { cause: error },
        );
      }
    } finally {
      client.close();
    }
    return async () => {
      await restoreNetworkManagerDns({ ...this.#options, backupPath });
    };
  }
}

/**
 * Puts back the global DNS a tunnel replaced, from the backup; for `down` and for recovery after a crash.
 * Resolves true when it was put back; false when there was no backup, or when NetworkManager holds something
 * else than what we set (theirs stays). The backup is gone afterwards unless this rejects (NetworkManager did not
 * answer: the next start tries again).
 */
export async function restoreNetworkManagerDns(options: NetworkManagerDnsOptions): Promise<boolean> {
  const backupPath = options.backupPath ?? NETWORKMANAGER_DNS_BACKUP_PATH;
  const backup = await readBackup(backupPath);
  if (backup === null) return false;
  const client = await NetworkManagerClient.connect(options);
  let restored = false;
  try {
    if (sameDns(await client.globalDns(), backup.written)) {
      await client.setGlobalDns(backup.previous);
      restored = true;
    }
  } finally {
    client.close();
  }
  await rm(backupPath, { force: true });
  return restored;
}

async function readBackup(backupPath: string): Promise<Backup | null> {
  const backup = (await readBackupJson(backupPath, "put NetworkManager's global DNS back by hand")) as Backup | null;
  if (backup === null) return null;
  if (backup?.format !== 1 || typeof backup.previous !== 'object' || typeof backup.written !== 'object') {
    throw new Error(`the DNS backup ${backupPath} is not one this version writes; restore by hand and remove it`);
  }
  return backup;
}

/** Equal as NetworkManager means them: empty lists and absent ones alike, domains in any order. */
export function sameDns(a: GlobalDns, b: GlobalDns): boolean {
  return JSON.stringify(normalized(a)) === JSON.stringify(normalized(b));
}

function normalized(dns: GlobalDns): unknown {
  const list = (items: string[] | undefined) => (items === undefined || items.length === 0 ? undefined : items);
  const domains = Object.keys(dns.domains ?? {})
    .sort()
    .map((domain) => [domain, list(dns.domains![domain]!.servers), list(dns.domains![domain]!.options)]);
  return [list(dns.searches), list(dns.options), domains];
}
