// While any tunnel runs, one timer for the helper: each tick lets kill switches follow roaming peers and sends
// subscribers the status of every running tunnel. No timer while nothing runs, so an idle helper sleeps.
export class StatusTicker {
  private timer: NodeJS.Timeout | null = null;
  private readonly everyMs: number;
  private readonly tick: () => void;

  constructor(everyMs: number, tick: () => void) {
    this.everyMs = everyMs;
    this.tick = tick;
  }

  /** Ticks while `running`. */
  follow(running: boolean): void {
    if (running && this.timer === null) {
      this.timer = setInterval(this.tick, this.everyMs);
      this.timer.unref();
    } else if (!running) {
      this.close();
    }
  }

  close(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }
}
