// The packet path's objects keep one map whatever numbers their fields come to hold (double-fields.ts): a peer's
// byte counts past 2 GiB, its handshake's wall-clock time, a keypair's indices at or above 2^31, the counters a
// replay window records. Checked with V8's own %HaveSameMap in a child run (testing/v8-natives.ts), against
// objects never given such values. A field that starts as a small integer changes map at its first large value;
// the control below shows the check sees it.
import { describe, expect, it } from 'vitest';
import { fileUrl as url, runWithNatives } from './testing/v8-natives.js';

const SCRIPT = `
import { Keypair } from '${url('native-helper/engine/keypair.ts')}';
import { ReplayWindow } from '${url('native-helper/engine/replay.ts')}';
import { createTwoDevices } from '${url('native-helper/engine/testing/two-devices.ts')}';
import { ipv4Packet } from '${url('native-helper/engine/testing/packets.ts')}';

const control = { n: 0 };
const controlAfter = { n: 0 };
controlAfter.n = 2 ** 32 - 1;

const keypair = new Keypair();
const used = new Keypair();
used.localIndex = 2 ** 32 - 1;
used.remoteIndex = 2 ** 31;
used.createdAt = 123456.25;

const { net, a, b, peerOfA, peerOfB } = createTwoDevices();
const freshWindow = new ReplayWindow();
// Counter 0 is the first; the second moves the window's highest counter.
for (let i = 0; i < 2; i++) a.send(ipv4Packet({ src: a.tunnel4, dst: b.tunnel4 }));
net.deliverAll();
const receiving = peerOfB.keypairs.current;
peerOfB.rxBytes = 3 * 2 ** 30;
peerOfB.txBytes = 2 ** 40;
peerOfB.lastHandshakeWallMs = Date.now();
peerOfB.handshake.localIndex = 2 ** 32 - 1;
peerOfB.handshake.remoteIndex = 2 ** 31;

console.log(JSON.stringify({
  control: %HaveSameMap(control, controlAfter),
  keypair: %HaveSameMap(keypair, used),
  peer: %HaveSameMap(peerOfA, peerOfB),
  handshake: %HaveSameMap(peerOfA.handshake, peerOfB.handshake),
  delivered: b.tun.length,
  replay: %HaveSameMap(freshWindow, receiving.replay),
}));
`;

describe('double fields', () => {
  it('keep peers, handshakes, keypairs and replay windows on one map when their numbers outgrow small integers', async () => {
    expect(await runWithNatives(SCRIPT)).toEqual({
      control: false,
      keypair: true,
      peer: true,
      handshake: true,
      delivered: 2,
      replay: true,
    });
  }, 40_000);
});
