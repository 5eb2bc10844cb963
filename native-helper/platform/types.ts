// The operating system behind small interfaces, one per concern, so each OS gets its own files (linux/ now,
// darwin/ and windows/ later) and the daemon sees only these types. Every call that changes the system returns
// an Undo that takes exactly that change back; a tunnel's `up` stacks them, unwinds them in reverse when a step
// fails, and hands the stack to the TunnelHandle whose `down` unwinds it.
import type { IpPrefix, TunnelConfig } from '../../shared/config/model.js';

/** Takes back one change to the system. Called at most once. */
export type Undo = () => Promise<void>;

/** Addresses, MTU, link state, routes and policy rules of a tunnel interface. */
export interface NetworkConfigurator {
  addAddress(link: string, address: IpPrefix): Promise<Undo>;
  /** The MTU wg-quick picks when the config has none: the path MTU towards the endpoints (else the default
   *  route's) minus 80, or 1420 when nothing is known. `endpoints` are IP addresses. */
  automaticMtu(endpoints: readonly string[]): Promise<number>;
  /** Sets the MTU and brings the link up; the undo puts back the previous MTU and state. */
  setMtuAndUp(link: string, mtu: number): Promise<Undo>;
  /**
   * A route for `prefix` over the link. Without a table it goes to the main table unless a route over the link
   * already covers the prefix; then nothing is added and the result is null.
   */
  addRoute(link: string, prefix: IpPrefix, table?: string): Promise<Undo | null>;
  /** The first routing table from 51820 up with no routes in it, for a full tunnel without a FwMark. */
  freeTable(): Promise<number>;
  /** A full tunnel for one family, as wg-quick: everything not carrying `table` as its fwmark looks up
   *  `table`, whose default route is the link, and the main table still wins for anything but its default.
   *  With `routes`, those go into `table` instead of the default route (Exclude private IPs: what they leave
   *  out falls through to the main table, while the fwmark keeps the tunnel's own UDP out of the tunnel). */
  addDefaultRoute(link: string, family: 4 | 6, table: number, routes?: readonly IpPrefix[]): Promise<Undo>;
  /** Lets the reverse-path filter see the fwmark (net.ipv4.conf.all.src_valid_mark=1). Not undone: other
   *  tunnels may rely on it, and wg-quick leaves it set too. */
  enableSrcValidMark(): Promise<void>;
}

/** Packet filtering that goes with a full tunnel. */
export interface FirewallConfigurator {
  /** Drops packets addressed to the tunnel's own addresses that arrive on other interfaces, and keeps the
   *  tunnel's fwmark on replies (conntrack). Null when the system has no filter tool to do it with. */
  protectFullTunnel(link: string, family: 4 | 6, fwmark: number): Promise<Undo | null>;
}

export interface DnsSettings {
  /** Resolver addresses. */
  servers: string[];
  /** Search domains. */
  search: string[];
  /** The network's own resolvers, handed these for a captive portal's sign-in (tunnel-dns.ts), not the tunnel's
   *  DNS: a file that carries a note says so. */
  forSignIn?: true;
}

/** systemd-resolved; resolvconf(8); our own /etc/resolv.conf; NetworkManager's global DNS, where NetworkManager
 *  writes /etc/resolv.conf itself and would overwrite ours at the next DHCP renewal. */
export type DnsMethod = 'resolvectl' | 'resolvconf' | 'resolv.conf' | 'networkmanager';

/** The system's resolver configuration while a tunnel is up. */
export interface DnsConfigurator {
  readonly method: DnsMethod;
  /** Whether DNS is set on the link beside every other link's (resolved): taken back, each network's link keeps
   *  asking its own resolvers. Otherwise `apply` replaces the system's resolvers as a whole. */
  readonly perLink: boolean;
  apply(link: string, settings: DnsSettings): Promise<Undo>;
}

export type HookPhase = 'PreUp' | 'PostUp' | 'PreDown' | 'PostDown';

/** Runs a config's PreUp/PostUp/PreDown/PostDown snippet; rejects when it fails. */
export interface HookRunner {
  run(phase: HookPhase, command: string, link: string): Promise<void>;
}

export interface TunnelUpOptions {
  /** Run PreUp/PostUp/PreDown/PostDown. Off by default: a config file is not a licence to run code as root. */
  allowScripts?: boolean;
  /** Endpoint IP addresses for the automatic MTU (the engine's resolved ones); by default the config's
   *  endpoints that are IP addresses. */
  endpoints?: readonly string[];
  /** Called before a full tunnel's policy rules go in, with the fwmark the tunnel's UDP sockets must carry
   *  (SO_MARK) from then on, or their own packets would loop into the tunnel; wg-quick's `wg set fwmark`. */
  onFwmark?: (fwmark: number) => void | Promise<void>;
  /** "Exclude private IPs" for a full tunnel: its table routes the public IPv4 networks and the config's private
   *  IPv4 DNS servers instead of 0.0.0.0/0 (shared/config/exclude-private-ips.ts), so private networks stay on
   *  the LAN. The device's AllowedIPs are not changed (give it the config as it is). No effect without an IPv4
   *  /0 or with a Table = setting. */
  excludePrivateIps?: boolean;
}

