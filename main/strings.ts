/*
 * Every word main shows a person (the tray, notifications, dialogs, the answers of exports), in one catalog so a
 * translation is one more object of the same type and no module changes. English only for now: stringsFor()
 * picks by the system's locale once there is more than one. Errors that come from the helper are its own words
 * and pass through as they are.
 */

export const en = {
  tray: {
    openWindow: 'Open Warren',
    preferences: 'Preferences…',
    exportAll: 'Export all tunnels…',
    quit: 'Quit',
    tryAgain: 'Try again',
    noTunnels: 'No tunnels',
    noTunnelsImport: 'No tunnels: import one in Warren',
    connectingToHelper: 'Connecting to the Warren helper…',
    phase: {
      off: 'off',
      connecting: 'connecting…',
      on: 'on',
      reconnecting: 'reconnecting…',
      error: 'error',
    },
    tooltipConnecting: 'Warren: connecting to the helper…',
    tooltipNoneOn: 'Warren: no tunnel is on',
    tooltip: (what: string) => `Warren: ${what}`,
  },
  notice: {
    connected: (name: string) => ({ title: `Connected: ${name}`, body: `${name} is on.` }),
    disconnected: (name: string) => ({ title: `Disconnected: ${name}`, body: `${name} is off.` }),
    failed: (name: string, why: string | undefined) => ({
      title: `Failed: ${name}`,
      body: why ?? `${name} stopped working.`,
    }),
    helperGone: (tunnels: readonly string[], why: string) => ({
      title: 'The Warren helper is gone',
      body:
        tunnels.length === 0
          ? why
          : `${why} ${listOf(tunnels)} ${tunnels.length === 1 ? 'does' : 'do'} not work without it.`,
    }),
    show: 'Show',
    exported: (count: number, path: string) => ({
      title: 'Tunnels exported',
      body: `${count === 1 ? '1 tunnel' : `${count} tunnels`} saved to ${path}, private keys included: keep the file safe.`,
    }),
    exportFailed: (why: string) => ({ title: 'Export failed', body: why }),
  },
  dialog: {
    importTitle: 'Import tunnels',
    importFilter: 'WireGuard configurations',
    exportAllTitle: 'Export all tunnels',
    exportOneTitle: 'Export tunnel',
    zipFilter: 'Zip archive',
    confFilter: 'WireGuard configuration',
    windowFailed: 'Warren cannot open its window',
    helperTitle: 'Warren helper',
  },
  export: {
    nothing: (leftOut: number) =>
      leftOut === 0
        ? 'There is no stored tunnel to export.'
        : 'There is no tunnel of yours to export: only their owners or an administrator may export the others.',
  },
};

/** The catalog's shape: a translation must provide every entry, with the same parameters. */
export type MainStrings = typeof en;

/** The catalog for a locale such as 'de-DE' (English until a translation is added). */
export function stringsFor(_locale: string): MainStrings {
  return en;
}

/** The catalog main uses. */
export const strings: MainStrings = en;

/** "a", "a and b", "a, b and c". */
export function listOf(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}
