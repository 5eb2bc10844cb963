// The engine's clock in the helper: milliseconds since boot, counting time asleep (CLOCK_BOOTTIME, from the addon:
// addon/src/clock.c), as the kernel's WireGuard ages keys and paces handshakes by boot time. performance.now()
// (CLOCK_MONOTONIC) stops while the machine sleeps: when the suspend signal is missed (no logind, the app not
// running), a key made 170 s before an eight-hour sleep would still count as 10 s old after it and be sent on,
// and the peer, which counted the night, refuses it until our timers run out. Monotonic all the same: it never
// goes back.
import { loadAddon, type NativeIo } from './addon.js';

// The addon writes here, so reading the clock allocates nothing (a double returned by N-API would be boxed).
const out = new Float64Array(1);
let native: NativeIo | undefined;

export function bootTime(): number {
  native ??= loadAddon();
  native.clockBoottime(out);
  return out[0]!; // a one-element array
}
