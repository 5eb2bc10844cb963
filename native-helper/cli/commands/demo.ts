// `warren demo`: see a working tunnel on this machine, with no server of your own (native-helper/cli/demo).
import { runDemo } from '../demo/demo.js';
import { type Command, EXIT_FAILURE, EXIT_OK, UsageError } from '../command.js';
import { requireRoot } from '../root.js';

export const demo: Command = {
  name: 'demo',
  summary: 'See a working tunnel in two throwaway namespaces (needs root)',
  help:
    'Usage: warren demo [--seconds N] [--peer wireguard-go|warren]\n\n' +
    "Builds two throwaway network namespaces joined by a virtual cable, runs a WireGuard peer in one (Debian's\n" +
    'wireguard-go when installed, else a second Warren) and Warren in the other, and shows the handshake, pings,\n' +
    'a few seconds of throughput, `warren show`, and a suspend and resume. Ctrl-C or a failure takes it all down.\n' +
    'Nothing outside the two namespaces is touched.\n',
  async run(args, io) {
    let seconds = 3;
    let peer: 'wireguard-go' | 'warren' | undefined;
    for (let i = 0; i < args.length; i++) {
      if (args[i] === '--seconds' && /^\d{1,2}$/.test(args[i + 1] ?? '') && Number(args[i + 1]) > 0)
        seconds = Number(args[++i]);
      else if (args[i] === '--peer' && (args[i + 1] === 'wireguard-go' || args[i + 1] === 'warren'))
        peer = args[++i] as typeof peer;
      else throw new UsageError(`unexpected argument \`${args[i]}\``);
    }
    if (!requireRoot(io, 'warren demo')) return EXIT_FAILURE;
    const interactive = process.stdout.isTTY === true;
    let progressShown = '';
    const out = {
      line(text: string) {
        if (progressShown) io.stdout(interactive ? '\n' : `${progressShown}\n`);
        progressShown = '';
        io.stdout(`${text}\n`);
      },
      progress(text: string) {
        progressShown = text;
        if (interactive) io.stdout(`\r\x1b[K${text}`);
      },
    };
    const controller = new AbortController();
    const interrupt = () => controller.abort();
    process.once('SIGINT', interrupt);
    process.once('SIGTERM', interrupt);
    try {
      await runDemo(out, { seconds, peer, signal: controller.signal });
      out.line('Done: everything the demo made is gone again.');
      return EXIT_OK;
    } catch (error) {
      out.line(`warren demo: ${(error as Error).message}; everything it made has been taken down.`);
      return EXIT_FAILURE;
    } finally {
      process.off('SIGINT', interrupt);
      process.off('SIGTERM', interrupt);
    }
  },
};
