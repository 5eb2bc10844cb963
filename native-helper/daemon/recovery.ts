/*
 * What lets a helper that died (SIGKILL, a crash, `systemctl restart`) be followed by one that puts things right,
 * in the runtime directory (/run/warren, a tmpfs emptied at every boot):
 *
 *  - the boot marker `booted-<netns>`, written once the first helper of this boot in this network namespace has
 *    done its boot-time start (autostart). A helper that finds it holding this boot's id is a restart within the
 *    same boot, and brings back exactly the tunnels that were meant to be up (the store's wantUp).
 *  - the journal `tunnels-<netns>/NAME.json`, one file per running tunnel, written before its `up` changes the
 *    system (and again with the fwmark its full-tunnel rules will use, before they go in) and removed after its
 *    `down`. A file found at start is a tunnel whose helper died: its leftovers are removed (the platform's
 *    recoverTunnel: interface, policy rules, nft tables; DNS written into resolv.conf) before anything comes up.
 *
 * Both are per network namespace: a helper runs in each, and interface names repeat between namespaces.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { tunnelName } from '../../shared/ipc/control.js';
import type { Platform, TunnelLeftovers } from '../platform/types.js';

const journalEntry = z.object({
  name: tunnelName,
  fwmark: z.number().int().min(0).max(0xffffffff).nullable(),
  dnsMethod: z.enum(['resolvectl', 'resolvconf', 'resolv.conf', 'networkmanager']).nullable(),
});
export type JournalEntry = z.infer<typeof journalEntry>;

/** The running tunnels of one helper, as files that outlive it. Writes are atomic (temporary file, rename). */
export class TunnelJournal {
  readonly directory: string;

  constructor(runtimeDirectory: string, namespaceId: string) {
    this.directory = join(runtimeDirectory, `tunnels-${namespaceId}`);
  }

  record(name: string, leftovers: TunnelLeftovers): void {
    mkdirSync(this.directory, { recursive: true, mode: 0o700 });
    const path = this.#path(name);
    const temporary = `${path}.${randomBytes(4).toString('hex')}.tmp`;
    const entry: JournalEntry = { name, fwmark: leftovers.fwmark, dnsMethod: leftovers.dnsMethod };
    writeFileSync(temporary, JSON.stringify(entry) + '\n', { mode: 0o600 });
    renameSync(temporary, path);
  }

  remove(name: string): void {
    rmSync(this.#path(name), { force: true });
    // The last tunnel gone: the directory goes too, so namespaces that came and went leave nothing in /run.
    try {
      rmdirSync(this.directory);
    } catch {
      // other tunnels still recorded (ENOTEMPTY), or already gone
    }
  }

  /** The tunnels recorded, and the files that could not be read (removed: they cannot be acted on). */
  read(): { entries: JournalEntry[]; problems: string[] } {
    let files: string[];
    try {
      files = readdirSync(this.directory);
    } catch {
      return { entries: [], problems: [] };
    }
    const entries: JournalEntry[] = [];
    const problems: string[] = [];
    for (const file of files.sort()) {
      const path = join(this.directory, file);
      if (!file.endsWith('.json')) {
        rmSync(path, { force: true }); // a temporary file of a write cut short
        continue;
      }
      try {
        const parsed = journalEntry.safeParse(JSON.parse(readFileSync(path, 'utf8')));
        if (parsed.success && `${parsed.data.name}.json` === file) {
          entries.push(parsed.data);
          continue;
        }
      } catch {
        // reported below
      }
      problems.push(`${path} is not a journal entry this helper wrote; removed`);
      rmSync(path, { force: true });
    }
    return { entries, problems };
  }

  #path(name: string): string {
    return join(this.directory, `${name}.json`);
  }
}

/**
 * Removes what every tunnel in the journal left behind, then its journal entry. An entry whose clean-up fails
 * is kept, so the next start tries again. Never throws: failures are logged.
 */
export async function recoverLeftovers(
  journal: TunnelJournal,
  platform: Pick<Platform, 'recoverTunnel' | 'recoverDns'>,
  log: (level: 'info' | 'warn', message: string, tunnel?: string) => void,
): Promise<void> {
  const { entries, problems } = journal.read();
  for (const problem of problems) log('warn', problem);
  let dns = false;
  for (const entry of entries) {
    try {
      const done = await platform.recoverTunnel(entry.name, entry);
      log(
        'info',
        `was up when the previous helper stopped without taking it down; ${done.length === 0 ? 'nothing was left behind' : done.join('; ')}`,
        entry.name,
      );
      journal.remove(entry.name);
      // Neither is per tunnel: a backup that a dead tunnel's DNS left (resolv.conf's, NetworkManager's).
      dns ||= entry.dnsMethod === 'resolv.conf' || entry.dnsMethod === 'networkmanager';
    } catch (error) {
      log('warn', `could not remove what the previous helper left behind: ${(error as Error).message}`, entry.name);
    }
  }
  if (dns) {
    try {
      if (await platform.recoverDns()) log('info', 'put back the DNS settings a crashed tunnel had replaced');
    } catch (error) {
      log('warn', `could not put back the DNS settings a crashed tunnel had replaced: ${(error as Error).message}`);
    }
  }
}

const BOOT_ID_PATH = '/proc/sys/kernel/random/boot_id';

function currentBootId(): string {
  try {
    return readFileSync(BOOT_ID_PATH, 'utf8').trim();
  } catch {
    return 'unknown';
  }
}

/** The boot marker of one network namespace. Its content is the boot's id, so a runtime directory that
 *  survived a reboot (not a tmpfs) is not taken for the same boot. */
export class BootMarker {
  readonly path: string;
  private readonly bootId: string;

  constructor(runtimeDirectory: string, namespaceId: string, bootId = currentBootId()) {
    this.path = join(runtimeDirectory, `booted-${namespaceId}`);
    this.bootId = bootId;
  }

  /** Whether a helper already started in this network namespace during this boot. */
  present(): boolean {
    try {
      return readFileSync(this.path, 'utf8').trim() === this.bootId;
    } catch {
      return false;
    }
  }

  mark(): void {
    mkdirSync(join(this.path, '..'), { recursive: true, mode: 0o755 });
    writeFileSync(this.path, `${this.bootId}\n`, { mode: 0o644 });
  }
}
