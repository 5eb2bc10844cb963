// Who may use the control socket, with real accounts: a throwaway system user and group (created here, deleted
// in afterAll whatever happened), clients run as that user by runuser. Needs root; skipped otherwise.
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlClient } from '../../shared/ipc/control-client.js';
import { ThrowawayAccounts, accountTool, canMakeAccounts } from '../../test/support/throwaway-accounts.js';
import { type ControlServer, startControlServer } from './control-server.js';

const run = promisify(execFile);
const usable = canMakeAccounts;
const accounts = new ThrowawayAccounts();
const admin = accountTool;

const user = `warren-t-${process.pid}`;
const group = `warren-tg-${process.pid}`;

/**
 * A control client as a plain script (the user may not be able to read this repository): sends `version`,
 * prints what came back and who closed the connection, or the connect error.
 */
const CLIENT = `
const socket = require('node:net').connect(process.argv[1]);
let data = '';
let endedByUs = false;
socket.setEncoding('utf8');
socket.on('connect', () => socket.write(JSON.stringify({ v: 1, id: 1, method: 'version', params: {} }) + '\\n'));
socket.on('data', (chunk) => {
  data += chunk;
  if (data.includes('"id":1,')) { endedByUs = true; socket.end(); }
});
socket.on('error', (error) => { console.log(JSON.stringify({ error: error.code })); process.exit(0); });
socket.on('close', () => {
  const replies = data.split('\\n').filter(Boolean).map((line) => JSON.parse(line));
  console.log(JSON.stringify({ replies, closedByHelper: !endedByUs }));
});
setTimeout(() => { console.log(JSON.stringify({ timeout: true })); process.exit(0); }, 5000).unref();
`;

type ClientOutcome = {
  error?: string;
  timeout?: true;
  replies?: Array<Record<string, unknown>>;
  closedByHelper?: boolean;
};

/** Runs CLIENT as the test user; extra: runuser options (-g, -G). */
async function clientAsUser(extra: string[] = []): Promise<ClientOutcome> {
  const { stdout } = await run('runuser', ['-u', user, ...extra, '--', process.execPath, '-e', CLIENT, path], {
    cwd: dir,
  });
  return JSON.parse(stdout.trim().split('\n').pop()!) as ClientOutcome;
}

let dir: string;
let path: string;
let server: ControlServer | undefined;
let primaryGroup: string;
const log: string[] = [];

describe.skipIf(!usable)('control socket access, with real users', () => {
  beforeAll(async () => {
    await accounts.group(group);
    await accounts.user(user);
    primaryGroup = (await run('id', ['-gn', user])).stdout.trim();
    dir = mkdtempSync(join(tmpdir(), 'warren-access-'));
    chmodSync(dir, 0o755);
    path = join(dir, 'control.sock');
    server = await startControlServer(
      path,
      { version: async () => ({ version: '9.9.9', protocol: 1 }) },
      (m) => log.push(m),
      {
        groupName: group,
      },
    );
  });

  afterAll(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    accounts.removeAll();
  });

  it('gives the socket file to the group: 0660 root:GROUP', async () => {
    const gid = Number((await run('getent', ['group', group])).stdout.split(':')[2]);
    const stat = statSync(path);
    expect(stat.mode & 0o777).toBe(0o660);
    expect(stat.uid).toBe(0);
    expect(stat.gid).toBe(gid);
  });

  it('a non-member cannot even connect: the socket file refuses (EACCES)', async () => {
    expect(await clientAsUser()).toEqual({ error: 'EACCES' });
  });

  it('a non-member who reaches the socket is refused by its credentials, told how to get access, and cut off', async () => {
    chmodSync(path, 0o666); // as if the file's mode let everyone in: the credentials check still holds
    try {
      const outcome = await clientAsUser();
      expect(outcome.closedByHelper).toBe(true);
      expect(outcome.replies).toEqual([
        {
          v: 1,
          id: 0,
          ok: false,
          error: {
            code: 'forbidden',
            message: `user ${user} is not allowed to control Warren: ask an administrator to run \`sudo usermod -aG ${group} ${user}\`, then log out and in again`,
          },
        },
      ]);
      expect(log.some((line) => line.startsWith('refused a control connection from uid ') && line.includes(user))).toBe(
        true,
      );
    } finally {
      chmodSync(path, 0o660);
    }
  });

  it('after usermod -aG the same user is let in, on a new connection', async () => {
    await admin('usermod', ['-aG', group, user]);
    const outcome = await clientAsUser();
    expect(outcome.closedByHelper).toBe(false);
    expect(outcome.replies).toEqual([{ v: 1, id: 1, ok: true, result: { version: '9.9.9', protocol: 1 } }]);
  });

  it('taken out of the group, a session that still holds the group is refused at once', async () => {
    await admin('usermod', ['-aG', group, user]);
    await admin('gpasswd', ['-d', user, group]);
    // The process carries the group as a supplementary one (as a session from before the removal would), so the
    // socket file lets it connect; the account databases no longer list it, so the helper refuses.
    const outcome = await clientAsUser(['-g', primaryGroup, '-G', group]);
    expect(outcome.closedByHelper).toBe(true);
    expect(outcome.replies?.[0]).toMatchObject({ id: 0, ok: false, error: { code: 'forbidden' } });
  });

  it('root is let in', async () => {
    const client = await ControlClient.connect(path);
    expect(await client.call('version', {})).toEqual({ version: '9.9.9', protocol: 1 });
    client.close();
  });
});
