// A real helper (native-helper/daemon/helper-service.ts) in the test's process, with its store, socket and
// runtime directory in a temporary folder: what main's modules are tested against. Tests call only methods that
// leave the system alone (version, list, import, get, suspend, resume; up/down need a TUN device and routes).
// The test process is root, so its connections are an administrator's; playedAccounts() lets them be a member's
// instead, as the desktop user's app is (who may do what is the helper's own policy, access-policy.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCrypto } from '../../native-helper/crypto/index.js';
import { DEFAULT_CONTROL_GROUP } from '../../shared/ipc/access.js';
import { ControlClient } from '../../shared/ipc/control-client.js';
import { HelperConnection } from '../helper-connection.js';
import { type HelperService, startHelperService } from '../../native-helper/daemon/helper-service.js';
import type { Accounts } from '../../native-helper/daemon/authorization.js';
import { loadAddon } from '../../native-helper/io/addon.js';
import { createPlatform } from '../../native-helper/platform/index.js';
import { TunnelStore } from '../../native-helper/store/index.js';

export interface RealHelper {
  readonly socketPath: string;
  readonly directory: string;
  /** Starts (or starts again, on the same socket and store) the helper. */
  start(): Promise<HelperService>;
  stop(): Promise<void>;
  /** Stops it and removes the folder. */
  dispose(): Promise<void>;
}

/** A valid key (base64 of 32 bytes) for test configs. */
export const TEST_KEY = Buffer.alloc(32, 7).toString('base64');
export const TEST_PEER_KEY = Buffer.alloc(32, 9).toString('base64');

export function testConfig(address = '10.7.0.2/32'): string {
  return `[Interface]\nPrivateKey = ${TEST_KEY}\nAddress = ${address}\n\n[Peer]\nPublicKey = ${TEST_PEER_KEY}\nAllowedIPs = 10.7.0.0/24\nEndpoint = 192.0.2.1:51820\n`;
}

export interface RealHelperOptions {
  /** The helper's account look-ups (default: the system's, where this process is root). */
  accounts?: Accounts;
}

/** The member the tests play: no such account need exist, the played accounts answer for it. */
export const ALICE = { uid: 61001, name: 'alice' } as const;
const PLAYED_GROUP = 61000;

export interface PlayedAccounts {
  /** For RealHelperOptions. */
  readonly accounts: Accounts;
  /**
   * Who this process's next connections are (the helper judges a connection when it is made): a member of the
   * group, or null for what it really is (root). Other processes (a `warren` command the test runs) are always
   * what they really are.
   */
  playing: { uid: number; name: string } | null;
}

/** The system's account look-ups, except that this process's connections are the member it plays. */
export function playedAccounts(): PlayedAccounts {
  const system = loadAddon();
  const names = new Map<number, string>([[ALICE.uid, ALICE.name]]);
  const played: PlayedAccounts = {
    playing: null,
    accounts: {
      peerCredentials: (fd) => {
        const peer = system.peerCredentials(fd);
        const member = played.playing;
        return member && peer.pid === process.pid ? { ...peer, uid: member.uid, gid: member.uid } : peer;
      },
      userName: (uid) => names.get(uid) ?? system.userName(uid),
      groupId: (name) => (name === DEFAULT_CONTROL_GROUP ? PLAYED_GROUP : system.groupId(name)),
      groupMembership: (uid, gid) => (names.has(uid) ? [gid, PLAYED_GROUP] : system.groupMembership(uid, gid)),
    },
  };
  return played;
}

export function realHelper(options: RealHelperOptions = {}): RealHelper {
  const directory = mkdtempSync(join(tmpdir(), 'warren-main-'));
  const socketPath = join(directory, 'control.sock');
  let running: HelperService | null = null;
  return {
    socketPath,
    directory,
    async start() {
      running = await startHelperService({
        socketPath,
        platform: createPlatform(),
        crypto: loadCrypto(),
        version: '0.0.0-test',
        store: await TunnelStore.open(join(directory, 'state')),
        runtimeDirectory: join(directory, 'run'),
        namespaceId: 'test',
        powerEvents: false,
        log: { output: () => {} },
        ...(options.accounts ? { accounts: options.accounts } : {}),
      });
      await running.ready;
      return running;
    },
    async stop() {
      await running?.close();
      running = null;
    },
    async dispose() {
      await this.stop();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** Main's connection to `helper`, once it is connected (stop it after the test). */
export async function connectedTo(helper: RealHelper): Promise<HelperConnection> {
  const path = helper.socketPath;
  const connection = new HelperConnection({ connect: () => ControlClient.connect(path), initialRetryMs: 20 });
  const connected = new Promise<void>((resolve) => connection.onConnected(() => resolve()));
  connection.start();
  await connected;
  return connection;
}
