// `warren set NAME [--OPTION on|off]...`: a stored tunnel's settings, as the app's settings pane changes them.
// What the caller may change is the helper's decision (access-policy.ts): its owner or an administrator, and
// scripts only an administrator. The app asks for an administrator with `pkexec warren set NAME --allow-scripts
// on` (the polkit action in packaging/linux).
import type { TunnelOptions } from '../../../shared/ipc/control.js';
import { tunnelName } from '../../../shared/ipc/control.js';
import { type Command, UsageError } from '../command.js';
import { notRunning, withHelper } from '../with-helper.js';

/** Each flag and the option it sets, in the order the help lists them. */
export const SETTING_FLAGS: readonly (readonly [flag: string, option: keyof TunnelOptions, what: string])[] = [
  ['--autostart', 'autostart', 'bring it up when the helper starts (at boot)'],
  ['--block-untunneled', 'blockUntunneled', 'while it is up, drop traffic that does not go through the tunnel'],
  ['--allow-bridges', 'allowBridges', 'with --block-untunneled on, let VMs and containers (bridges) through'],
  ['--exclude-private-ips', 'excludePrivateIps', 'a full tunnel leaves private IPv4 networks (the LAN) alone'],
  ['--allow-scripts', 'allowScripts', 'run its PreUp/PostUp/PreDown/PostDown as root (administrators only)'],
];

/** The options `args` (after NAME) set; throws UsageError for anything else. */
export function parseSettings(args: readonly string[]): Partial<TunnelOptions> {
  const options: Partial<TunnelOptions> = {};
  for (let i = 0; i < args.length; i += 2) {
    const row = SETTING_FLAGS.find(([flag]) => flag === args[i]);
    if (!row) throw new UsageError(`unknown option \`${args[i]}\``);
    const value = args[i + 1];
    if (value !== 'on' && value !== 'off') throw new UsageError(`${row[0]} takes on or off`);
    if (options[row[1]] !== undefined) throw new UsageError(`${row[0]} is given twice`);
    options[row[1]] = value === 'on';
  }
  if (Object.keys(options).length === 0) throw new UsageError('set needs at least one --OPTION on|off');
  return options;
}

export const set: Command = {
  name: 'set',
  summary: "Change a stored tunnel's settings (kill switch, autostart, scripts, ...)",
  help:
    'Usage: warren set NAME [--OPTION on|off]...\n\n' +
    "Changes the settings of the stored tunnel NAME; a running tunnel's kill switch follows at once. Its owner\n" +
    'or an administrator may change them; allowing scripts needs an administrator (sudo, or pkexec).\n' +
    SETTING_FLAGS.map(([flag, , what]) => `  ${`${flag} on|off`.padEnd(28)}${what}\n`).join(''),
  async run(args, io) {
    const [name, ...rest] = args;
    if (name === undefined || !tunnelName.safeParse(name).success)
      throw new UsageError('set needs a tunnel NAME first');
    const options = parseSettings(rest);
    return withHelper(
      io,
      () => notRunning(io),
      async (client) => {
        const result = await client.call('setOptions', { name, options });
        const shown = SETTING_FLAGS.filter(([, option]) => option in options).map(
          ([flag, option]) => `${flag.slice(2)} ${result[option] ? 'on' : 'off'}`,
        );
        io.stdout(`${name}: ${shown.join(', ')}\n`);
      },
    );
  },
};