export interface TunnelHandle {
  readonly name: string;
  readonly mtu: number;
  /** The SO_MARK for the tunnel's UDP sockets (a full tunnel's table, else the config's FwMark), or null. */
  readonly fwmark: number | null;
  /** How DNS was set, or null when the config has no DNS servers. */
  readonly dnsMethod: DnsMethod | null;
  /** Things the config asked for that were not done, for the user (hooks when scripts are not allowed). */
  readonly warnings: readonly string[];
  /** Runs PreDown, undoes everything `up` did in reverse, runs PostDown. Tries every step even when one fails,
   *  then rejects naming the failures. Idempotent: later calls return the first call's promise. */
  down(): Promise<void>;
  /**
   * Name lookups go to `servers` instead of the tunnel's resolvers until the undo (a captive portal's sign-in,
   * daemon/portal-hole.ts): the tunnel's DNS is taken back and, where it replaced the system's resolvers as a
   * whole, `servers` are set in its place by the same method (platform/tunnel-dns.ts). The undo puts the tunnel's
   * DNS back, unless the tunnel is going down by then: `down` takes back whatever is in place and nothing is set
   * again. Rejects, with the tunnel's DNS in place again, when `servers` could not be set. Null when the tunnel
   * sets no DNS.
   */
  handOverDns(servers: readonly string[]): Promise<Undo | null>;
}

/** Everything wg-quick does around a WireGuard device, for an interface the caller has created. */
export interface TunnelConfigurator {
  /** Rejects, having undone its own changes, when a step fails. */
  up(name: string, config: TunnelConfig, options?: TunnelUpOptions): Promise<TunnelHandle>;
}

export interface KillSwitchSpec {
  /** The SO_MARK the tunnel's UDP sockets carry (TunnelHandle.fwmark): their packets pass by it. Null: none. */
  fwmark: number | null;
  /** Where the tunnel's UDP goes (IP addresses and ports), let through only when fwmark is null. */
  endpoints: readonly { address: string; port: number }[];
  /** Let through traffic to the local network (private, link-local, link-scope multicast, broadcast). */
  allowLan: boolean;
  /** Let through traffic out of container and VM bridges (docker0, virbr0, br-...). */
  allowBridges: boolean;
  /** The tunnel's resolvers: DNS that does not go through the tunnel is dropped unless it is to one of these
   *  (and otherwise allowed, e.g. on the LAN with allowLan). */
  dnsServers: readonly string[];
}

/** A hole in the kill switches for signing in to a captive portal: out of `device` only, DNS (53) to
 *  `dnsServers`, and HTTP and HTTPS (TCP 80 and 443) to anywhere, for `seconds` (linux/kill-switch.ts). */
export interface PortalHoleSpec {
  /** The interface the network is reached through (the primary connection's). */
  device: string;
  /** The network's own resolvers and gateways (DHCP's). */
  dnsServers: readonly string[];
  seconds: number;
}

/** "Block untunneled traffic": while it is on, IPv4 and IPv6 sent or forwarded by this machine leave only
 *  through the tunnel, plus what the spec lets through and what the link needs (DHCP, neighbour discovery). */
export interface KillSwitch {
  /** Puts the kill switch of `link` in place, atomically replacing one already there for that link (so calling
   *  it again with a new spec updates it with no gap). The undo removes it and is safe to call more than once. */
  apply(link: string, spec: KillSwitchSpec): Promise<Undo>;
  /** The tunnels whose kill switch is in the system: running ones, and those a crashed helper left. */
  active(): Promise<string[]>;
  /** Removes the kill switch of `link`; resolves false when there was none. */
  remove(link: string): Promise<boolean>;
  /**
   * For `seconds`, every kill switch in place, and every one applied meanwhile, also lets through what a captive
   * portal's sign-in needs (PortalHoleSpec), routed out of the network's interface even past a full tunnel's
   * routes. It closes by itself when the time is up, even if the helper is gone by then; opening it again
   * replaces it. The undo closes it early. Rejects when no kill switch is in place.
   */
  openPortalHole(spec: PortalHoleSpec): Promise<Undo>;
}

/** What a running tunnel's helper notes (daemon/recovery.ts) so that a helper after a crash can take it back. */
export interface TunnelLeftovers {
  /** The fwmark of its UDP sockets: a full tunnel's policy rules point at the table of that number. */
  fwmark: number | null;
  dnsMethod: DnsMethod | null;
}

/** Watches the system's network configuration (a new default route, an address gained or lost, a link up or
 *  down), calling back once per burst of changes. */
export interface NetworkWatch {
  /** Resolves once changes are being watched; never rejects. */
  readonly ready: Promise<void>;
  /** Stops watching; idempotent. */
  close(): Promise<void>;
}

