/*
 * What the UI sees: the helper's wire types (shared/ipc/control.ts) are translated to these in main
 * (main/tunnel-views.ts, main/tunnel-editing.ts) and never reach the renderer. Plain data only: everything here crosses Electron's
 * structured clone.
 */

/** How main reaches the helper, in words the UI can show as they are. */
export type ConnectionState =
  | { kind: 'connecting' }
  | { kind: 'connected'; helperVersion: string }
  /** No helper listens (ENOENT, ECONNREFUSED): `hint` says how to start it. */
  | { kind: 'helper-missing'; message: string; hint: string }
  /** The helper refuses this user ('forbidden', EACCES): `message` names the group and the command. */
  | { kind: 'not-allowed'; message: string }
  | { kind: 'error'; message: string };

/** A tunnel's state as the tray and the window show it; 'reconnecting' is the wake from suspend. */
export type TunnelPhase = 'off' | 'connecting' | 'on' | 'reconnecting' | 'error';

export interface TunnelView {
  name: string;
  phase: TunnelPhase;
  /** Stored in the helper, or brought up from a file with `warren up FILE` (not stored). */
  stored: boolean;
  /** Why the phase is 'error'. */
  error?: string;
  /** A stored tunnel's owner, the user who created or imported it ('root' for an administrator's); absent for a file's. */
  owner?: string;
  /**
   * Whether this user may read and change it (edit, rename, delete, export, settings): its owner or an
   * administrator; false for a file's tunnel, which has nothing stored to change. Anyone allowed to use Warren may
   * switch any tunnel on and off, so the switch does not depend on it.
   */
  canChange: boolean;
  /** A stored tunnel with on-demand rules: why it is up or down, and whether a switch by hand overrides them. */
  onDemand?: { reason: string; overridden: boolean };
}

/** The network the machine is on, as the window shows it (main/network-view.ts makes it from the helper's). */
export interface NetworkView {
  /** Whether NetworkManager answers: on-demand and signing in to a network need it. */
  networkManager: boolean;
  /** Why it does not, in the helper's words. */
  unavailable?: string;
  /** The connection to the internet: its kind, its name in NetworkManager, and the Wi-Fi's SSID (null if hidden). */
  primary: { kind: 'wifi' | 'ethernet' | 'other'; name: string; ssid: string | null } | null;
  /**
   * The network wants a sign-in (a captive portal, or NetworkManager's check limited) while a running tunnel's
   * kill switch blocks the way to its page: the window offers "Sign in to this network".
   */
  signInNeeded: boolean;
  /** The sign-in hole in the kill switch while it is open: when it closes by itself (Unix ms), and who opened it. */
  portalHole: { until: number; openedBy: string } | null;
}

export interface AppState {
  connection: ConnectionState;
  tunnels: TunnelView[];
  /** Absent until the helper has said (and while it is not connected). */
  network?: NetworkView;
}

/** One file to import: its name (for FILE:LINE) and its text. */
export interface ImportFile {
  filename: string;
  text: string;
  /** The tunnel's name; by default the filename's stem (`home.conf` → home). Pasted text needs one. */
  name?: string;
}

/** A dropped archive's bound (a value, not a type: here so the renderer gets it without the schema's zod).
 *  256 configs of a few KiB each fit many times over. */
export const MAX_ARCHIVE_BYTES = 8 * 1024 * 1024;

/** The result for one file: the tunnel it became, or its errors as FILE:LINE: message lines. */
export interface ImportOutcome {
  filename: string;
  ok: boolean;
  name?: string;
  errors: string[];
  warnings: string[];
}

/** Which notifications the app shows: tunnels connecting and disconnecting and failing, failures only, none. */
export const NOTIFICATION_LEVELS = ['all', 'failures', 'off'] as const;
export type NotificationLevel = (typeof NOTIFICATION_LEVELS)[number];

/** What closing the window does: hide it, the app staying in the tray, or quit the app (tunnels stay either way). */
export const CLOSE_ACTIONS = ['tray', 'quit'] as const;
export type CloseAction = (typeof CLOSE_ACTIONS)[number];

/** The app's own preferences (main/preferences.ts keeps them), not a tunnel's. */
export interface Preferences {
  /** Start at login, hidden in the tray (an XDG autostart entry on Linux). */
  startAtLogin: boolean;
  notifications: NotificationLevel;
  closeWindow: CloseAction;
}

