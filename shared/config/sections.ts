// One [Interface] or [Peer] section being read: each `Key = value` is checked and stored with its line, every
// problem goes to the sink, and reading goes on, so one pass reports everything.
import { quote } from './diagnostics.js';
import { parseEndpoint } from './endpoint.js';
import { keyError } from './keys.js';
import { parseAddressList, parseAllowedIpsList, parseDnsList, type ListItem } from './lists.js';
import type { InterfaceConfig, InterfaceLines, PeerConfig, PeerLines } from './model.js';
import { REPEATABLE, UNSET_WHEN_EMPTY } from './schema.js';
import { parseBool, parseFwMark, parseKeepalive, parseListenPort, parseMtu, parseTable } from './values.js';
import type { Parsed } from './ip.js';

export interface Sink {
  error(line: number, message: string): void;
  warning(line: number, message: string): void;
}

export interface Entry {
  line: number;
  /** canonical spelling */
  key: string;
  value: string;
  rawValue: string;
}

export interface InterfaceState {
  config: InterfaceConfig;
  lines: InterfaceLines;
  /** first line of each key, valid or not: for duplicate and missing-key checks */
  seen: Map<string, number>;
}

export interface PeerState {
  config: PeerConfig;
  lines: PeerLines;
  seen: Map<string, number>;
}

export function newInterface(section: number): InterfaceState {
  return {
    config: {
      privateKey: '',
      addresses: [],
      dns: [],
      dnsSearch: [],
      preUp: [],
      postUp: [],
      preDown: [],
      postDown: [],
      saveConfig: false,
    },
    lines: { section, addresses: [], dns: [], dnsSearch: [], preUp: [], postUp: [], preDown: [], postDown: [] },
    seen: new Map(),
  };
}

export function newPeer(section: number): PeerState {
  return { config: { publicKey: '', allowedIps: [] }, lines: { section, allowedIps: [] }, seen: new Map() };
}

/** Marks the key seen; false when it may not be given again (an error) or its value is empty (an error, or for
 *  wg-quick's keys a warning: they are then not set). */
function admit(seen: Map<string, number>, entry: Entry, section: string, value: string, sink: Sink): boolean {
  const first = seen.get(entry.key);
  if (first === undefined) seen.set(entry.key, entry.line);
  else if (!REPEATABLE.has(entry.key)) {
    sink.error(
      entry.line,
      `duplicate \`${entry.key}\` in [${section}] (first given on line ${first}); it may appear only once`,
    );
    return false;
  }
  if (value !== '') return true;
  if (UNSET_WHEN_EMPTY.has(entry.key)) {
    sink.warning(entry.line, `\`${entry.key}\` is empty: wg-quick reads that as not set, and so does Warren`);
  } else {
    const refuser = entry.key === 'SaveConfig' ? 'wg-quick' : 'wg';
    const required = entry.key === 'PrivateKey' || entry.key === 'PublicKey';
    sink.error(
      entry.line,
      `\`${entry.key}\` has an empty value, which ${refuser} refuses${required ? '' : '; remove the line to leave it unset'}`,
    );
  }
  return false;
}

function take<T>(parsed: Parsed<T>, line: number, sink: Sink, store: (value: T) => void): void {
  if (parsed.ok) store(parsed.value);
  else sink.error(line, parsed.error);
}

function takeEach<T>(items: ListItem<T>[], line: number, sink: Sink, store: (value: T) => void): void {
  // `a,,,,,b` is one mistake, not four.
  const reported = new Set<string>();
  const once = (message: string, report: (line: number, message: string) => void) => {
    if (!reported.has(message)) report(line, message);
    reported.add(message);
  };
  for (const item of items) {
    if (item.ok === false) {
      once(item.error, (l, m) => sink.error(l, m));
    } else if (item.ok === 'skip') {
      once(item.warning, (l, m) => sink.warning(l, m));
    } else {
      if (item.warning !== undefined) sink.warning(line, item.warning);
      store(item.value);
    }
  }
}

