/*
 * The `warren` command's English: every message a person reads, from the help texts to the errors, in one place,
 * so a translation is one more file of this shape (messages/index.ts picks it by the locale) and no command
 * changes. Grouped by command; a message with values is a function of them. What the helper answers (its errors,
 * its log, a config's FILE:LINE findings) is the helper's own text and reaches the user as it came.
 *
 * The help texts are also the man page's source (man-page.ts): a usage line or two, a blank line, then
 * paragraphs of prose (filled by man) and blocks indented by two spaces (kept as they are: option lists).
 */
import type { TunnelState } from '../../../shared/ipc/control.js';

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** Seconds as minutes and seconds: "5 minutes", "1 minute 30 seconds", "45 seconds". */
const duration = (seconds: number) => {
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  if (minutes === 0) return plural(rest, 'second');
  return rest === 0 ? plural(minutes, 'minute') : `${plural(minutes, 'minute')} ${plural(rest, 'second')}`;
};

const NOT_RUNNING =
  'the Warren helper is not running: start it with `sudo systemctl start warren` or `sudo warren daemon`';

export const en = {
  general: {
    /** Prefixed to every error line. */
    prefix: 'warren: ',
    notRunning: NOT_RUNNING,
    noHelperHere: 'no Warren helper runs in this network namespace (no tunnel is up)',
    internalError: (stack: string) => `internal error: ${stack}`,
    cannotWriteOutput: (reason: string) => `cannot write the output: ${reason}`,
    needsRoot: (what: string) =>
      `${what} needs root: it creates a network interface and changes routes and DNS. Run it with sudo.`,
    unknownCommand: (name: string, suggestion: string | undefined) =>
      `unknown command \`${name}\`${suggestion ? `, did you mean \`${suggestion}\`?` : ''}`,
    unknownOption: (option: string) => `unknown option \`${option}\``,
    unexpectedArgument: (argument: string) => `unexpected argument \`${argument}\``,
    commandList: (names: string) => `Commands: ${names}. See warren --help.`,
    needsValue: (option: string) => `${option} needs a value`,
    tunnelNameRule: (rule: string) => `tunnel names are ${rule}`,
    cannotRead: (file: string, reason: string) => `${file}: cannot read: ${reason}`,
    noSuchFile: 'no such file',
    permissionDenied: 'permission denied',
    isDirectory: 'is a directory',
    largerThan: (limit: number) => `larger than ${limit} bytes`,
    largerThanConfig: (file: string, limit: number) =>
      `${file}: larger than ${limit} bytes, not a WireGuard configuration`,
    warning: (message: string) => `warning: ${message}`,
    notUtf8: (file: string) => `${file}: not UTF-8 text`,
  },

  overview: {
    title: (version: string) => `Warren ${version}: a WireGuard client.`,
    usage: 'Usage: warren COMMAND [ARGUMENTS]\n       warren --help | --version',
    commands: 'Commands:',
    help: 'Show help for a command: warren help COMMAND',
    exitStatus: 'Exit status:',
    version: (version: string) => `warren ${version}`,
  },

  /** The meaning of each exit status (command.ts), for `warren help`, the man page and the README. */
  exitCodes: {
    ok: 'done as asked',
    failure: 'not done, or not all of it: a file invalid, the helper not running or refusing, a tunnel failing',
    usage: 'a usage error: an unknown command or option, a missing or extra argument',
    internal: 'an internal error (a bug in warren; please report it with the message)',
  },

  tunnelStates: {
    down: 'down',
    connecting: 'connecting',
    up: 'up',
    reconnecting: 'reconnecting',
    error: 'error',
  } satisfies Record<TunnelState, string>,

  /** Why the caller cannot read a tunnel (tunnel-access.ts): from `list`, before asking the helper. */
  access: {
    notStored: (name: string) => `no stored tunnel is named ${name} (see warren list)`,
    fromFile: (name: string) => `${name} runs from a file and is not stored; use that file instead`,
    notOwner: (name: string, owner: string, what: string) =>
      `${name} belongs to ${owner}; only ${owner} or an administrator may ${what} it`,
  },

  list: {
    summary: 'List the stored tunnels and those up from files, with their state',
    help:
      'Usage: warren list [--json]\n\n' +
      "Lists the tunnels of this network namespace's helper: the stored ones and those brought up from a file,\n" +
      'each with its state (down, connecting, up, reconnecting, error); for an administrator, also who owns each\n' +
      'stored tunnel (who imported or created it).\n\n' +
      'With --json, one JSON object on standard output, for scripts; these names stay as they are:\n' +
      '  tunnels[]                   every tunnel, in the order of the table\n' +
      '    name                      its name (also its network interface while up)\n' +
      '    state                     down, connecting, up, reconnecting or error\n' +
      '    error                     why the state is error, in words; null otherwise\n' +
      '    origin                    store (a stored tunnel) or file (up from a file with warren up FILE)\n' +
      '    owner                     the user who stored it (null for one from a file)\n' +
      '    canChange                 whether you may read, edit, rename, delete and export it\n' +
      '    settings                  as warren set changes them: autostart, blockUntunneled, allowBridges,\n' +
      '                              excludePrivateIps, allowScripts (each true or false), and onDemand:\n' +
      '                              {ethernet (true or false), wifi (never, any, only or except), ssids[]}\n' +
      '    onDemand                  while on-demand rules are set: {wants (up, down or null), overridden\n' +
      '                              (switched by hand), reason (in words)}; null otherwise\n',
    header: { name: 'NAME', state: 'STATE', origin: 'FROM', autostart: 'AUTOSTART', owner: 'OWNER' },
    /** After a tunnel's row while on-demand is in charge of it (the reason says when switched by hand). */
    onDemand: (reason: string) => `(on demand: ${reason})`,
    origins: { store: 'store', file: 'file' },
    yes: 'yes',
    no: 'no',
    none: 'no tunnels; store one with `warren import FILE` or `warren create NAME`',
  },

  show: {
    summary: 'Show tunnels, peers, handshakes and transfer, as wg show',
    help:
      'Usage: warren show [--json] [NAME]\n\n' +
      'Prints what `wg show` prints for every Warren tunnel that is up in this namespace, or for NAME.\n\n' +
      'With --json, one JSON object on standard output, for scripts; these names stay as they are:\n' +
      '  tunnels[]                   every tunnel that is up\n' +
      '    name, publicKey           its interface and public key (never a private key)\n' +
      '    listenPort, fwmark        numbers; 0 when not set\n' +
      '    dropped                   packets dropped that no peer is to blame for, by reason: {reason: count}\n' +
      '    warnings[]                from bringing it up (hooks not run, ...)\n' +
      '    peers[]\n' +
      '      publicKey, endpoint     endpoint as host:port, null when not known yet\n' +
      '      allowedIps[]            prefixes, as 10.0.0.0/24\n' +
      '      latestHandshake         Unix time in seconds, null for never\n' +
      '      rxBytes, txBytes        bytes received and sent\n' +
      '      persistentKeepalive     seconds, 0 for off\n' +
      '      hasSession              whether it has session keys now\n' +
      '      dropped                 {reason: count}\n' +
      '      hint                    why it seems not to work: {summary, hints[]}; null when all looks well\n',
    interface: 'interface',
    publicKey: 'public key',
    privateKey: 'private key',
    hidden: '(hidden)',
    listeningPort: 'listening port',
    fwmark: 'fwmark',
    dropped: 'dropped',
    peer: 'peer',
    endpoint: 'endpoint',
    allowedIps: 'allowed ips',
    noAllowedIps: '(none)',
    latestHandshake: 'latest handshake',
    transfer: (received: string, sent: string) => `${received} received, ${sent} sent`,
    transferLabel: 'transfer',
    persistentKeepalive: 'persistent keepalive',
    every: (duration: string) => `every ${duration}`,
    hint: 'hint',
    warning: 'warning',
    now: 'Now',
    ago: (duration: string) => `${duration} ago`,
    units: {
      year: ['year', 'years'],
      day: ['day', 'days'],
      hour: ['hour', 'hours'],
      minute: ['minute', 'minutes'],
      second: ['second', 'seconds'],
    } as Record<'year' | 'day' | 'hour' | 'minute' | 'second', readonly [string, string]>,
    zeroSeconds: '0 seconds',
  },

  status: {
    summary: 'One screen: the helper, every tunnel, its peers and its settings',
    help:
      'Usage: warren status\n\n' +
      'A summary that fits one screen: the helper of this network namespace and its version, then each tunnel with\n' +
      'its state and, while it is up, its peers (latest handshake, transfer) and what to check when one seems not\n' +
      'to work; stored tunnels also say which settings are on. For the details, warren show; for scripts,\n' +
      'warren list --json and warren show --json.\n',
    helper: (version: string, tunnels: number, up: number) =>
      `Warren helper ${version} in this network namespace: ${plural(tunnels, 'tunnel')}, ${up} up`,
    noTunnels: 'No tunnels: store one with `warren import FILE` or `warren create NAME`.',
    peers: (n: number) => plural(n, 'peer'),
    handshake: (ago: string) => `latest handshake ${ago}`,
    noHandshake: 'no handshake yet',
    transfer: (received: string, sent: string) => `${received} in, ${sent} out`,
    settings: {
      autostart: 'autostart',
      blockUntunneled: 'kill switch',
      allowBridges: 'bridges allowed',
      excludePrivateIps: 'LAN excluded',
      allowScripts: 'scripts allowed',
    },
    fromFile: 'from a file',
    hint: (summary: string) => `hint: ${summary}`,
    more: (n: number) => `... and ${plural(n, 'more tunnel')}: warren list shows them all`,
  },

  up: {
    summary: 'Bring a stored tunnel, or one from a wg-quick file, up',
    help:
      'Usage: warren up NAME\n' +
      '       warren up [--foreground] [--allow-scripts] [--block-untunneled] [--exclude-private-ips] FILE\n\n' +
      'Brings the stored tunnel NAME up (the Warren helper must be running; it brings it back after a restart\n' +
      'until `warren down NAME`), or the tunnel described by FILE (a path with a `/`, or an existing file ending\n' +
      "in .conf; needs root). A tunnel from a file is held by the namespace's helper, started in the background\n" +
      'when none runs, and never stored. The interface is named after the file (wg0.conf: wg0).\n' +
      '  --foreground           run the tunnel from FILE in this process; Ctrl-C takes it down\n' +
      '  --allow-scripts        run the PreUp/PostUp/PreDown/PostDown commands of FILE (off by default)\n' +
      '  --block-untunneled     while it is up, drop traffic that does not go through the tunnel (kill switch)\n' +
      '  --exclude-private-ips  a full tunnel leaves private IPv4 networks (the LAN) to the local network; with\n' +
      '                         --block-untunneled, the LAN stays reachable\n',
    isUp: (name: string) => `${name} is up`,
    isUpForeground: (name: string) => `${name} is up; Ctrl-C takes it down`,
    isDown: (name: string) => `${name} is down`,
    neitherFileNorName: (name: string) => `${name} is neither a file nor the name of a stored tunnel`,
    oneNameOrFile: 'up takes exactly one NAME or FILE',
    fileOnly: (option: string) => `${option} is for a FILE; a stored tunnel runs in the helper, with its own options`,
    helperRunsAlready: 'a Warren helper already runs in this network namespace; use `warren up` without --foreground',
  },

  down: {
    summary: 'Take a tunnel down: keys wiped, routes and DNS restored',
    help: 'Usage: warren down NAME\n\nTakes the tunnel NAME down: keys cleared, routes, rules and DNS restored, interface gone.\n',
    oneName: 'down takes exactly one NAME',
    isDown: (name: string) => `${name} is down`,
  },

  power: {
    suspendSummary: 'Drop every session key before sleep, as the kernel does',
    suspendHelp:
      "Usage: warren suspend\n\nDrops every handshake and session key of every tunnel (the kernel's suspend behaviour).\n",
    resumeSummary: 'Handshake again after wake',
    resumeHelp: 'Usage: warren resume\n\nAfter wake: every peer that was in use handshakes again at once.\n',
    noArguments: (name: string) => `${name} takes no arguments`,
    done: (name: string, tunnels: number) => `${name}: ${tunnels} tunnel(s)`,
  },

  importing: {
    summary: 'Store wg-quick files as tunnels (each judged on its own)',
    help:
      'Usage: warren import [--name NAME] FILE...\n\n' +
      'Stores each FILE as a tunnel named after it (wg0.conf: wg0), or NAME for a single FILE. Each file is judged\n' +
      'on its own: the valid ones are stored, the others reported as FILE:LINE: message. A name already stored is\n' +
      'refused, never overwritten. Exit status 1 when any file was not stored.\n',
    needsFile: 'import needs at least one FILE',
    nameForOne: '--name is for a single FILE',
    nameRule: (rule: string) => `--name needs a tunnel name: ${rule}`,
    stored: (file: string, name: string) => `${file}: stored as ${name}`,
  },

  create: {
    summary: 'Create a tunnel with a fresh key pair',
    help:
      'Usage: warren create NAME [FILE]\n\n' +
      'Stores a new tunnel NAME with a fresh key pair made by the helper, and prints its public key (give it to\n' +
      'the peer). FILE (`-` for standard input) may give the rest of the configuration, without PrivateKey:\n' +
      'Address, DNS, the [Peer] sections. Add or change them later with warren edit NAME.\n',
    usage: 'create takes a NAME and at most one FILE',
    created: (name: string) => `${name} is created`,
    publicKey: (key: string) => `its public key (give it to the peer): ${key}`,
    next: (name: string) => `add its address and peers with: warren edit ${name}`,
  },

  rename: {
    summary: 'Rename a stored tunnel (while it is down)',
    help:
      'Usage: warren rename OLD NEW\n\n' +
      'Renames the stored tunnel OLD to NEW; its settings and owner stay. A tunnel that is up is refused: take it\n' +
      'down first, since its network interface carries the name.\n',
    usage: 'rename takes OLD and NEW, two tunnel names',
    renamed: (from: string, to: string) => `${from} is now ${to}`,
  },

  deleting: {
    summary: 'Delete a stored tunnel (taken down first if up)',
    help: 'Usage: warren delete NAME\n\nDeletes the stored tunnel NAME and its file; a tunnel that is up is taken down first.\n',
    oneName: 'delete takes exactly one NAME',
    deleted: (name: string) => `${name} is deleted`,
  },

  edit: {
    summary: "Edit a stored tunnel's configuration in $EDITOR (the private key stays hidden)",
    help:
      'Usage: warren edit NAME\n\n' +
      "Opens the configuration of the stored tunnel NAME in your editor ($VISUAL, else $EDITOR, else the system's\n" +
      'editor) with its private key hidden: leave the line `PrivateKey = (hidden)` as it is to keep the key.\n' +
      'When the editor closes, the text is checked before it is saved; when it has errors, they are shown and\n' +
      'you are asked whether to edit it again, as crontab -e and visudo do. A tunnel that is up restarts with the\n' +
      'new configuration. Its owner or an administrator may edit it.\n',
    oneName: 'edit takes exactly one NAME',
    verb: 'edit',
    editorFailed: (editor: string, status: number) => `the editor (${editor}) exited with status ${status}`,
    editorMissing: (editor: string) => `cannot run the editor ${editor}: set VISUAL or EDITOR`,
    unchanged: (name: string) => `${name}: no changes`,
    saved: (name: string) => `${name} is saved`,
    againQuestion: 'Edit it again? [Y/n] ',
    kept: (path: string) => `nothing saved; your text is kept in ${path}`,
    notSaved: 'nothing saved',
  },

  set: {
    summary: "Change a stored tunnel's settings (kill switch, autostart, scripts, ...)",
    help: (flags: string) =>
      'Usage: warren set NAME [--autostart on|off] [--block-untunneled on|off] [--allow-bridges on|off]\n' +
      '                       [--exclude-private-ips on|off] [--allow-scripts on|off]\n' +
      '                       [--on-demand-ethernet on|off] [--on-demand-wifi never|any|only|except]\n' +
      "                       [--on-demand-ssids 'SSID,...'] [--on-demand off]\n\n" +
      "Changes the settings of the stored tunnel NAME; a running tunnel's kill switch follows at once. Its owner\n" +
      'or an administrator may change them; allowing scripts needs an administrator (sudo, or pkexec).\n' +
      flags +
      '\nOn demand, the helper brings the tunnel up and takes it down by itself as the network changes (this needs\n' +
      'NetworkManager; see warren network). The options not given keep their rules; switching the tunnel by hand\n' +
      'wins until the network changes next.\n',
    flags: {
      autostart: 'bring it up when the helper starts (at boot)',
      blockUntunneled: 'while it is up, drop traffic that does not go through the tunnel',
      allowBridges: 'with --block-untunneled on, let VMs and containers (bridges) through',
      excludePrivateIps: 'a full tunnel leaves private IPv4 networks (the LAN) alone',
      allowScripts: 'run its PreUp/PostUp/PreDown/PostDown as root (administrators only)',
    },
    needsName: 'set needs a tunnel NAME first',
    needsOption: 'set needs at least one --OPTION on|off',
    onOff: (flag: string) => `${flag} takes on or off`,
    onDemandFlags: {
      ethernet: 'on demand: up on a wired network (on), or down there (off)',
      wifi:
        'on demand on Wi-Fi: never; on any network; only on the SSIDs; or on all networks\n' +
        '                              except the SSIDs (the trusted ones, where it goes down)',
      ssids: "the Wi-Fi networks' names for only and except, comma-separated ('' for none)",
      off: 'no on demand: ethernet off and wifi never (the SSIDs are kept)',
    },
    wifiValues: (flag: string) => `${flag} takes never, any, only or except`,
    onDemandOff: '--on-demand takes off (to switch it on, give --on-demand-ethernet or --on-demand-wifi)',
    onDemandClash: (flag: string) => `--on-demand off and ${flag} cannot be given together`,
    badSsid: (ssid: string, reason: string) => `--on-demand-ssids: \`${ssid}\`: ${reason}`,
    onDemandShown: (ethernet: boolean, wifi: string, ssids: readonly string[]) =>
      `on-demand ethernet ${ethernet ? 'on' : 'off'}, wifi ${wifi}` +
      (ssids.length > 0 ? ` (${ssids.join(', ')})` : ''),
    needsNetworkManager: (why: string) => `on demand needs NetworkManager, which is not available: ${why}`,
    twice: (flag: string) => `${flag} is given twice`,
    on: 'on',
    off: 'off',
  },

  network: {
    summary: 'Show the network the machine is on, as on-demand and sign-in see it',
    help:
      'Usage: warren network [--json]\n\n' +
      'Shows the network the machine is on as the helper knows it from NetworkManager: the connection, its\n' +
      "connectivity, whether a captive portal's sign-in page is in the way, and the sign-in hole (warren sign-in).\n\n" +
      'With --json, one JSON object on standard output, for scripts; these names stay as they are:\n' +
      '  networkManager              whether NetworkManager answers (on demand and sign-in need it)\n' +
      '  unavailable                 why it does not, in words; null when it does\n' +
      '  primary                     the connection to the internet: {kind (wifi, ethernet or other), name,\n' +
      '                              device, ssid}; null when not connected\n' +
      '  connectivity                unknown, none, portal, limited or full\n' +
      '  portal                      whether a captive portal is in the way and not yet passed\n' +
      '  portalHole                  while open: {until (Unix time in seconds), openedBy, device}; null otherwise\n',
    noNetworkManager: (why: string) => `NetworkManager: not available: ${why} (on demand and sign-in need it)`,
    notConnected: 'Network: not connected',
    wifi: (ssid: string | null, device: string | null) =>
      `Network: Wi-Fi ${ssid === null ? '(hidden network)' : `“${ssid}”`}${device ? ` on ${device}` : ''}`,
    ethernet: (name: string, device: string | null) => `Network: wired, “${name}”${device ? ` on ${device}` : ''}`,
    other: (name: string, device: string | null) => `Network: “${name}”${device ? ` on ${device}` : ''}`,
    connectivity: {
      unknown: 'Connectivity: not known',
      none: 'Connectivity: none',
      portal: 'Connectivity: a sign-in page (captive portal) is in the way',
      limited: 'Connectivity: limited (no internet)',
      full: 'Connectivity: full',
    },
    portal: 'A captive portal is in the way: open the sign-in hole with `warren sign-in`, then sign in in a browser',
    hole: (device: string, user: string, seconds: number) =>
      `Sign-in hole: open on ${device} for ${user}, closes in ${duration(seconds)}`,
  },

  signIn: {
    summary: "Let a captive portal's sign-in page through the kill switch for a few minutes",
    help: (defaultSeconds: number, maxSeconds: number) =>
      'Usage: warren sign-in [--seconds N]\n' +
      '       warren sign-in --close\n\n' +
      "Opens a hole in the kill switch so that a hotel's or a café's sign-in page (a captive portal) can be reached:\n" +
      "for a few minutes DNS to the network's own resolvers, and HTTP and HTTPS, may leave through the network's\n" +
      "interface without the tunnel, and name lookups go to those resolvers instead of the tunnel's, which cannot be\n" +
      "reached before signing in. It closes by itself, and the tunnel's DNS comes back; opening it again starts its\n" +
      'time again.\n' +
      `  --seconds N   how long it stays open: 30 to ${maxSeconds} seconds (${defaultSeconds} by default)\n` +
      '  --close       close it now (you have signed in)\n',
    seconds: (max: number) => `--seconds takes a whole number of seconds from 30 to ${max}`,
    closeAlone: '--close takes no other option',
    opened: (device: string, seconds: number) =>
      `The sign-in hole is open on ${device} for ${duration(seconds)}: sign in in a browser now, ` +
      'then run `warren sign-in --close`',
    closed: 'The sign-in hole is closed',
    notOpen: 'No sign-in hole was open',
    /** The helper's refusals said for this command; other codes keep the helper's own words. */
    errors: {
      'not-blocking': 'no tunnel blocks untunneled traffic: the sign-in page is reachable as it is',
      'no-network': 'this machine is not connected to a network: connect to one first',
      stopping: 'the Warren helper is stopping; try again once it runs',
    },
  },

  exporting: {
    summary: 'Export stored tunnels, keys included, as .conf text or a zip archive',
    help:
      'Usage: warren export [NAME...] [-o FILE]\n\n' +
      'Exports the stored tunnels NAME..., or without NAME every stored tunnel you may read, with their private\n' +
      'keys, for a backup or another device. A member of the warren group may read the tunnels it owns; an\n' +
      'administrator, all of them. A tunnel you may not read is left out with a line saying why (exit status 1),\n' +
      'and the others are exported.\n' +
      '  -o, --output FILE  write to FILE (mode 0600): the tunnel as text when FILE ends in .conf (one NAME),\n' +
      '                     else a zip archive of NAME.conf files\n' +
      'Without -o, one NAME is printed as text, and several go to standard output as a zip archive (not to a\n' +
      'terminal: redirect it, or give -o).\n',
    verb: 'export',
    confForOne: 'a .conf FILE holds one tunnel: name one NAME, or give a .zip FILE',
    notToTerminal: 'a zip archive is not for a terminal: give -o FILE.zip, or redirect standard output',
    nothing: 'nothing to export',
    none: 'no stored tunnel to export',
    leftOut: (name: string, why: string) => `${name}: not exported: ${why}`,
    written: (file: string, names: string) => `${file}: ${names}`,
    worldReadable: 'Warning: writing private keys to a file others may read.',
  },

  qr: {
    summary: 'Show a tunnel as a QR code for the WireGuard mobile apps',
    help:
      'Usage: warren qr NAME\n\n' +
      "Prints the stored tunnel NAME, private key included, as a QR code of UTF-8 half blocks, for WireGuard's\n" +
      'mobile apps to import (Add a tunnel, Scan from QR code). On a terminal its colours are set, dark on light,\n' +
      'so it scans whatever the theme (NO_COLOR leaves them out). Its owner or an administrator may show it.\n',
    oneName: 'qr takes exactly one NAME',
    verb: 'show the QR code of',
    tooLong: (name: string, bytes: number, max: number) =>
      `${name} is too long for a QR code: ${bytes} bytes, at most ${max}; export it as a file instead`,
    caption: (name: string) =>
      `Scan it with the WireGuard app: Add a tunnel, Scan from QR code. It holds the private key of ${name}.`,
  },

  check: {
    summary: 'Validate wg-quick .conf files (errors as FILE:LINE: message)',
    help:
      'Usage: warren check FILE...\n\n' +
      'Parses each wg-quick configuration file (`-` reads standard input) and reports every error as\n' +
      '`FILE:LINE: message` on standard error, with warnings for valid but risky settings; a file with many\n' +
      'findings reports the first 50 and how many more it has.\n' +
      'Exit status: 0 when every file is valid, 1 when any is not, 2 for a usage error.\n',
    needsFile: 'check needs at least one FILE',
    stdinName: '<stdin>',
    ok: (file: string, peers: number, warnings: number) =>
      `${file}: ok, ${plural(peers, 'peer')}${warnings ? `, ${plural(warnings, 'warning')}` : ''}`,
  },

  logs: {
    summary: "Print the helper's recent log",
    help:
      'Usage: warren logs [-n N]\n\n' +
      "Prints the newest N entries (default 100, at most 10000) of the helper's log: time, level, tunnel, message.\n",
    badArgument: (argument: string) => `unexpected argument \`${argument}\`; -n takes a number from 1 to 10000`,
  },

  keys: {
    genkeySummary: 'Print a new private key (base64), as wg genkey',
    genkeyHelp: 'Usage: warren genkey\n\nPrints a new, clamped Curve25519 private key in base64 on standard output.\n',
    genpskSummary: 'Print a new preshared key (base64), as wg genpsk',
    genpskHelp: 'Usage: warren genpsk\n\nPrints 32 random bytes in base64 on standard output, for a PresharedKey.\n',
    pubkeySummary: 'Read a private key on stdin, print its public key, as wg pubkey',
    pubkeyHelp:
      'Usage: warren pubkey\n\nReads a base64 private key on standard input and prints its public key.\n' +
      'Exits 1 when the input is not exactly one key (whitespace around it is allowed after it).\n',
    noArguments: (name: string) => `${name} takes no arguments`,
    // wg's own words, so that scripts written for wg(8) see the same.
    worldReadable: 'Warning: writing to world accessible file.\nConsider setting the umask to 077 and trying again.',
    badKey: 'Key is not the correct length or format',
    trailing: 'Trailing characters found after key',
  },

  completion: {
    summary: 'Print the completion script for bash, zsh or fish',
    help:
      'Usage: warren completion bash|zsh|fish\n\n' +
      'Prints a script that completes commands, options and tunnel names for the shell. The .deb installs them;\n' +
      'otherwise, for bash: `source <(warren completion bash)` in ~/.bashrc; zsh: `warren completion zsh >\n' +
      '~/.zfunc/_warren` with ~/.zfunc in $fpath; fish: `warren completion fish >\n' +
      '~/.config/fish/completions/warren.fish`.\n',
    oneShell: 'completion takes one SHELL: bash, zsh or fish',
    unknownShell: (shell: string) => `no completion for ${shell}: bash, zsh or fish`,
    /** Shown by the shells beside each option's value kind. */
    onOff: 'on or off',
  },

  man: {
    summary: 'Print the manual page (groff), as installed for man warren',
    help:
      'Usage: warren man\n\n' +
      'Prints this manual in groff -man format; `man -l <(warren man)` shows it where the package did not install\n' +
      'it (the AppImage).\n',
    noArguments: 'man takes no arguments',
    name: 'warren \\- a WireGuard client: tunnels, their settings and the helper that runs them',
    description:
      'warren is the command of Warren, a desktop WireGuard client: the same tunnels, settings and helper as the ' +
      "app's window, for servers, SSH sessions and scripts. A root helper (warren daemon, the warren service) " +
      'holds the tunnels of its network namespace; the command talks to it through its control socket. Root and ' +
      'the members of the warren group may use it; a member may read and change only the tunnels it owns.',
    sections: {
      name: 'NAME',
      synopsis: 'SYNOPSIS',
      description: 'DESCRIPTION',
      commands: 'COMMANDS',
      exitStatus: 'EXIT STATUS',
      environment: 'ENVIRONMENT',
      files: 'FILES',
      seeAlso: 'SEE ALSO',
    },
    environment: [
      ['VISUAL, EDITOR', 'the editor of warren edit'],
      ['NO_COLOR', 'warren qr prints no colours'],
      ['WARREN_STATE_DIR', 'the tunnel store of warren daemon (default /etc/warren)'],
      ['WARREN_RUNTIME_DIR', "the helper's runtime directory, with its control socket (default /run/warren)"],
      ['WARREN_CONTROL_SOCKET', "the helper's control socket alone"],
    ] as readonly (readonly [string, string])[],
    files: [
      ['/etc/warren', 'the stored tunnels (NAME.conf) and their settings (state.json)'],
      ['/run/warren/control-*.sock', "each network namespace's helper's control socket"],
    ] as readonly (readonly [string, string])[],
  },

  help: {
    summary: 'Show help for a command: warren help COMMAND',
  },

  daemon: {
    summary: "Run this network namespace's helper in the foreground (needs root)",
    help:
      'Usage: warren daemon [--state-dir DIR] [--group NAME] [--runtime-dir DIR] [--exit-when-idle]\n\n' +
      "Runs the helper that keeps this network namespace's tunnels, serving the control socket the app and the\n" +
      'warren command use. At the first start of a boot it brings up the tunnels marked autostart; started again\n' +
      'within the same boot (after a crash or a restart) it brings back the tunnels that were up. SIGINT or\n' +
      'SIGTERM takes every tunnel down and exits; they come back at the next start within this boot.\n' +
      '  --state-dir DIR    the tunnel store (default $WARREN_STATE_DIR, else /etc/warren)\n' +
      '  --group NAME       besides root, members of this group may use the helper (default warren)\n' +
      '  --runtime-dir DIR  the control socket, boot marker and tunnel journal (default $WARREN_RUNTIME_DIR,\n' +
      '                     else /run/warren)\n' +
      '  --exit-when-idle   tunnels from files only, no store; exit once the last tunnel is down (how\n' +
      '                     `warren up FILE` starts a helper when none runs)\n',
    stateDirUnused: '--state-dir has no use with --exit-when-idle, which runs no store',
    runsAlready: 'a Warren helper already runs in this network namespace',
  },

  demo: {
    summary: 'See a working tunnel in two throwaway namespaces (needs root)',
    help:
      'Usage: warren demo [--seconds N] [--peer wireguard-go|warren]\n\n' +
      "Builds two throwaway network namespaces joined by a virtual cable, runs a WireGuard peer in one (Debian's\n" +
      'wireguard-go when installed, else a second Warren) and Warren in the other, and shows the handshake, pings,\n' +
      'a few seconds of throughput, `warren show`, and a suspend and resume. Ctrl-C or a failure takes it all down.\n' +
      'Nothing outside the two namespaces is touched.\n',
    done: 'Done: everything the demo made is gone again.',
    failed: (message: string) => `warren demo: ${message}; everything it made has been taken down.`,
    interrupted: 'interrupted',
    namespaces: (warren: string, peer: string) =>
      `1. Two network namespaces, ${warren} (Warren) and ${peer} (the peer), joined by a virtual cable.`,
    keys: (warren: string, peer: string) => `2. Fresh keys. Warren: ${warren}, peer: ${peer}.`,
    peerWireguardGo: (endpoint: string) =>
      `3. The peer is Debian's wireguard-go, configured with the real wg tool, listening on ${endpoint}.`,
    peerWarren: (endpoint: string) =>
      `3. The peer is a second Warren (wireguard-go is not installed), listening on ${endpoint}.`,
    up: (name: string, endpoint: string) =>
      `4. warren up: Warren's tunnel ${name} comes up in its namespace, with the peer at ${endpoint}.`,
    ping: '5. Ping through the tunnel: the first packet waits for the handshake, the rest go straight through.',
    noHandshake: 'no handshake happened',
    handshake: (seconds: number, endpoint: string | null) =>
      `   Handshake done ${seconds} s ago; endpoint ${endpoint}.`,
    throughput: (seconds: number) => `6. ${seconds} s of TCP through the tunnel, Warren to the peer:`,
    show: '7. warren show, as wg show would print it:',
    suspend: '8. The lid closes: warren suspend drops every session key, as the kernel does before sleep.',
    keysStillThere: 'keys still present after suspend',
    noSessionKeys: '   Session keys: none.',
    resume: '9. The lid opens: warren resume handshakes again at once, with fresh keys.',
    rehandshake: (seconds: number) => `   New handshake ${seconds} s ago; the tunnel is back:`,
    teardown: '10. Taking everything down: tunnel, peer, namespaces.',
    pingResult: (address: string, summary: string, rtt: string | undefined) =>
      `   ping ${address}: ${summary}${rtt ? `, average ${rtt} ms` : ''}`,
    pingLost: (address: string) => `ping ${address} lost packets`,
    progress: (bar: string, amount: string, seconds: string, rate: string) =>
      `   [${bar}] ${amount} in ${seconds} s, ${rate} Mbit/s`,
    noData: 'no data arrived through the tunnel',
    arrived: (amount: string, seconds: string, rate: string) => `   ${amount} arrived in ${seconds} s: ${rate} Mbit/s.`,
    serverDidNotStart: 'the throughput server did not start',
    transferDidNotFinish: 'the transfer did not finish',
    notUp: (name: string) => `${name} is not up`,
    notBack: 'the tunnel did not come back in time',
  },

  service: {
    summary: 'Install, remove or show the helper service (for the AppImage; the .deb does it by itself)',
    help:
      'Usage: warren service install [--from DIR] [--user NAME] | uninstall [--purge] | status\n\n' +
      'Installs, removes or shows the helper as a system service, for an app no package manager installed (the\n' +
      'AppImage). install and uninstall need root. A .deb installation is managed by the package instead.\n' +
      '  install    copies the app to /opt/warren-helper (an AppImage moves each time it runs), installs the\n' +
      '             systemd unit warren.service running the helper from there, links /usr/local/bin/warren,\n' +
      '             installs the polkit action app.warren.manage for `pkexec /usr/local/bin/warren`, creates the\n' +
      '             system group `warren`, adds USER to it, and enables and starts the service. Running it again\n' +
      '             after an update replaces the copy and restarts the helper. A `warren` group that exists but is\n' +
      "             not a system group (a user's own group) is refused: its members would control the helper.\n" +
      '             --from DIR   the app directory (the Electron binary `warren` and resources/); by default the\n' +
      '                          app whose Electron runs this command\n' +
      '             --user NAME  the user to add to the group (they may use the app from their next login)\n' +
      '  uninstall  stops and disables the service and removes what install made; the tunnels in /etc/warren\n' +
      '             stay unless --purge, which also deletes them, /var/lib/warren and the group.\n' +
      '  status     where the unit is, what it runs, whether it is enabled and running, the group members.\n',
    missingAction: 'missing install, uninstall or status',
    unknownAction: (action: string) => `unknown action \`${action}\``,
    fromNeeded:
      "--from DIR is needed: this is not the app's own Electron (DIR holds the binary `warren` and resources/)",
    installNeedsRoot: 'service install needs root: it installs a system service and creates a group. Run it with sudo.',
    uninstallNeedsRoot: 'service uninstall needs root: it removes a system service. Run it with sudo.',
    unit: (path: string | null) => `unit: ${path ?? 'not installed'}`,
    runs: (command: string) => `runs: ${command}`,
    noSystemd: 'systemd: not running here',
    enabled: (value: string) => `enabled: ${value}`,
    active: (value: string) => `active: ${value}`,
    group: (members: readonly string[] | null) =>
      `group warren: ${members === null ? 'does not exist' : members.length === 0 ? 'no members' : members.join(', ')}`,
  },
};

export type Catalog = typeof en;
