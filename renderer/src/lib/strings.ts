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
};

/** The catalog's shape: a translation must provide every entry. */
export type RendererStrings = typeof en;

/** The catalog the window uses. */
export const strings: RendererStrings = en;
