/*
 * WireGuard messages on the wire, counted by type with nftables counters in a namespace of the test's own: what a
 * peer really received and sent, whoever's implementation it is (no capture tool needed). The first four bytes of
 * the UDP payload are the message type as a little-endian u32 (1 initiation, 2 response, 3 cookie reply, 4
 * transport); a keepalive is a 32-byte transport message (UDP length 40). The table goes with the namespace.
 */
import type { TestNamespace } from './namespace.js';

export const MESSAGE_KINDS = ['initiation', 'response', 'cookie', 'keepalive', 'transport'] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];
export type MessageCounts = Record<MessageKind, number>;

export interface WireCounts {
  /** Arriving at the namespace's WireGuard port. */
  received: MessageCounts;
  /** Leaving from it. */
  sent: MessageCounts;
}

const TABLE = 'warren_wire_count';
/** The message type as nft reads four payload bytes: big-endian, so type 1 (01 00 00 00) is 0x01000000. */
const TYPE: Record<Exclude<MessageKind, 'keepalive'>, string> = {
  initiation: '0x01000000',
  response: '0x02000000',
  cookie: '0x03000000',
  transport: '0x04000000',
};

function rules(direction: 'received' | 'sent', port: number): string[] {
  const match = direction === 'received' ? `udp dport ${port}` : `udp sport ${port}`;
  return MESSAGE_KINDS.map((kind) =>
    kind === 'keepalive'
      ? `${match} udp length 40 @th,64,32 ${TYPE.transport} counter comment "${direction} ${kind}"`
      : `${match} @th,64,32 ${TYPE[kind]} counter comment "${direction} ${kind}"`,
  );
}

const zero = (): MessageCounts => ({ initiation: 0, response: 0, cookie: 0, keepalive: 0, transport: 0 });

export class WireCounter {
  readonly #ns: TestNamespace;

  private constructor(ns: TestNamespace) {
    this.#ns = ns;
  }

  /** Counters for the WireGuard port `port` of the namespace, from zero (transport counts keepalives too). */
  static async install(ns: TestNamespace, port: number): Promise<WireCounter> {
    const text = [
      `table inet ${TABLE} {`,
      '  chain input {',
      '    type filter hook input priority 0; policy accept;',
      ...rules('received', port).map((rule) => `    ${rule}`),
      '  }',
      '  chain output {',
      '    type filter hook output priority 0; policy accept;',
      ...rules('sent', port).map((rule) => `    ${rule}`),
      '  }',
      '}',
      '',
    ].join('\n');
    await ns.exec(['nft', '-f', '-'], { stdin: text });
    return new WireCounter(ns);
  }

  /** The counts since install(). */
  async read(): Promise<WireCounts> {
    const listing = JSON.parse(await this.#ns.exec(['nft', '-j', 'list', 'table', 'inet', TABLE])) as {
      nftables: { rule?: { comment?: string; expr: { counter?: { packets: number } }[] } }[];
    };
    const counts: WireCounts = { received: zero(), sent: zero() };
    for (const { rule } of listing.nftables) {
      const [direction, kind] = (rule?.comment ?? '').split(' ') as ['received' | 'sent', MessageKind];
      const packets = rule?.expr.find((e) => e.counter !== undefined)?.counter?.packets;
      if (packets !== undefined && (direction === 'received' || direction === 'sent'))
        counts[direction][kind] = packets;
    }
    return counts;
  }

  /** The counts since `since` (an earlier read()). */
  async since(since: WireCounts): Promise<WireCounts> {
    const now = await this.read();
    const minus = (a: MessageCounts, b: MessageCounts): MessageCounts => {
      const out = zero();
      for (const kind of MESSAGE_KINDS) out[kind] = a[kind] - b[kind];
      return out;
    };
    return { received: minus(now.received, since.received), sent: minus(now.sent, since.sent) };
  }
}
