// `warren demo`: see a working tunnel on this machine, with no server of your own (native-helper/cli/demo).
import { runDemo } from '../demo/demo.js';
import { type Command, EXIT_FAILURE, EXIT_OK, UsageError } from '../command.js';
import { text } from '../messages/index.js';
import { requireRoot } from '../root.js';

export const demo: Command = {
  name: 'demo',
  summary: text.demo.summary,
  help: text.demo.help,
  syntax: {
    options: [
      { name: '--seconds', value: 'number' },
      { name: '--peer', value: ['wireguard-go', 'warren'] },
    ],
  },
  async run(args, io) {
    let seconds = 3;
    let peer: 'wireguard-go' | 'warren' | undefined;
    for (let i = 0; i < args.length; i++) {
      if (args[i] === '--seconds' && /^\d{1,2}$/.test(args[i + 1] ?? '') && Number(args[i + 1]) > 0)
        seconds = Number(args[++i]);
      else if (args[i] === '--peer' && (args[i + 1] === 'wireguard-go' || args[i + 1] === 'warren'))
        peer = args[++i] as typeof peer;
      else throw new UsageError(text.general.unexpectedArgument(args[i]!));
    }
    if (!requireRoot(io, 'warren demo')) return EXIT_FAILURE;
    const interactive = process.stdout.isTTY === true;
    let progressShown = '';
    const out = {
      line(message: string) {
        if (progressShown) io.stdout(interactive ? '\n' : `${progressShown}\n`);
        progressShown = '';
        io.stdout(`${message}\n`);
      },
      progress(message: string) {
        progressShown = message;
        if (interactive) io.stdout(`\r\x1b[K${message}`);
      },
    };
    const controller = new AbortController();
    const interrupt = () => controller.abort();
    process.once('SIGINT', interrupt);
    process.once('SIGTERM', interrupt);
    try {
      await runDemo(out, { seconds, peer, signal: controller.signal });
      out.line(text.demo.done);
      return EXIT_OK;
    } catch (error) {
      out.line(text.demo.failed((error as Error).message));
      return EXIT_FAILURE;
    } finally {
      process.off('SIGINT', interrupt);
      process.off('SIGTERM', interrupt);
    }
  },
};