/** What an export of every tunnel wrote. */
export interface ExportSummary {
  path: string;
  /** The tunnels in the archive, keys included. */
  exported: string[];
  /** Stored tunnels left out: another owner's, whose config only its owner and administrators may read. */
  leftOut: { name: string; owner?: string }[];
}

/**
 * A tunnel as a QR code for WireGuard's mobile apps: the modules (true is dark, rows top to bottom, without the
 * quiet zone) of exactly the text an export writes, private key included; or why it does not fit in one.
 */
export type TunnelQr = { kind: 'code'; modules: boolean[][] } | { kind: 'too-large'; bytes: number; maxBytes: number };

/** A view main asks the window to show: a tunnel's details (a notification's Show), or the preferences (the tray). */
export type ShowRequest = { view: 'tunnel'; name: string } | { view: 'preferences' };

/** On Wi-Fi: never, any network, only the listed ones, or all but the listed ones (the trusted networks). */
export const WIFI_RULES = ['never', 'any', 'only', 'except'] as const;
export type WifiRule = (typeof WIFI_RULES)[number];

/** Connect on demand: the helper brings the tunnel up and down by itself as the network changes. */
export interface OnDemandSettings {
  /** Up on a wired network (down on one without this). */
  ethernet: boolean;
  wifi: WifiRule;
  /** The SSIDs 'only' and 'except' name; kept while another mode is chosen. */
  ssids: string[];
}

/** A stored tunnel's per-tunnel settings, as the settings pane shows them. */
export interface TunnelSettings {
  /** Bring it up when the helper starts (at boot). */
  startWithSystem: boolean;
  /** Kill switch: while up, traffic that does not go through the tunnel is dropped. */
  blockUntunneled: boolean;
  /** Let bridges (docker0, virbr0, ...) through the kill switch, for VMs and containers. */
  allowBridges: boolean;
  /** Run PreUp/PostUp/PreDown/PostDown as root (off by default); only an administrator may turn it on. */
  allowScripts: boolean;
  /** Route 0.0.0.0/0 as the public IPv4 space so the LAN stays reachable. */
  excludePrivateIps: boolean;
  /** Changed whole: the answer to a change is the rules the helper keeps. */
  onDemand: OnDemandSettings;
}

/**
 * A stored tunnel as the editor opens it. The private key never reaches the window: `text` carries
 * `PrivateKey = (hidden)` (PRIVATE_KEY_PLACEHOLDER) in its place, and saving the placeholder keeps the key.
 */
export interface EditableTunnel {
  name: string;
  text: string;
  publicKey: string;
  settings: TunnelSettings;
}

/** Saving editor text: stored (with lint warnings), or refused with FILE:LINE: message lines. */
export type SaveOutcome = { ok: true; name: string; warnings: string[] } | { ok: false; errors: string[] };

/** Why a peer seems not to work (shared/diagnosis/peer-diagnosis.ts), in words for the user. */
export interface PeerDiagnosisView {
  kind: string;
  summary: string;
  hints: string[];
}

export interface PeerDetails {
  publicKey: string;
  endpoint: string | null;
  allowedIps: string[];
  /** Unix ms of the latest handshake; null for never. */
  latestHandshake: number | null;
  rxBytes: number;
  txBytes: number;
  /** Seconds; 0 for off. */
  persistentKeepalive: number;
  diagnosis?: PeerDiagnosisView;
}

/** What the detail view shows of one tunnel: the interface from its config, the peers live while it runs. */
export interface TunnelDetails {
  name: string;
  /** Null when unknown (a file's tunnel that is down). */
  publicKey: string | null;
  addresses: string[];
  dns: string[];
  /** The port it listens on while up; the configured one (or null for random) while down. */
  listenPort: number | null;
  mtu: number | null;
  /** True while it runs: the peers' handshake and transfer are live. */
  running: boolean;
  /**
   * Whether its config was read: false for a file's tunnel (nothing stored) and for another owner's, whose
   * config only its owner and administrators may read. Then addresses, DNS, MTU and the configured port are
   * unknown (empty and null) and the peers are known only while it runs.
   */
  configReadable: boolean;
  peers: PeerDetails[];
  /** Warnings from bringing it up (hooks not run, ...). */
  warnings: string[];
  /** Unix ms when main read this, for throughput between two reads. */
  sampledAt: number;
}

export interface LogLine {
  /** Unix ms. */
  time: number;
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  tunnel?: string;
}
