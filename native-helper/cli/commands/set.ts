// `warren set NAME [--OPTION on|off]...`: a stored tunnel's settings, as the app's settings pane changes them.
// What the caller may change is the helper's decision (access-policy.ts): its owner or an administrator, and
// scripts only an administrator. The app asks for an administrator with `pkexec warren set NAME --allow-scripts
// on` (the polkit action in packaging/linux).
import type { TunnelOptions } from '../../../shared/ipc/control.js';
import { tunnelName } from '../../../shared/ipc/control.js';
import { type Command, UsageError } from '../command.js';
import { text } from '../messages/index.js';
import { notRunning, withHelper } from '../with-helper.js';

/** The options that are switches, on or off. */
export type SwitchOption = {
  [K in keyof TunnelOptions]-?: TunnelOptions[K] extends boolean ? K : never;
}[keyof TunnelOptions];

/** Each flag and the option it sets, in the order the help lists them. */
export const SETTING_FLAGS: readonly (readonly [flag: string, option: SwitchOption])[] = [
  ['--autostart', 'autostart'],
  ['--block-untunneled', 'blockUntunneled'],
  ['--allow-bridges', 'allowBridges'],
  ['--exclude-private-ips', 'excludePrivateIps'],
  ['--allow-scripts', 'allowScripts'],
];

/** The options `args` (after NAME) set; throws UsageError for anything else. */
export function parseSettings(args: readonly string[]): Partial<Pick<TunnelOptions, SwitchOption>> {
  const options: Partial<Pick<TunnelOptions, SwitchOption>> = {};
  for (let i = 0; i < args.length; i += 2) {
    const row = SETTING_FLAGS.find(([flag]) => flag === args[i]);
    if (!row) throw new UsageError(text.general.unknownOption(args[i]!));
    const value = args[i + 1];
    if (value !== 'on' && value !== 'off') throw new UsageError(text.set.onOff(row[0]));
    if (options[row[1]] !== undefined) throw new UsageError(text.set.twice(row[0]));
    options[row[1]] = value === 'on';
  }
  if (Object.keys(options).length === 0) throw new UsageError(text.set.needsOption);
  return options;
}

export const set: Command = {
  name: 'set',
  summary: text.set.summary,
  help: text.set.help(
    SETTING_FLAGS.map(([flag, option]) => `  ${`${flag} on|off`.padEnd(28)}${text.set.flags[option]}\n`).join(''),
  ),
  syntax: {
    options: SETTING_FLAGS.map(([flag]) => ({ name: flag, value: ['on', 'off'] })),
    operands: ['tunnel'],
  },
  async run(args, io) {
    const [name, ...rest] = args;
    if (name === undefined || !tunnelName.safeParse(name).success) throw new UsageError(text.set.needsName);
    const options = parseSettings(rest);
    return withHelper(
      io,
      () => notRunning(io),
      async (client) => {
        const result = await client.call('setOptions', { name, options });
        const shown = SETTING_FLAGS.filter(([, option]) => option in options).map(
          ([flag, option]) => `${flag.slice(2)} ${result[option] ? text.set.on : text.set.off}`,
        );
        io.stdout(`${name}: ${shown.join(', ')}\n`);
      },
    );
  },
};
