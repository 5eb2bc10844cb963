/*
 * The terminal side of `warren edit`: the user's editor and the question whether to edit again. The editor is
 * found as git and crontab find it: $VISUAL, else $EDITOR, else the system's (Debian's sensible-editor, or the
 * `editor` alternative), else vi; it is run through sh, so `code --wait` or `vim -u NONE` work, attached to this
 * terminal. Standard input is read a line at a time for the answers, and not read at all while the editor runs
 * (it must get every key).
 */
import { spawn, spawnSync } from 'node:child_process';
import { constants } from 'node:os';
import { type Interface, createInterface } from 'node:readline';
import { text } from './messages/index.js';

/** What `warren edit` needs of the terminal; tests give one of their own. */
export interface EditorSession {
  /** Opens the file in the editor and waits for it; a message when the editor failed. */
  edit(path: string): Promise<{ ok: true } | { ok: false; message: string }>;
  /** Asks a yes-or-no question, yes by default; no at the end of the input. */
  confirm(question: string): Promise<boolean>;
  close(): void;
}

const FALLBACKS = ['sensible-editor', 'editor', 'vi', 'nano'];

export function editorCommand(env: NodeJS.ProcessEnv): string {
  const chosen = env.VISUAL?.trim() || env.EDITOR?.trim();
  if (chosen) return chosen;
  const onPath = (command: string) =>
    spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
  return FALLBACKS.find(onPath) ?? 'vi';
}

export class TerminalEditorSession implements EditorSession {
  private readonly editor: string;
  private lines: Interface | null = null;
  private readonly queued: string[] = [];
  private ended = false;
  private waiting: ((line: string | null) => void) | null = null;

  constructor(env: NodeJS.ProcessEnv = process.env) {
    this.editor = editorCommand(env);
  }

  edit(path: string): Promise<{ ok: true } | { ok: false; message: string }> {
    this.lines?.pause();
    return new Promise((resolve) => {
      // `sh -c 'EDITOR "$@"' EDITOR PATH`: the editor's own words split as the shell splits them, the path not.
      const child = spawn('sh', ['-c', `${this.editor} "$@"`, this.editor, path], { stdio: 'inherit' });
      child.once('error', () => resolve({ ok: false, message: text.edit.editorMissing(this.editor) }));
      child.once('exit', (code, signal) => {
        if (code === 0) resolve({ ok: true });
        // sh's 127: the command was not found.
        else if (code === 127) resolve({ ok: false, message: text.edit.editorMissing(this.editor) });
        else
          resolve({
            ok: false,
            message: text.edit.editorFailed(this.editor, code ?? 128 + (signal ? constants.signals[signal] : 0)),
          });
      });
    });
  }

  async confirm(question: string): Promise<boolean> {
    process.stderr.write(question);
    const answer = await this.nextLine();
    // A terminal echoed the answer and its newline; piped answers (or none) are not, so the line ends here.
    if (answer === null || process.stdin.isTTY !== true) process.stderr.write('\n');
    return answer !== null && !/^\s*n/i.test(answer);
  }

  close(): void {
    this.lines?.close();
    this.lines = null;
  }

  private nextLine(): Promise<string | null> {
    const queued = this.queued.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.ended) return Promise.resolve(null);
    if (this.lines === null) {
      this.lines = createInterface({ input: process.stdin, terminal: false });
      // A chunk of several lines arrives at once (piped answers): each is kept for the question it answers.
      this.lines.on('line', (line) => this.deliver(line));
      this.lines.on('close', () => {
        this.ended = true;
        this.deliver(null);
      });
    }
    this.lines.resume();
    return new Promise((resolve) => (this.waiting = resolve));
  }

  private deliver(line: string | null): void {
    const waiting = this.waiting;
    if (waiting !== null) {
      this.waiting = null;
      this.lines?.pause();
      waiting(line);
    } else if (line !== null) {
      this.queued.push(line);
    }
  }
}
