/*
 * Real system users and groups for the suites that test who may do what: created with the shadow tools under
 * names that carry the test process's pid, and deleted in the suite's afterAll whatever happened (a group
 * useradd made of the user's name too). Needs root and the tools (`passwd` installs them).
 */
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

const TOOLS = ['useradd', 'userdel', 'groupadd', 'groupdel', 'usermod', 'gpasswd', 'runuser', 'id', 'getent'];
export const canMakeAccounts =
  process.getuid?.() === 0 && TOOLS.every((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0);

/** Runs an account tool, again while another one holds the account databases' lock. */
export async function accountTool(tool: string, args: string[]): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await run(tool, args);
      return;
    } catch (error) {
      const stderr = String((error as { stderr?: unknown }).stderr ?? '');
      if (attempt >= 20 || !/lock/i.test(stderr))
        throw new Error(`${tool} ${args.join(' ')}: ${stderr || (error as Error).message}`, { cause: error });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** The accounts one suite made, to delete them all at the end. */
export class ThrowawayAccounts {
  private readonly users: string[] = [];
  private readonly groups: string[] = [];

  async group(name: string): Promise<string> {
    await accountTool('groupadd', ['--system', name]);
    this.groups.push(name);
    return name;
  }

  /** A system user without a home or a login shell, in `groups`. */
  async user(name: string, groups: readonly string[] = []): Promise<string> {
    await accountTool('useradd', [
      '--system',
      '--no-create-home',
      '--shell',
      '/usr/sbin/nologin',
      ...(groups.length ? ['-G', groups.join(',')] : []),
      name,
    ]);
    this.users.push(name);
    return name;
  }

  /** Deletes every account made, users first; never throws. */
  removeAll(): void {
    for (const user of this.users.splice(0)) {
      spawnSync('userdel', [user]);
      // useradd made a group of the user's name where USERGROUPS_ENAB says so; userdel may leave it behind.
      if (spawnSync('getent', ['group', user]).status === 0) spawnSync('groupdel', [user]);
    }
    for (const group of this.groups.splice(0)) spawnSync('groupdel', [group]);
  }
}

export async function uidOf(user: string): Promise<number> {
  return Number((await run('id', ['-u', user])).stdout.trim());
}
