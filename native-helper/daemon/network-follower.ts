// While any tunnel runs, one watch on the network (addresses, routes, links other than the tunnels' own): after
// each change the tunnels look endpoint hostnames up again and handshake again. A change that arrives while the
// last one is being handled is handled once after it, however many arrived.
import type { NetworkWatch, Platform } from '../platform/types.js';
import type { HelperLog } from './helper-log.js';
import type { RunningTunnels } from './running-tunnels.js';

export class NetworkFollower {
  private watch: NetworkWatch | null = null;
  private handling: Promise<void> | null = null;
  private again = false;
  private closed = false;
  private readonly platform: Platform;
  private readonly tunnels: RunningTunnels;
  private readonly log: HelperLog;

  constructor(platform: Platform, tunnels: RunningTunnels, log: HelperLog) {
    this.platform = platform;
    this.tunnels = tunnels;
    this.log = log;
  }

  /** Watches while `running`. */
  follow(running: boolean): void {
    if (running && this.watch === null && !this.closed) {
      this.watch = this.platform.watchNetwork(() => this.changed(), {
        ignore: (link) => this.tunnels.get(link) !== undefined,
        onError: (error) => this.log.write('warn', `no longer watching the network for changes: ${error.message}`),
      });
    } else if (!running && this.watch !== null) {
      void this.watch.close();
      this.watch = null;
    }
  }

  /** Stops watching, for good. */
  async close(): Promise<void> {
    this.closed = true;
    const watch = this.watch;
    this.watch = null;
    await watch?.close();
  }

  private changed(): void {
    if (this.handling) {
      this.again = true;
      return;
    }
    this.handling = this.tunnels.networkChanged().finally(() => {
      this.handling = null;
      if (this.again) {
        this.again = false;
        this.changed();
      }
    });
  }
}
