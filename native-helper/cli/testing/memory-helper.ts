/*
 * The whole helper in memory for the CLI's tests, as daemon/helper-service.test.ts composes it: a MemoryHost for
 * its tunnels, its store, runtime directory and control socket in a temporary folder, and scripted accounts
 * (root, and alice and bob in the control group). WARREN_CONTROL_SOCKET points the command at it, so commands run
 * in-process (runCli) against the real handlers and access policy, without root; `as(uid)` says who the next
 * connection is.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { ControlClient } from '../../../shared/ipc/control-client.js';
import type { Accounts } from '../../daemon/authorization.js';
import { type HelperService, startHelperService } from '../../daemon/helper-service.js';
import { MemoryHost } from '../../daemon/testing/memory-host.js';
import { temporaryDirectory, testCrypto } from '../../daemon/testing/memory-tunnels.js';
import { TunnelStore } from '../../store/index.js';

export const ROOT = 0;
export const ALICE = 61001;
export const BOB = 61002;
const NAMES: Record<number, string> = { [ROOT]: 'root', [ALICE]: 'alice', [BOB]: 'bob' };

export class MemoryHelper {
  readonly directory: string;
  readonly host: MemoryHost;
  private readonly service: HelperService;
  private readonly previousSocket: string | undefined;
  private readonly identity: { uid: number };

  private constructor(directory: string, host: MemoryHost, service: HelperService, identity: { uid: number }) {
    this.directory = directory;
    this.host = host;
    this.service = service;
    this.identity = identity;
    this.previousSocket = process.env.WARREN_CONTROL_SOCKET;
    process.env.WARREN_CONTROL_SOCKET = this.socketPath;
  }

  static async start(version = '0.0.0-test'): Promise<MemoryHelper> {
    const directory = temporaryDirectory('warren-cli-helper-');
    const host = new MemoryHost();
    const identity = { uid: ROOT };
    const accounts: Accounts = {
      peerCredentials: () => ({ pid: process.pid, uid: identity.uid, gid: identity.uid }),
      userName: (uid) => NAMES[uid] ?? null,
      groupId: () => process.getegid!(),
      groupMembership: (_uid, gid) => [gid, process.getegid!()],
    };
    const service = await startHelperService({
      socketPath: join(directory, 'run', 'control.sock'),
      platform: host.platform,
      io: host.io,
      crypto: testCrypto(),
      version,
      store: await TunnelStore.open(join(directory, 'store')),
      runtimeDirectory: join(directory, 'run'),
      namespaceId: 'test',
      uapiDirectory: join(directory, 'uapi'),
      controlGroup: 'warren-test',
      accounts,
      log: { output: () => {} },
    });
    await service.ready;
    return new MemoryHelper(directory, host, service, identity);
  }

  get socketPath(): string {
    return join(this.directory, 'run', 'control.sock');
  }

  /** The user the helper sees on the connections made from now on. */
  as(uid: number): this {
    this.identity.uid = uid;
    return this;
  }

  /** One request as `uid` (root by default), leaving the CLI's identity as it was. */
  async call<T>(request: (client: ControlClient) => Promise<T>, uid = ROOT): Promise<T> {
    const before = this.identity.uid;
    this.identity.uid = uid;
    const client = await ControlClient.connect(this.socketPath);
    try {
      // The helper judges the connection when it reads the first request: made as `uid`.
      await client.call('version', {});
      this.identity.uid = before;
      return await request(client);
    } finally {
      this.identity.uid = before;
      client.close();
    }
  }

  async close(): Promise<void> {
    await this.service.close();
    if (this.previousSocket === undefined) delete process.env.WARREN_CONTROL_SOCKET;
    else process.env.WARREN_CONTROL_SOCKET = this.previousSocket;
    rmSync(this.directory, { recursive: true, force: true });
  }
}
