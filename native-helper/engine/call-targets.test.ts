// A new tunnel gives the send path's calls no new target: the timers draw their jitter from their device's
// method (timers.ts, JitterSource) and the device its randomness from one function per crypto object
// (device.ts), not from closures made per peer or per device. A function optimised on one device's peer stays
// optimised when another device's peer runs it; the control, a call through a closure per object, deoptimises
// ("wrong call target"), which shows the check sees it. Under the helper's runtime flags (testing/v8-natives.ts).
import { describe, expect, it } from 'vitest';
import { fileUrl as url, runWithNatives } from './testing/v8-natives.js';

const SCRIPT = `
import { loadCrypto } from '${url('native-helper/crypto/index.ts')}';
import { generatePrivateKey, publicKeyOf } from '${url('native-helper/crypto/keypair.ts')}';
import { Device } from '${url('native-helper/engine/device.ts')}';
import { NEVER } from '${url('native-helper/engine/timers.ts')}';

const crypto = loadCrypto();
function timersOfNewPeer() {
  const device = new Device({ crypto, wallClock: () => Date.now() });
  device.setPrivateKey(generatePrivateKey());
  return device.addPeer(publicKeyOf(generatePrivateKey())).timers;
}
// dataSent draws a jitter each time; 300 calls also refill the device's jitter pool (128 per draw) twice.
function sendData(timers) {
  timers.enabled = true;
  timers.newHandshake = NEVER;
  timers.dataSent(1000);
}
class Control {
  constructor(draw) { this.draw = draw; this.last = 0; }
  run() { this.last = this.draw(); }
}
function runControl(control) { control.run(); }

function stillOptimised(fn, first, second) {
  %PrepareFunctionForOptimization(fn);
  for (let i = 0; i < 300; i++) fn(first);
  %OptimizeFunctionOnNextCall(fn);
  fn(first);
  const before = (%GetOptimizationStatus(fn) & TURBOFANNED) !== 0;
  for (let i = 0; i < 300; i++) fn(second);
  return [before, (%GetOptimizationStatus(fn) & TURBOFANNED) !== 0];
}

console.log(JSON.stringify({
  control: stillOptimised(runControl, new Control(() => 1), new Control(() => 2)),
  timers: stillOptimised(sendData, timersOfNewPeer(), timersOfNewPeer()),
}));
`;

describe('call targets', () => {
  it('stay the same from one device to the next on the send path', async () => {
    expect(await runWithNatives(SCRIPT)).toEqual({ control: [true, false], timers: [true, true] });
  }, 40_000);
});