function takeKey(entry: Entry, sink: Sink, store: (key: string) => void): void {
  const problem = keyError(entry.value);
  if (problem === null) store(entry.value);
  else sink.error(entry.line, `${entry.key} ${problem}`);
}

export function applyInterfaceEntry(state: InterfaceState, entry: Entry, sink: Sink): void {
  const isHook = entry.key === 'PreUp' || entry.key === 'PostUp' || entry.key === 'PreDown' || entry.key === 'PostDown';
  if (!admit(state.seen, entry, 'Interface', isHook ? entry.rawValue : entry.value, sink)) return;
  const { config, lines } = state;
  const { line, value } = entry;
  switch (entry.key) {
    case 'PrivateKey':
      return takeKey(entry, sink, (key) => {
        config.privateKey = key;
        lines.privateKey = line;
      });
    case 'ListenPort':
      return take(parseListenPort(value), line, sink, (port) => {
        config.listenPort = port;
        lines.listenPort = line;
      });
    case 'FwMark':
      return take(parseFwMark(value), line, sink, (mark) => {
        config.fwMark = mark;
        lines.fwMark = line;
      });
    case 'Address':
      return takeEach(parseAddressList(value), line, sink, (address) => {
        config.addresses.push(address);
        lines.addresses.push(line);
      });
    case 'DNS':
      return takeEach(parseDnsList(value), line, sink, (dns) => {
        if (dns.kind === 'server') {
          config.dns.push(dns.address);
          lines.dns.push(line);
        } else {
          config.dnsSearch.push(dns.domain);
          lines.dnsSearch.push(line);
        }
      });
    case 'MTU':
      return take(parseMtu(value), line, sink, (mtu) => {
        config.mtu = mtu;
        lines.mtu = line;
      });
    case 'Table':
      return take(parseTable(value), line, sink, (table) => {
        config.table = table;
        lines.table = line;
      });
    case 'PreUp':
      config.preUp.push(entry.rawValue);
      lines.preUp.push(line);
      return;
    case 'PostUp':
      config.postUp.push(entry.rawValue);
      lines.postUp.push(line);
      return;
    case 'PreDown':
      config.preDown.push(entry.rawValue);
      lines.preDown.push(line);
      return;
    case 'PostDown':
      config.postDown.push(entry.rawValue);
      lines.postDown.push(line);
      return;
    case 'SaveConfig':
      return take(parseBool('SaveConfig', value), line, sink, (on) => {
        config.saveConfig = on;
        lines.saveConfig = line;
      });
    default:
      throw new Error(`unhandled [Interface] key ${quote(entry.key)}`);
  }
}

export function applyPeerEntry(state: PeerState, entry: Entry, sink: Sink): void {
  if (!admit(state.seen, entry, 'Peer', entry.value, sink)) return;
  const { config, lines } = state;
  const { line, value } = entry;
  switch (entry.key) {
    case 'PublicKey':
      return takeKey(entry, sink, (key) => {
        config.publicKey = key;
        lines.publicKey = line;
      });
    case 'PresharedKey':
      return takeKey(entry, sink, (key) => {
        config.presharedKey = key;
        lines.presharedKey = line;
      });
    case 'AllowedIPs':
      return takeEach(parseAllowedIpsList(value), line, sink, (prefix) => {
        config.allowedIps.push(prefix);
        lines.allowedIps.push(line);
      });
    case 'Endpoint':
      return take(parseEndpoint(value), line, sink, (endpoint) => {
        config.endpoint = endpoint;
        lines.endpoint = line;
      });
    case 'PersistentKeepalive':
      return take(parseKeepalive(value), line, sink, (seconds) => {
        config.persistentKeepalive = seconds;
        lines.persistentKeepalive = line;
      });
    default:
      throw new Error(`unhandled [Peer] key ${quote(entry.key)}`);
  }
}