export interface NetworkWatchOptions {
  /** Links whose changes are not news (our own tunnel interfaces). Asked at each change. */
  ignore?: (link: string) => boolean;
  /** Watching stopped by itself: no more changes will be seen. */
  onError?: (error: Error) => void;
}

/** NetworkManager's connectivity check, as its NMConnectivityState. */
export type Connectivity = 'unknown' | 'none' | 'portal' | 'limited' | 'full';

/** The connection the machine reaches the internet through (NetworkManager's primary connection). */
export interface PrimaryNetwork {
  /** What tells this connection profile from others (NetworkManager's UUID). */
  id: string;
  /** The profile's name ("Home", "Wired connection 1"). */
  name: string;
  kind: 'wifi' | 'ethernet' | 'other';
  /** The connection's type as NetworkManager says it ("802-11-wireless", "802-3-ethernet", "vlan", "gsm", ...). */
  type: string;
  /** Its interface, when it has one. */
  device: string | null;
  /** For Wi-Fi, the network's name (shared/ipc/control.ts `ssid`); null for a hidden one without a known name. */
  ssid: string | null;
  /** Its resolvers and gateways, IPv4 and IPv6 (DHCP's, usually). */
  dnsServers: string[];
  gateways: string[];
}

/** Which network the machine is on, or why that cannot be told. */
export interface NetworkIdentity {
  /** Whether NetworkManager answers. */
  available: boolean;
  /** Why it does not, in words for the user. */
  problem: string | null;
  primary: PrimaryNetwork | null;
  connectivity: Connectivity;
}

/** Follows the network the machine is on (NetworkManager on Linux). */
export interface NetworkIdentityWatch {
  /** Resolves once the first identity is known (available or not); never rejects. */
  readonly ready: Promise<void>;
  current(): NetworkIdentity;
  /** Asks for a connectivity check now; resolves with its outcome ('unknown' when it cannot be asked). */
  checkConnectivity(): Promise<Connectivity>;
  /** Stops following; idempotent. */
  close(): Promise<void>;
}

export interface NetworkIdentityOptions {
  /** Says what went wrong along the way (a lost bus, NetworkManager restarting), for the log. */
  log?: (message: string) => void;
}

export interface Platform {
  readonly tunnels: TunnelConfigurator;
  readonly killSwitch: KillSwitch;
  watchNetwork(onChange: () => void, options?: NetworkWatchOptions): NetworkWatch;
  /** Follows which network the machine is on; onChange gets every new identity (not repeats). */
  watchNetworkIdentity(
    onChange: (identity: NetworkIdentity) => void,
    options?: NetworkIdentityOptions,
  ): NetworkIdentityWatch;
  /** After a crash: removes what a tunnel named `name` that was up left in the system (see the OS's
   *  implementation), except DNS (recoverDns). Resolves with what it removed, in words. */
  recoverTunnel(name: string, leftovers: TunnelLeftovers): Promise<string[]>;
  /** After a crash: puts back DNS settings a tunnel left behind (see the OS's implementation for what can be
   *  left). Resolves true when something was restored. */
  recoverDns(): Promise<boolean>;
  /** After a crash: removes the kill switch a tunnel named `name` left, which otherwise blocks everything but
   *  a tunnel that is gone. Resolves with what it removed, in words. */
  recoverKillSwitch(name: string): Promise<string[]>;
  /** The routing table names the system knows: a config's `Table = NAME` must be one for its routes to go in. */
  routeTableNames(): Promise<string[]>;
}

/** What `warren service install` sets up (platform/linux/service.ts: a systemd unit). */
export interface ServiceInstallOptions {
  /** The installed app to run the helper from: the Electron binary `warren` and resources/ beside it (an
   *  AppImage's mount point, or a copy of it). It is copied to a fixed place the service runs from. */
  appDirectory: string;
  /** A user to add to the helper's group, so the app may talk to the helper (from their next login). */
  user?: string;
}

export interface ServiceUninstallOptions {
  /** Also delete the stored tunnels and the helper's state, and the group. */
  purge: boolean;
}

export interface ServiceStatus {
  /** The unit file, or null when the service is not installed. */
  unitPath: string | null;
  /** What the service runs (its ExecStart), when installed. */
  command: string | null;
  /** systemd's words (is-enabled, is-active), or null when systemd is not running here. */
  enabled: string | null;
  active: string | null;
  /** The helper's group: null when it does not exist, else its members. */
  groupMembers: string[] | null;
}

/** The helper as a system service. Each call says what it did, in words, one line a step; rejects with a
 *  message for the user when a step fails (what was done before stays done and is listed in the message). */
export interface ServiceManager {
  install(options: ServiceInstallOptions): Promise<string[]>;
  uninstall(options: ServiceUninstallOptions): Promise<string[]>;
  status(): Promise<ServiceStatus>;
}
