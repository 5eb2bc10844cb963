// The wg-quick configuration model: what a `.conf` file says, typed. It crosses every process boundary
// (helper <-> main <-> renderer), so it is plain JSON-serialisable data: keys stay base64 text, addresses
// stay canonical text with their prefix.

/** An IP address with a prefix length: an Address (host address plus subnet) or an AllowedIPs entry. */
export interface IpPrefix {
  family: 4 | 6;
  /** Canonical text of the address (IPv4 dotted quad, IPv6 RFC 5952 compressed lowercase). */
  address: string;
  prefix: number;
}

/** `host:port`; host is an IPv4 address, an IPv6 address (kept without brackets) or a hostname. */
export interface Endpoint {
  host: string;
  port: number;
}

export interface InterfaceConfig {
  /** base64 of 32 bytes */
  privateKey: string;
  listenPort?: number;
  /** 0 means off (`FwMark = off`); absent means not written. */
  fwMark?: number;
  addresses: IpPrefix[];
  /** DNS entries that are IP addresses: the resolvers. */
  dns: string[];
  /** DNS entries that are not IP addresses: search domains. */
  dnsSearch: string[];
  mtu?: number;
  /** `off`, `auto`, a table number or a table name, as written. */
  table?: string;
  preUp: string[];
  postUp: string[];
  preDown: string[];
  postDown: string[];
  saveConfig: boolean;
}

export interface PeerConfig {
  /** base64 of 32 bytes */
  publicKey: string;
  /** base64 of 32 bytes */
  presharedKey?: string;
  allowedIps: IpPrefix[];
  endpoint?: Endpoint;
  /** seconds; 0 or absent means off */
  persistentKeepalive?: number;
}

export interface TunnelConfig {
  interface: InterfaceConfig;
  peers: PeerConfig[];
}

/** A finding about a config, on the 1-based line it concerns. */
export interface Diagnostic {
  severity: 'error' | 'warning';
  line: number;
  message: string;
}

/** Where each value of a TunnelConfig was written: 1-based lines, arrays parallel to the config's arrays (two
 *  entries from one comma list share a line). Lets findings about a parsed config point into its file. */
export interface InterfaceLines {
  section: number;
  privateKey?: number;
  listenPort?: number;
  fwMark?: number;
  addresses: number[];
  dns: number[];
  dnsSearch: number[];
  mtu?: number;
  table?: number;
  preUp: number[];
  postUp: number[];
  preDown: number[];
  postDown: number[];
  saveConfig?: number;
}

export interface PeerLines {
  section: number;
  publicKey?: number;
  presharedKey?: number;
  allowedIps: number[];
  endpoint?: number;
  persistentKeepalive?: number;
}

export interface ConfigLines {
  interface: InterfaceLines;
  peers: PeerLines[];
}

export type ParseResult =
  | { ok: true; config: TunnelConfig; warnings: Diagnostic[]; lines: ConfigLines }
  | { ok: false; errors: Diagnostic[]; warnings: Diagnostic[] };
