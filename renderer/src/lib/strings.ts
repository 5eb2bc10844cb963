/*
 * The window's words, in one catalog: a translation is one more object of this shape (the compiler checks it has
 * every entry, with the same parameters), picked in `strings`, and no component changes. English only for now.
 * Words that come from main or the helper (errors, a tunnel's failure) are theirs and shown as they are.
 */

/** "a", "a and b", "a, b and c". */
function listOf(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

/** "1 error", "2 warnings"; '' for none. */
function count(n: number, word: string): string {
  return n === 0 ? '' : `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** A stored tunnel's owner, who may change it, and who may read its config, as parts of a sentence. */
function parties(owner: string | undefined): { owner: string; mayChange: string; mayRead: string } {
  if (owner === undefined)
    return {
      owner: 'another user',
      mayChange: 'its owner or an administrator',
      mayRead: 'its owner and administrators',
    };
  if (owner === 'root') return { owner: 'an administrator', mayChange: 'an administrator', mayRead: 'administrators' };
  return { owner, mayChange: `${owner} or an administrator`, mayRead: `${owner} and administrators` };
}

export const en = {
  toolbar: {
    newTunnel: 'New tunnel',
    import: 'Import…',
    exportAll: 'Export all…',
    exportAllTitle: 'Save every tunnel you may read, keys included, as one .zip',
    logs: 'Logs',
    preferences: 'Preferences',
    quit: 'Quit',
    quitTitle: 'Quit Warren; tunnels stay as they are (the helper runs them)',
  },
  app: {
    /** The window's heading: the product's name. */
    name: 'Warren',
    /** The landmark holding the tunnel list. */
    tunnelsNav: 'Tunnels',
    placeholder: 'Import a tunnel to start: use Import…, drop .conf files on this window, or paste a configuration.',
    discardTitle: 'Discard your changes?',
    discard: 'Discard',
    keepEditing: 'Keep editing',
    discardBody: 'The tunnel in the editor has changes that are not saved.',
    cancel: 'Cancel',
    close: 'Close',
    dismiss: 'Dismiss',
  },
  preferences: {
    heading: 'Preferences',
    startAtLogin: 'Start at login',
    startAtLoginDescription: 'Warren starts in the tray when you log in, without opening its window.',
    notifications: 'Notifications',
    notificationsAll: 'When a tunnel connects, disconnects or fails',
    notificationsFailures: 'Only when a tunnel fails',
    notificationsOff: 'Never',
    closeWindow: 'Closing the window',
    closeTray: 'Keeps Warren running in the tray',
    closeQuit: 'Quits Warren',
    tunnelsStay: 'Tunnels stay as they are either way: the helper runs them.',
    reading: 'Reading the preferences…',
    readFailed: (why: string) => `Could not read the preferences: ${why}`,
    saveFailed: (why: string) => `Could not change the preference: ${why}`,
  },
  exportAll: {
    done: (names: readonly string[], path: string) =>
      `Exported ${listOf(names)} to ${path}. The file holds their private keys: keep it safe.`,
    leftOut: (tunnels: readonly { name: string; owner?: string }[]) =>
      `Left out: ${listOf(tunnels.map((t) => (t.owner ? `${t.name} (${t.owner === 'root' ? 'an administrator' : t.owner}’s)` : t.name)))}; only ${tunnels.length === 1 ? 'its owner' : 'their owners'} or an administrator may export ${tunnels.length === 1 ? 'it' : 'them'}.`,
    failed: (why: string) => `Could not export: ${why}`,
    label: 'Export',
  },
  qr: {
    button: 'Show QR code…',
    confirmTitle: (name: string) => `Show ${name} as a QR code?`,
    confirm: 'Show QR code',
    confirmBody:
      'The QR code holds this tunnel’s private key. Anyone who sees or photographs it can use the tunnel as you.',
    confirmHint: 'Show it only where no one can look at your screen.',
    title: (name: string) => `${name} for your phone`,
    reading: 'Making the QR code…',
    how: 'In the WireGuard app on your phone, tap +, then Scan from QR code, and point the camera at this code.',
    image: (name: string) => `QR code of the tunnel ${name}, with its private key`,
    tooLarge: (bytes: number, maxBytes: number) =>
      `This configuration is too large for a QR code (${bytes} bytes; one holds at most ${maxBytes}). Export it and copy the file to your phone instead.`,
    failed: (why: string) => `Could not make the QR code: ${why}`,
  },
  connection: {
    unreachable: (why: string) => `The window cannot reach Warren: ${why}`,
    tryAgain: 'Try again',
    connected: (version: string) => `Helper ${version}`,
    connecting: 'Connecting…',
    helperMissing: 'Helper not running',
    notAllowed: 'Not allowed',
    notAllowedTitle: 'Warren’s helper does not accept this user.',
    unreachableLabel: 'Helper unreachable',
    /** Takes the place of a `command` in main's message, since the banner shows the command on its own line. */
    commandBelow: 'the command below',
  },
  import: {
    dropHint: 'Drop .conf or .zip files to import them',
    results: 'Import results',
    heading: (imported: number, files: number) => `Imported ${imported} of ${files} file${files === 1 ? '' : 's'}`,
    line: (line: number) => `Line ${line}`,
    error: 'Error',
    warning: 'Warning',
    notAConf: 'not a WireGuard configuration (.conf) or an archive of them (.zip)',
    archiveTooLarge: (mebibytes: number) => `larger than ${mebibytes} MiB, too large for an archive of configurations`,
    failed: (why: string) => `Import failed: ${why}`,
  },
  editor: {
    newTitle: 'New tunnel',
    editTitle: (name: string) => `Edit ${name}`,
    /** The code view's accessible name; null for a new tunnel not named yet. */
    codeLabel: (name: string | null) => `Configuration of ${name ?? 'the new tunnel'}`,
    name: 'Name',
    namePlaceholder: 'home',
    save: 'Save',
    saving: 'Saving…',
    opening: 'Opening…',
    openFailed: (name: string, why: string) => `Could not open ${name}: ${why}`,
    viewFailed: (why: string) => `The editor could not be loaded: ${why}`,
    keyReplaced: 'New public key: the peer must get it',
    keyWritten: 'Public key, to give to the peer',
    keyStored: 'Public key (the private key stays hidden)',
    keyMadeOnSave: 'No PrivateKey: one is made when you save',
    keyNone: 'No valid PrivateKey yet',
    copyPublicKey: 'Copy the public key',
    generateKeypair: 'Generate keypair',
    generateHint: 'Generate keypair shows the public key now.',
    noProblems: 'No problems found.',
    problems: (errors: number, warnings: number) =>
      [count(errors, 'error'), count(warnings, 'warning')].filter((s) => s !== '').join(', '),
    findings: 'Findings',
    line: (line: number) => `Line ${line}`,
    file: 'File',
    severity: { error: 'Error:', warning: 'Warning:' },
  },
  settings: {
    heading: 'Settings',
    reading: 'Reading the settings…',
    readFailed: (why: string) => `Could not read the settings: ${why}`,
    saveFailed: (why: string) => `Could not change the setting: ${why}`,
    block: 'Block untunneled traffic',
    blockDescription: 'While on, anything that does not go through the tunnel is dropped (a kill switch).',
    bridges: 'Let VMs and containers through',
    bridgesDescription: 'Bridges (docker0, virbr0, …) keep their own traffic.',
    bridgesDescriptionOff: 'Applies when untunneled traffic is blocked.',
    excludePrivate: 'Exclude private IPs',
    excludePrivateDescription:
      'The local network (printers, the router) stays reachable outside the tunnel. Routes change when it next connects.',
    startWithSystem: 'Start with the system',
    startWithSystemDescription: 'Brought up when the computer starts, before anyone logs in.',
    scripts: 'Allow scripts',
    scriptsDescription:
      'Run the PreUp, PostUp, PreDown and PostDown commands, as root. Allowing them needs an administrator’s password.',
    scriptsWaiting: 'Waiting for an administrator’s password…',
    scriptsConfirmTitle: 'Allow this tunnel’s scripts?',
    scriptsConfirm: 'Allow scripts…',
    /** One sentence with its middle part emphasised. */
    scriptsRunAsRoot: {
      before: 'The commands in PreUp, PostUp, PreDown and PostDown will run ',
      emphasis: 'as root',
      after: ' each time the tunnel goes up or down.',
    },
    scriptsTrust: 'Allow them only if you wrote them or fully trust whoever gave you this configuration.',
    scriptsAdministrator: 'Only an administrator may allow them: an administrator’s password will be asked for next.',
    onDemand: 'Connect on demand',
    onDemandDescription: 'Warren turns the tunnel on and off by itself as the network changes.',
    needsNetworkManager: (why: string | undefined) =>
      `On-demand needs NetworkManager${why ? `: ${why}` : ', which does not answer.'}`,
    ethernet: 'On Ethernet',
    ethernetDescription: 'On on a wired network; off on one otherwise.',
    wifi: 'On Wi-Fi',
    wifiChoices: {
      never: 'Never',
      any: 'On any network',
      only: 'Only on these networks',
      except: 'On all but these networks',
    },
    ssids: 'Networks',
    noSsids: 'No networks listed yet.',
    needsSsid: 'Add a network for this choice to take effect.',
    ssidLabel: 'Wi-Fi network name (SSID)',
    addSsid: 'Add',
    addCurrent: (ssid: string) => `Add ${ssid}`,
    removeSsid: (ssid: string) => `Remove ${ssid}`,
    removeMark: '×',
  },
  signIn: {
    heading: 'Sign in to this network',
    body: 'This network asks you to sign in, and the kill switch blocks its page. Open the way for a few minutes to sign in.',
    open: 'Sign in to this network',
    opening: 'Opening…',
    left: (seconds: number) =>
      `The way to the sign-in page is open for ${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')} more.`,
    openedBy: (user: string) => `Opened by ${user}.`,
    done: 'Done',
    openFailed: (why: string) => `Could not open the way to the sign-in page: ${why}`,
    closeFailed: (why: string) => `Could not close the way to the sign-in page: ${why}`,
  },
  logs: {
    heading: 'Helper log',
    level: 'Level',
    everything: 'Everything',
    levelAndAbove: (level: string) => `${level} and above`,
    tunnel: 'Tunnel',
    allTunnels: 'All',
    refresh: 'Refresh',
    lines: 'Log lines',
    reading: 'Reading…',
    noMatch: 'No lines match.',
    columns: { time: 'Time', level: 'Level', tunnel: 'Tunnel', message: 'Message' },
    readFailed: (why: string) => `Could not read the helper's log: ${why}`,
  },
  tunnels: {
    heading: 'Tunnels',
    empty: 'No tunnels yet.',
    listKeys: 'Up and Down arrows move between tunnels; Enter shows one; Space on a switch turns it on or off.',
    switchLabel: (name: string) => `Tunnel ${name}`,
    phase: {
      off: 'Off',
      connecting: 'Connecting…',
      on: 'On',
      reconnecting: 'Reconnecting…',
      error: 'Failed',
    },
    toggleFailed: (on: boolean, why: string) => `Could not turn ${on ? 'on' : 'off'}: ${why}`,
    ownerNote: (owner: string | undefined) => {
      const p = parties(owner);
      return `Owned by ${p.owner}: only ${p.mayChange} can change it. You can switch it on and off.`;
    },
    configNote: (owner: string | undefined) => {
      const p = parties(owner);
      return `Its configuration belongs to ${p.owner}: its addresses, DNS and MTU show only to ${p.mayRead}.`;
    },
    settingsNote: (owner: string | undefined) => `Only ${parties(owner).mayChange} can change these settings.`,
    actions: 'Tunnel actions',
    edit: 'Edit',
    rename: 'Rename',
    renameLabel: (name: string) => `New name for ${name}`,
    export: 'Export…',
    delete: 'Delete…',
    renamed: (from: string, to: string) => `Renamed ${from} to ${to}.`,
    renameFailed: (why: string) => `Could not rename: ${why}`,
    deleted: (name: string) => `Deleted ${name}.`,
    deleteFailed: (why: string) => `Could not delete: ${why}`,
    exported: (name: string, path: string) =>
      `Exported ${name} to ${path}. The file holds the private key: keep it safe.`,
    exportFailed: (why: string) => `Could not export: ${why}`,
    deleteTitle: (name: string) => `Delete ${name}?`,
    deleteConfirm: 'Delete',
    deleteBody: (on: boolean) =>
      `The tunnel and its keys are removed from this computer${on ? ', and it is switched off first' : ''}. This cannot be undone; export it first to keep a copy.`,
    detailsFailed: (why: string) => `Could not read the tunnel’s details: ${why}`,
    interface: 'Interface',
    publicKey: 'Public key',
    copyPublicKey: 'Copy the public key',
    unknownWhileDown: 'Unknown while down',
    addresses: 'Addresses',
    listenPort: 'Listen port',
    dns: 'DNS',
    mtu: 'MTU',
    notShown: 'Not shown',
    none: 'None',
    randomPort: 'Random',
    systemDns: 'System default',
    automaticMtu: 'Automatic',
    saved: 'Saved',
    savedByHelper: 'Stored by Warren’s helper',
    savedNot: 'Brought up from a file with warren up; not stored',
    peersWhenOn: 'Its peers show while it is on.',
    onDemandInCharge: (reason: string) => `On-demand is in charge: ${reason}`,
    onDemandOverridden: 'Switched by hand; on-demand takes over when the network changes',
    noPeers: 'This tunnel has no peers.',
  },
  peer: {
    heading: 'Peer',
    endpoint: 'Endpoint',
    noEndpoint: 'None (waits for the peer)',
    allowedIps: 'Allowed IPs',
    none: 'None',
    latestHandshake: 'Latest handshake',
    transfer: 'Transfer',
    transferred: (received: string, sent: string) => `${received} received, ${sent} sent`,
    keepalive: 'Keepalive',
    keepaliveEvery: (seconds: number) => `every ${seconds} s`,
    graphLabel: (receiving: string, sending: string) =>
      `Throughput over the last minute: receiving ${receiving}, sending ${sending}`,
    receiving: (rate: string) => `↓ ${rate} in`,
    sending: (rate: string) => `↑ ${rate} out`,
  },
  /** A handshake's age (lib/format.ts). */
  ago: {
    never: 'Never',
    future: 'in the future (clock changed?)',
    justNow: 'just now',
    seconds: (seconds: number) => `${seconds} s ago`,
    minutes: (minutes: number) => `${minutes} min ago`,
    hours: (hours: number, minutes: number) => (minutes ? `${hours} h ${minutes} min ago` : `${hours} h ago`),
    days: (days: number) => `${days} day${days === 1 ? '' : 's'} ago`,
  },
  /** Why a name cannot be a tunnel's (lib/tunnel-name.ts); the rule itself is the helper's words. */
  tunnelName: {
    empty: 'Give the tunnel a name.',
    invalid: (rule: string) => `Names are ${rule}.`,
    taken: (name: string) => `There is already a tunnel named ${name}.`,
  },
  copy: {
    button: 'Copy',
    copied: 'Copied',
    failed: 'Failed',
  },
};

/** The catalog's shape: a translation must provide every entry. */
export type RendererStrings = typeof en;

/** The catalog the window uses. */
export const strings: RendererStrings = en;
