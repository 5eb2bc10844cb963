// A fixture script run as a child `node` inside a namespace (the TUN and sockets must be opened there), driven
// by JSON lines: commands on its stdin, events on its stdout. The TypeScript runs from source (register-ts.mjs).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const register = fileURLToPath(new URL('./register-ts.mjs', import.meta.url));

export type Message = { event: string } & Record<string, unknown>;

export class Child {
  readonly #process: ChildProcessWithoutNullStreams;
  readonly #messages: Message[] = [];
  readonly #waiters = new Set<() => void>();
  #stderr = '';
  #exit: number | null | undefined;

  constructor(namespace: string, fixture: string, args: unknown) {
    const script = fileURLToPath(new URL(`./fixtures/${fixture}`, import.meta.url));
    this.#process = spawn('ip', [
      'netns',
      'exec',
      namespace,
      process.execPath,
      '--import',
      register,
      script,
      JSON.stringify(args),
    ]);
    createInterface({ input: this.#process.stdout }).on('line', (line) => {
      try {
        this.#messages.push(JSON.parse(line) as Message);
      } catch {
        this.#stderr += `(stdout) ${line}\n`;
      }
      this.#wake();
    });
    this.#process.stderr.on('data', (chunk: Buffer) => {
      this.#stderr += chunk.toString();
    });
    this.#process.on('exit', (code) => {
      this.#exit = code;
      this.#wake();
    });
  }

  /** The first not yet taken message of that event; fails on timeout or if the child exits first. */
  async next(event: string, timeoutMs = 8000): Promise<Message> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.#messages.findIndex((message) => message.event === event);
      if (index >= 0) return this.#messages.splice(index, 1)[0]!;
      const failed = this.#messages.find((message) => message.event === 'error');
      if (failed !== undefined) throw new Error(`fixture failed: ${JSON.stringify(failed)}\n${this.#stderr}`);
      if (this.#exit !== undefined)
        throw new Error(`fixture exited (${this.#exit}) before '${event}'\n${this.#stderr}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no '${event}' from the fixture within ${timeoutMs} ms\n${this.#stderr}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, left);
        this.#waiters.add(done);
        function done(): void {
          clearTimeout(timer);
          resolve();
        }
      });
    }
  }

  send(command: Record<string, unknown>): void {
    this.#process.stdin.write(`${JSON.stringify(command)}\n`);
  }

  /** Waits for the child to end by itself (after a command that ends it), killing it past the timeout. */
  async exited(timeoutMs = 5000): Promise<number | null> {
    const deadline = Date.now() + timeoutMs;
    while (this.#exit === undefined && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    if (this.#exit === undefined) this.kill();
    return this.#exit ?? null;
  }

  get stderr(): string {
    return this.#stderr;
  }

  kill(): void {
    if (this.#exit === undefined) this.#process.kill('SIGKILL');
  }

  #wake(): void {
    for (const waiter of [...this.#waiters]) waiter();
    this.#waiters.clear();
  }
}
