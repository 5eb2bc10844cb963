/*
 * Work on a tunnel waits for the work already queued on that tunnel, never for another tunnel's: a hook that
 * sleeps or a name lookup that hangs (both bounded elsewhere) holds up only its own tunnel. A request that names
 * several tunnels (rename, an import of many files) queues on all of them at once, in one synchronous step, so
 * the order is simply arrival order and two requests can never wait for each other.
 */
export class TunnelLocks {
  /** Per name, the end of the last piece of work queued on it. */
  private readonly tails = new Map<string, Promise<void>>();

  /** Runs `work` once every earlier piece of work on any of `names` has finished. */
  async run<T>(names: readonly string[], work: () => Promise<T>): Promise<T> {
    const unique = [...new Set(names)];
    const before = unique.map((name) => this.tails.get(name));
    let release!: () => void;
    const done = new Promise<void>((resolve) => (release = resolve));
    for (const name of unique) this.tails.set(name, done);
    try {
      await Promise.all(before);
      return await work();
    } finally {
      release();
      for (const name of unique) if (this.tails.get(name) === done) this.tails.delete(name);
    }
  }

  /** Resolves once all work queued so far has finished. */
  async idle(): Promise<void> {
    while (this.tails.size > 0) await Promise.all(this.tails.values());
  }
}
