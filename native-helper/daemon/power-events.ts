/*
 * Suspend and resume, heard by the helper itself, as the kernel's wg_pm_notification hears them: when logind
 * says the machine is about to sleep every session key is dropped, and when it has woken the tunnels are told
 * to handshake again. This covers a laptop whose app is closed.
 *
 * The flow, as NetworkManager does it:
 *  1. at start, a "delay" inhibitor lock on sleep is taken from logind and held;
 *  2. PrepareForSleep(true): onSuspend runs to its end, then the lock is released, and only then may the machine
 *     sleep (logind waits for that, at most its InhibitDelayMaxSec, 5 s by default);
 *  3. PrepareForSleep(false): onResume runs and, at the same time, a new lock is taken for the next sleep.
 * Events are handled one at a time, in the order they came. Where there is no system bus or no logind (a
 * container, CI, a system without systemd) there are no events: `available` is false and the app's own
 * suspend and resume calls are the only ones. Nothing here throws at the helper; failures are logged.
 */
import { connectLogind, type InhibitorLock, type LogindClient, LogindUnavailable } from '../platform/linux/logind.js';
import { systemBusAddress } from '../platform/linux/system-bus.js';

export interface PowerEventsOptions {
  /** Drops every key; the machine sleeps once this has settled. */
  onSuspend: () => Promise<void> | void;
  /** The machine has woken: tunnels handshake again. */
  onResume: () => Promise<void> | void;
  log: (message: string) => void;
  /** The system bus; $DBUS_SYSTEM_BUS_ADDRESS, else /run/dbus/system_bus_socket. Tests pass a private bus. */
  busAddress?: string;
  /** How long one call on the bus may take before it is given up; 5 s. */
  callTimeoutMs?: number;
}

export interface PowerEvents {
  /** Whether logind's sleep events reach the helper. */
  readonly available: boolean;
  /** Stops listening and releases the lock. */
  close(): Promise<void>;
}

export const INHIBITOR_WHO = 'Warren';
export const INHIBITOR_WHY = 'Drop WireGuard session keys before sleep';

export async function startPowerEvents(options: PowerEventsOptions): Promise<PowerEvents> {
  const { log } = options;
  const address = options.busAddress ?? systemBusAddress();
  let client: LogindClient | null = null;
  let lock: InhibitorLock | null = null;
  let closed = false;
  /** The event being handled; the next one waits for it. */
  let queue: Promise<void> = Promise.resolve();

  const enqueue = (step: () => Promise<void>): Promise<void> => {
    queue = queue.then(step).catch((error: unknown) => log(`power events: ${messageOf(error)}`));
    return queue;
  };

  const release = (why: string): void => {
    if (lock === null) return;
    lock.release();
    lock = null;
    log(`power events: sleep lock released (${why})`);
  };

  const takeLock = async (): Promise<void> => {
    if (closed || lock !== null || client === null || client.owner === null) return;
    try {
      const taken = await client.inhibit('sleep', INHIBITOR_WHO, INHIBITOR_WHY, 'delay');
      if (closed) taken.release();
      else lock = taken;
    } catch (error) {
      if (!closed)
        log(
          `power events: no sleep delay lock (${messageOf(error)}); keys are dropped while the machine goes to sleep`,
        );
    }
  };

  const run = async (what: string, hook: () => Promise<void> | void): Promise<void> => {
    const started = performance.now();
    try {
      await hook();
      log(`power events: ${what} done in ${Math.round(performance.now() - started)} ms`);
    } catch (error) {
      log(`power events: ${what} failed: ${messageOf(error)}`);
    }
  };

  const suspend = async (): Promise<void> => {
    if (closed) return;
    log('power events: the machine is about to sleep; dropping every key');
    await run('suspend', options.onSuspend);
    release('the machine may sleep now');
  };

  const resume = async (): Promise<void> => {
    if (closed) return;
    log('power events: the machine has woken');
    await Promise.all([takeLock(), run('resume', options.onResume)]);
  };

  try {
    client = await connectLogind({
      address,
      callTimeoutMs: options.callTimeoutMs,
      events: {
        prepareForSleep: (start) => void enqueue(start ? suspend : resume),
        ownerChanged: (owner) =>
          void enqueue(async () => {
            // A lock from logind's previous life means nothing to the new one.
            release(owner === null ? 'logind left the bus' : 'logind restarted');
            if (owner !== null) await takeLock();
          }),
        disconnected: (reason) => {
          log(`power events: lost the system bus (${reason}); suspend and resume now come from the app only`);
          // Holding the lock without hearing PrepareForSleep would only hold every sleep up.
          void enqueue(async () => release('no system bus'));
        },
      },
    });
  } catch (error) {
    const reason = error instanceof LogindUnavailable ? error.message : `cannot follow logind: ${messageOf(error)}`;
    log(`power events: ${reason}; suspend and resume come from the app only`);
    return { available: false, close: async () => {} };
  }

  await enqueue(takeLock);
  log(`power events: following logind's sleep on ${address}${lock === null ? ' (without a delay lock)' : ''}`);

  return {
    available: true,
    async close() {
      if (closed) return;
      closed = true;
      client?.close();
      release('the helper is stopping');
    },
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
