// `warren set NAME [--OPTION VALUE]...`: a stored tunnel's settings, as the app's settings pane changes them.
// What the caller may change is the helper's decision (access-policy.ts): its owner or an administrator, and
// scripts only an administrator. The app asks for an administrator with `pkexec warren set NAME --allow-scripts
// on` (the polkit action in packaging/linux). The helper replaces on-demand rules whole, so the rules given are
// merged into the tunnel's current ones here; whether the merged rules make sense is the helper's rule
// (shared/ipc/control.ts onDemandRules), and its refusal is printed in its words.
import {
  type OnDemandRules,
  type TunnelOptions,
  onDemandEnabled,
  onDemandOff,
  ssid,
  tunnelName,
} from '../../../shared/ipc/control.js';
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

const WIFI_MODES = ['never', 'any', 'only', 'except'] as const satisfies readonly OnDemandRules['wifi'][];

/** The on-demand flags, their values as the help and completion show them, and their help line. */
const ON_DEMAND_FLAGS = [
  { flag: '--on-demand-ethernet', shown: 'on|off', value: ['on', 'off'], help: text.set.onDemandFlags.ethernet },
  { flag: '--on-demand-wifi', shown: WIFI_MODES.join('|'), value: WIFI_MODES, help: text.set.onDemandFlags.wifi },
  { flag: '--on-demand-ssids', shown: "'SSID,...'", value: 'text', help: text.set.onDemandFlags.ssids },
  { flag: '--on-demand', shown: 'off', value: ['off'], help: text.set.onDemandFlags.off },
] as const;

/** What `warren set` was asked: switches, and the on-demand rules to change (the others keep theirs). */
export type Settings = Partial<Pick<TunnelOptions, SwitchOption>> & { onDemand?: Partial<OnDemandRules> };

/** The settings `args` (after NAME) give; throws UsageError for anything else. */
export function parseSettings(args: readonly string[]): Settings {
  const settings: Settings = {};
  const seen = new Set<string>();
  for (let i = 0; i < args.length; i += 2) {
    const flag = args[i]!;
    const value = args[i + 1];
    if (seen.has(flag)) throw new UsageError(text.set.twice(flag));
    seen.add(flag);
    const row = SETTING_FLAGS.find(([name]) => name === flag);
    if (row) {
      if (value !== 'on' && value !== 'off') throw new UsageError(text.set.onOff(flag));
      settings[row[1]] = value === 'on';
      continue;
    }
    const onDemand = (settings.onDemand ??= {});
    switch (flag) {
      case '--on-demand-ethernet':
        if (value !== 'on' && value !== 'off') throw new UsageError(text.set.onOff(flag));
        onDemand.ethernet = value === 'on';
        break;
      case '--on-demand-wifi': {
        const mode = WIFI_MODES.find((m) => m === value);
        if (mode === undefined) throw new UsageError(text.set.wifiValues(flag));
        onDemand.wifi = mode;
        break;
      }
      case '--on-demand-ssids':
        if (value === undefined) throw new UsageError(text.general.needsValue(flag));
        onDemand.ssids = parseSsids(value);
        break;
      case '--on-demand':
        if (value !== 'off') throw new UsageError(text.set.onDemandOff);
        break;
      default:
        throw new UsageError(text.general.unknownOption(flag));
    }
  }
  if (seen.has('--on-demand')) {
    for (const other of ['--on-demand-ethernet', '--on-demand-wifi'])
      if (seen.has(other)) throw new UsageError(text.set.onDemandClash(other));
    const { ethernet, wifi } = onDemandOff();
    settings.onDemand = { ...settings.onDemand, ethernet, wifi };
  }
  if (seen.size === 0) throw new UsageError(text.set.needsOption);
  return settings;
}

/** 'Home, Office' as its SSIDs (spaces around commas dropped); '' is none. */
function parseSsids(value: string): string[] {
  const ssids = value.split(',').map((s) => s.trim());
  if (ssids.length === 1 && ssids[0] === '') return [];
  for (const name of ssids) {
    const checked = ssid.safeParse(name);
    if (!checked.success) throw new UsageError(text.set.badSsid(name, checked.error.issues[0]?.message ?? ''));
  }
  return ssids;
}

export const set: Command = {
  name: 'set',
  summary: text.set.summary,
  help: text.set.help(
    [
      ...SETTING_FLAGS.map(([flag, option]) => [`${flag} on|off`, text.set.flags[option]] as const),
      ...ON_DEMAND_FLAGS.map(({ flag, shown, help }) => [`${flag} ${shown}`, help] as const),
    ]
      // A usage too long for the column gets a line of its own.
      .map(([usage, help]) => `  ${usage.length < 27 ? usage.padEnd(28) : `${usage}\n${' '.repeat(30)}`}${help}\n`)
      .join(''),
  ),
  syntax: {
    options: [
      ...SETTING_FLAGS.map(([flag]) => ({ name: flag, value: ['on', 'off'] })),
      ...ON_DEMAND_FLAGS.map(({ flag, value }) => ({ name: flag, value })),
    ],
    operands: ['tunnel'],
  },
  async run(args, io) {
    const [name, ...rest] = args;
    if (name === undefined || !tunnelName.safeParse(name).success) throw new UsageError(text.set.needsName);
    const { onDemand: changes, ...switches } = parseSettings(rest);
    return withHelper(
      io,
      () => notRunning(io),
      async (client) => {
        const options: Partial<TunnelOptions> = { ...switches };
        if (changes !== undefined) {
          // A tunnel not in the list: the helper's setOptions says why (not stored, from a file).
          const current = (await client.call('list', {})).find((t) => t.name === name)?.options.onDemand;
          options.onDemand = { ...(current ?? onDemandOff()), ...changes };
        }
        const result = await client.call('setOptions', { name, options });
        const shown = SETTING_FLAGS.filter(([, option]) => option in switches).map(
          ([flag, option]) => `${flag.slice(2)} ${result[option] ? text.set.on : text.set.off}`,
        );
        const rules = result.onDemand;
        if (changes !== undefined && rules) shown.push(text.set.onDemandShown(rules.ethernet, rules.wifi, rules.ssids));
        io.stdout(`${name}: ${shown.join(', ')}\n`);
        if (changes !== undefined && onDemandEnabled(rules)) {
          const network = await client.call('network', {});
          if (!network.networkManager)
            io.stderr(
              `${text.general.prefix}${text.general.warning(text.set.needsNetworkManager(network.unavailable ?? ''))}\n`,
            );
        }
      },
    );
  },
};
