/*
 * A throwaway root for install tests: commands run in a private mount namespace (unshare, as root) where /etc,
 * /opt, /usr and /var are overlays whose writes land in a temporary directory, and /run is an empty tmpfs. So
 * the real groupadd, usermod, getent, systemctl enable, ln and rm do their real work on the real file layout,
 * and the host's own files are never written. Each run mounts the same upper directories again, so changes
 * carry over from one run to the next (an install, then a removal, then a purge).
 *
 * With `systemd: true` the namespace looks like a machine systemd runs (/run/systemd/system exists) and
 * `systemctl` is a recording stand-in first on PATH: there is no systemd here to start a service with. Without
 * it, the real systemctl runs, which enables and disables units offline, as in a chroot.
 *
 * With `ownProcesses: true` the commands also get a process namespace of their own (and its /proc): daemons
 * they start (a system bus, polkitd) see only them, and are killed with the namespace when the script ends,
 * however it ends.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const OVERLAID = ['/etc', '/opt', '/usr', '/var'] as const;

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export const canUseThrowawayRoot = (): boolean =>
  process.getuid?.() === 0 &&
  spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', 'mount -t tmpfs t /mnt'], {
    stdio: 'ignore',
  }).status === 0;

export class ThrowawayRoot {
  readonly directory: string;
  readonly #stubs: string;
  readonly #systemctlLog: string;

  constructor(prefix = 'warren-root-') {
    this.directory = mkdtempSync(join(tmpdir(), prefix));
    for (const path of OVERLAID) {
      mkdirSync(join(this.directory, 'upper', path), { recursive: true });
      mkdirSync(join(this.directory, 'work', path), { recursive: true });
    }
    this.#stubs = join(this.directory, 'stubs');
    this.#systemctlLog = join(this.directory, 'systemctl.log');
    mkdirSync(this.#stubs);
    writeFileSync(
      join(this.#stubs, 'systemctl'),
      // `show` answers as systemd does for an enabled, running unit; everything else succeeds silently.
      `#!/bin/sh\necho "$*" >> '${this.#systemctlLog}'\n` +
        `case "$1" in show) printf 'UnitFileState=enabled\\nActiveState=active\\n' ;; esac\nexit 0\n`,
    );
    chmodSync(join(this.#stubs, 'systemctl'), 0o755);
  }

  /** Runs a shell script inside the namespace; `env` is added to the environment. */
  run(
    script: string,
    options: { systemd?: boolean; ownProcesses?: boolean; env?: Record<string, string>; timeoutMs?: number } = {},
  ): RunResult {
    const mounts = OVERLAID.map(
      (path) =>
        `mount -t overlay overlay -o lowerdir=${path},upperdir=${join(this.directory, 'upper', path)},` +
        `workdir=${join(this.directory, 'work', path)} ${path}`,
    );
    const prelude = [
      'set -e',
      ...mounts,
      'mount -t tmpfs tmpfs /run',
      ...(options.systemd ? ['mkdir -p /run/systemd/system'] : []),
      'set +e',
    ].join('\n');
    const path = options.systemd ? `${this.#stubs}:${process.env.PATH}` : process.env.PATH;
    const processes = options.ownProcesses ? ['--pid', '--fork', '--kill-child', '--mount-proc'] : [];
    const result = spawnSync(
      'unshare',
      ['--mount', '--propagation', 'private', ...processes, 'sh', '-c', `${prelude}\n${script}`],
      {
        encoding: 'utf8',
        env: { ...process.env, PATH: path, ...options.env },
        timeout: options.timeoutMs ?? 30_000,
      },
    );
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  /** The recording systemctl's calls so far, one `ARGS` line each; cleared by each read. */
  takeSystemctlCalls(): string[] {
    if (!existsSync(this.#systemctlLog)) return [];
    const calls = readFileSync(this.#systemctlLog, 'utf8').split('\n').filter(Boolean);
    rmSync(this.#systemctlLog);
    return calls;
  }

  remove(): void {
    rmSync(this.directory, { recursive: true, force: true });
  }
}
