// `warren network [--json]` and `warren sign-in [--seconds N] | --close`: the network the machine is on as the
// helper follows it (NetworkManager), and the hole in the kill switch for a captive portal's sign-in page
// (daemon/portal-hole.ts). The helper decides who may open it and whether it can; its refusals are said here in
// this command's words (text.signIn.errors), and any other in the helper's own.
import { ControlCallError } from '../../../shared/ipc/control-client.js';
import {
  DEFAULT_PORTAL_HOLE_SECONDS,
  MAX_PORTAL_HOLE_SECONDS,
  type NetworkStatus,
} from '../../../shared/ipc/control.js';
import { type Command, UsageError } from '../command.js';
import { jsonFlag, networkJson, printJson } from '../json-output.js';
import { text } from '../messages/index.js';
import { complain, notRunning, withHelper } from '../with-helper.js';

const MIN_PORTAL_HOLE_SECONDS = 30;

/** The network status in words, a line each. */
export function formatNetwork(status: NetworkStatus, nowMs: number): string {
  const t = text.network;
  if (!status.networkManager) return `${t.noNetworkManager(status.unavailable ?? '')}\n`;
  const primary = status.primary;
  const lines = [
    primary === null
      ? t.notConnected
      : primary.kind === 'wifi'
        ? t.wifi(primary.ssid, primary.device)
        : primary.kind === 'ethernet'
          ? t.ethernet(primary.name, primary.device)
          : t.other(primary.name, primary.device),
    t.connectivity[status.connectivity],
  ];
  const hole = status.portalHole;
  if (hole) lines.push(t.hole(hole.device, hole.openedBy, secondsLeft(hole.until, nowMs)));
  else if (status.portal) lines.push(t.portal);
  return lines.join('\n') + '\n';
}

function secondsLeft(untilMs: number, nowMs: number): number {
  return Math.max(0, Math.ceil((untilMs - nowMs) / 1000));
}

export const network: Command = {
  name: 'network',
  summary: text.network.summary,
  help: text.network.help,
  syntax: { options: [{ name: '--json' }] },
  async run(args, io) {
    const json = jsonFlag(args);
    return withHelper(
      io,
      () => notRunning(io),
      async (client) => {
        const status = await client.call('network', {});
        io.stdout(json ? printJson(networkJson(status)) : formatNetwork(status, Date.now()));
      },
    );
  },
};

/** What `warren sign-in` was asked: close the hole, or open it (for `seconds`, the helper's default when absent). */
export function parseSignIn(args: readonly string[]): { close: true } | { close: false; seconds?: number } {
  if (args.includes('--close')) {
    if (args.length > 1) throw new UsageError(text.signIn.closeAlone);
    return { close: true };
  }
  if (args.length === 0) return { close: false };
  if (args[0] !== '--seconds') throw new UsageError(text.general.unknownOption(args[0]!));
  if (args.length > 2) throw new UsageError(text.general.unexpectedArgument(args[2]!));
  const value = args[1];
  const seconds = value !== undefined && /^\d{1,4}$/.test(value) ? Number(value) : NaN;
  if (!(seconds >= MIN_PORTAL_HOLE_SECONDS && seconds <= MAX_PORTAL_HOLE_SECONDS))
    throw new UsageError(text.signIn.seconds(MAX_PORTAL_HOLE_SECONDS));
  return { close: false, seconds };
}

export const signIn: Command = {
  name: 'sign-in',
  summary: text.signIn.summary,
  help: text.signIn.help(DEFAULT_PORTAL_HOLE_SECONDS, MAX_PORTAL_HOLE_SECONDS),
  syntax: { options: [{ name: '--seconds', value: 'number' }, { name: '--close' }] },
  async run(args, io) {
    const asked = parseSignIn(args);
    return withHelper(
      io,
      () => notRunning(io),
      async (client) => {
        if (asked.close) {
          const open = (await client.call('network', {})).portalHole !== null;
          if (open) await client.call('closePortalHole', {});
          io.stdout(`${open ? text.signIn.closed : text.signIn.notOpen}\n`);
          return;
        }
        let status: NetworkStatus;
        try {
          status = await client.call('openPortalHole', asked.seconds === undefined ? {} : { seconds: asked.seconds });
        } catch (error) {
          const words = error instanceof ControlCallError ? signInError(error.code) : undefined;
          if (words === undefined) throw error;
          return complain(io, words);
        }
        const hole = status.portalHole;
        if (hole) io.stdout(`${text.signIn.opened(hole.device, secondsLeft(hole.until, Date.now()))}\n`);
      },
    );
  },
};

function signInError(code: string): string | undefined {
  const errors: Record<string, string> = text.signIn.errors;
  return Object.hasOwn(errors, code) ? errors[code] : undefined;
}
