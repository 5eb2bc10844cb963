// PreUp/PostUp/PreDown/PostDown as wg-quick runs them: each snippet by bash, with every `%i` replaced by the
// interface name (the name is guarded, so it is safe unquoted, as wg-quick leaves it). Whether hooks run at all
// is the tunnel's decision (TunnelUpOptions.allowScripts), not this runner's.
import { assertInterfaceName } from '../interface-name.js';
import type { HookPhase, HookRunner } from '../types.js';
import { asError } from '../undo-stack.js';
import type { CommandRunner } from './run-command.js';

/** wg-quick waits for a hook forever; a hung hook should fail the tunnel instead of hanging the helper. The
 *  runner kills the hook's whole process group when it runs out. */
export const DEFAULT_HOOK_TIMEOUT_MS = 120_000;
/** A hook's output only ever reaches an error message (cut to 2000 characters): no need for the runner's MiB. */
export const HOOK_OUTPUT_LIMIT_BYTES = 64 * 1024;

export function expandHook(command: string, link: string): string {
  return command.replaceAll('%i', link);
}

export class BashHookRunner implements HookRunner {
  readonly #runner: CommandRunner;
  readonly #timeoutMs: number;

  constructor(runner: CommandRunner, timeoutMs = DEFAULT_HOOK_TIMEOUT_MS) {
    this.#runner = runner;
    this.#timeoutMs = timeoutMs;
  }

  async run(phase: HookPhase, command: string, link: string): Promise<void> {
    assertInterfaceName(link);
    try {
      await this.#runner.run(['bash', '-c', expandHook(command, link)], {
        timeoutMs: this.#timeoutMs,
        outputLimitBytes: HOOK_OUTPUT_LIMIT_BYTES,
      });
    } catch (error) {
      throw new Error(`${phase} hook ${asError(error).message}`, { cause: error });
    }
  }
}
