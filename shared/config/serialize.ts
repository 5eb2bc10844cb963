// TunnelConfig to canonical wg-quick text: [Interface] then each [Peer], keys in one fixed order and spelling,
// lists on one line, a blank line between sections, a final newline. parseConfig reads it back to the same
// model. renderConfig also says on which line each value landed, so findings about a config built in the UI
// can point into the text the user will see.
//
// The model's strings come from a parser or from a UI: a value holding a line break or `#` would smuggle extra
// lines (a key, a section, a hook) into the file, so such a model is refused with a RangeError.
import { formatEndpoint } from './endpoint.js';
import { formatPrefix } from './ip.js';
import type { ConfigLines, InterfaceLines, PeerLines, TunnelConfig } from './model.js';

function checkValue(key: string, value: string, isHook = false): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what it refuses
  if (/[\x00-\x08\x0a-\x1f\x7f]/.test(value) || (!isHook && value.includes('#'))) {
    const why = 'it holds a line break, a control character or `#`';
    throw new RangeError(`${key} value cannot be written to a config file (${why}): ${JSON.stringify(value)}`);
  }
  if (value === '' || /^[ \t]|[ \t]$/.test(value)) {
    throw new RangeError(`${key} value is empty or has blanks around it, which a reader would drop`);
  }
  return value;
}

class Writer {
  readonly out: string[] = [];

  /** Writes `Key = value` and returns its 1-based line. */
  put(key: string, value: string, isHook = false): number {
    this.out.push(`${key} = ${checkValue(key, value, isHook)}`);
    return this.out.length;
  }

  header(name: string): number {
    if (this.out.length > 0) this.out.push('');
    this.out.push(`[${name}]`);
    return this.out.length;
  }
}

export function renderConfig(config: TunnelConfig): { text: string; lines: ConfigLines } {
  const w = new Writer();
  const i = config.interface;
  const il: InterfaceLines = {
    section: w.header('Interface'),
    addresses: [],
    dns: [],
    dnsSearch: [],
    preUp: [],
    postUp: [],
    preDown: [],
    postDown: [],
  };
  il.privateKey = w.put('PrivateKey', i.privateKey);
  if (i.listenPort !== undefined) il.listenPort = w.put('ListenPort', String(i.listenPort));
  // wg showconf's spelling; 0 is written as `off` so that an explicit `FwMark = off` survives a round trip.
  if (i.fwMark !== undefined) il.fwMark = w.put('FwMark', i.fwMark === 0 ? 'off' : `0x${i.fwMark.toString(16)}`);
  if (i.addresses.length > 0) {
    const line = w.put('Address', i.addresses.map(formatPrefix).join(', '));
    il.addresses = i.addresses.map(() => line);
  }
  if (i.dns.length + i.dnsSearch.length > 0) {
    const line = w.put('DNS', [...i.dns, ...i.dnsSearch].join(', '));
    il.dns = i.dns.map(() => line);
    il.dnsSearch = i.dnsSearch.map(() => line);
  }
  if (i.mtu !== undefined) il.mtu = w.put('MTU', String(i.mtu));
  if (i.table !== undefined) il.table = w.put('Table', i.table);
  il.preUp = i.preUp.map((hook) => w.put('PreUp', hook, true));
  il.postUp = i.postUp.map((hook) => w.put('PostUp', hook, true));
  il.preDown = i.preDown.map((hook) => w.put('PreDown', hook, true));
  il.postDown = i.postDown.map((hook) => w.put('PostDown', hook, true));
  if (i.saveConfig) il.saveConfig = w.put('SaveConfig', 'true');

  const peers: PeerLines[] = config.peers.map((p) => {
    const pl: PeerLines = { section: w.header('Peer'), allowedIps: [] };
    pl.publicKey = w.put('PublicKey', p.publicKey);
    if (p.presharedKey !== undefined) pl.presharedKey = w.put('PresharedKey', p.presharedKey);
    if (p.allowedIps.length > 0) {
      const line = w.put('AllowedIPs', p.allowedIps.map(formatPrefix).join(', '));
      pl.allowedIps = p.allowedIps.map(() => line);
    }
    if (p.endpoint !== undefined) pl.endpoint = w.put('Endpoint', formatEndpoint(p.endpoint));
    if (p.persistentKeepalive !== undefined) {
      pl.persistentKeepalive = w.put(
        'PersistentKeepalive',
        p.persistentKeepalive === 0 ? 'off' : String(p.persistentKeepalive),
      );
    }
    return pl;
  });

  return { text: w.out.join('\n') + '\n', lines: { interface: il, peers } };
}

export function serializeConfig(config: TunnelConfig): string {
  return renderConfig(config).text;
}
