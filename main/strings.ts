/*
 * Every word main shows a person (the tray, notifications, dialogs, the helper's install offer, why the helper
 * cannot be reached, why an import refused a file, the answers of exports and settings), in one catalog so a
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
  /** The AppImage's offer to install the helper service (helper-service-offer.ts). */
  serviceOffer: {
    title: 'Install the Warren helper',
    message: 'Warren needs its helper service to manage tunnels. Install it now?',
    detail: (directory: string, user: string) =>
      'With an administrator password, Warren will:\n' +
      `• copy this app to ${directory} (the AppImage's own location changes each time it runs);\n` +
      '• install the system service warren.service, which runs the helper as root from there, now and at ' +
      'every start of the computer;\n' +
      '• link the warren command at /usr/local/bin/warren;\n' +
      `• create the group "warren" and add you (${user}) to it: its members may use the helper. It applies ` +
      'from your next login.\n\n' +
      '`sudo warren service uninstall` takes it all back (your tunnels stay in /etc/warren unless you add --purge).',
    install: 'Install…',
    notNow: 'Not now',
    installed: 'The Warren helper is installed and running.',
    installedDetail: 'You were added to the group "warren": log out and in again for the app to use the helper.',
    notInstalled: 'The helper was not installed.',
    passwordNotGiven: 'The administrator password was not given.',
    failed: 'The helper could not be installed.',
    exited: (code: number | null) => `The install exited with ${code}.`,
    noPkexec: (command: string) =>
      `pkexec (polkit) is not installed. Install the helper from a terminal instead:\n${command}`,
  },
  /** Why main cannot talk to the helper (connection-state.ts, helper-connection.ts). */
  connection: {
    notRunning: 'The Warren helper is not running.',
    startHint: 'Start it with `sudo systemctl start warren`.',
    cannotTalk: (why: string) => `Cannot talk to the Warren helper: ${why}`,
    notConnectedYet: 'not connected to the Warren helper yet',
    protocolMismatch: (helper: number, app: number) =>
      `the helper speaks control protocol ${helper}, this app ${app}: update both to the same Warren version`,
  },
  /**
   * Why a file was not imported (import-export.ts, zip-codec.ts): each follows the file's name and a colon, as the
   * helper's own findings do.
   */
  import: {
    unreadable: (why: string) => `cannot be read: ${why}`,
    notImportable: 'not a WireGuard configuration (.conf) or an archive of them (.zip)',
    notUtf8: 'not UTF-8 text',
    noConf: 'has no .conf file inside',
    tooLargeArchive: (maxBytes: number) =>
      `larger than ${maxBytes} bytes, too large for an archive of WireGuard configurations`,
    tooLargeConf: (maxBytes: number) => `larger than ${maxBytes} bytes, not a WireGuard configuration`,
    tooManyConfigs: (count: number, max: number) =>
      `has ${count} configurations, more than the ${max} one import takes; split it`,
    tooManyBytes: (bytes: number, max: number) =>
      `its configurations come to ${bytes} bytes, more than the ${max} one import takes; split it`,
    overConfigs: (max: number) =>
      `not imported: with the files before it, this import would take more than ${max} configurations; import it on its own`,
    overBytes: (max: number) =>
      `not imported: with the files before it, this import would take more than ${max} bytes of configurations; import it on its own`,
    /** Why an archive cannot be read. */
    archive: {
      notZip: 'not a zip archive (it has no central directory)',
      directoryDamaged: 'its central directory is damaged',
      zip64EndDamaged: 'its zip64 end record is damaged',
      zip64ExtraDamaged: 'a zip64 extra field is damaged',
      zip64SizesMissing: 'an entry lacks its zip64 sizes',
      truncated: 'it is truncated or damaged (a record points past its end)',
      encrypted: (entry: string) => `${entry} is encrypted; Warren reads only unencrypted archives`,
      method: (entry: string, method: number) =>
        `${entry} is compressed with method ${method}; Warren reads stored and deflated entries only`,
      localHeaderDamaged: (entry: string) => `${entry}: its local header is damaged`,
      storedSizesDiffer: (entry: string) => `${entry}: a stored entry whose two sizes differ`,
      inflatesMore: (entry: string, size: number) => `${entry} inflates to more than the ${size} bytes it declares`,
      inflatesOther: (entry: string, inflated: number, size: number) =>
        `${entry} inflates to ${inflated} bytes, not the ${size} it declares`,
      cannotInflate: (entry: string, why: string) => `${entry} cannot be inflated: ${why}`,
    },
  },
  /** Why a tunnel's scripts stay off after asking an administrator (allow-scripts.ts). */
  allowScripts: {
    /** What to do instead, ending each message below but the cancelled one. */
    instead: (command: string) => `run \`${command}\` in a terminal instead`,
    noWarrenCommand: (paths: readonly string[], instead: string) =>
      `Scripts stay off: Warren asks for an administrator through the installed warren command, and there is none at ${paths.join(' or ')}; ${instead}.`,
    noPkexec: (instead: string) =>
      `Scripts stay off: pkexec (polkit) is not installed, so Warren cannot ask for an administrator’s password; ${instead}.`,
    cancelled: 'Scripts stay off: administrator authentication was cancelled or failed.',
    notAuthorized: (why: string, instead: string) =>
      `Scripts stay off: polkit did not let Warren ask for an administrator${why ? ` (${why})` : ''}; ${instead}.`,
    commandFailed: (command: string, code: number | null) =>
      `Scripts stay off: \`${command}\` ${code === null ? 'was stopped' : `exited with ${code}`}.`,
  },
  /** Main's own answers about stored tunnels (tunnel-editing.ts) and their state (power-sync.ts). */
  tunnels: {
    noSuchStored: (name: string) => `there is no stored tunnel named ${name}`,
    noImportResult: (name: string) => `the helper gave no result for importing ${name}`,
    noHandshakeAfterWake: (seconds: number) => `no handshake within ${seconds} s after waking up`,
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
