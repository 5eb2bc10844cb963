// An endpoint (IP address and UDP port) in the fixed 24-byte form the addon reads and writes for every datagram:
//
//   [0] family, 4 or 6   [1] 0   [2..3] port, big-endian   [4..7] IPv6 scope id, little-endian
//   [8..23] address: IPv4 in the first 4 bytes and zeros after, or the 16 IPv6 bytes
//
// Equal endpoints are equal bytes, so comparing one in a batch with a known Endpoint (`matches`) or hashing it
// needs no parsing and no allocation. An Endpoint object is made only when one is new (EndpointTable interns).
import { addressFromBytes, addressToBytes, formatIpAddress, parseIpAddress } from '../../shared/config/ip.js';
import { ENDPOINT_SIZE } from '../engine/endpoint.js';

// The layout is the engine's (engine/endpoint.ts), which receives these records from every batch.
export { ENDPOINT_SIZE };
export type IpFamily = 4 | 6;

export class Endpoint {
  /** The 24 bytes; never changed after construction. */
  readonly bytes: Uint8Array;
  #text: string | undefined;

  private constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }

  /** Copies the endpoint at view[offset, offset + 24). */
  static fromBytes(view: Uint8Array, offset = 0): Endpoint {
    const family = view[offset];
    if (family !== 4 && family !== 6) throw new RangeError(`endpoint family byte is ${family}, not 4 or 6`);
    return new Endpoint(view.slice(offset, offset + ENDPOINT_SIZE));
  }

  /** `192.0.2.1:51820`, `[2001:db8::1]:51820`, `[fe80::1%3]:51820` (numeric scope id only). */
  static parse(text: string): Endpoint {
    const bracketed = /^\[([^\]%]+)(?:%([0-9]+))?\]:([0-9]{1,5})$/.exec(text);
    if (bracketed !== null) return Endpoint.of(bracketed[1], Number(bracketed[3]), Number(bracketed[2] ?? 0));
    const plain = /^([0-9.]+):([0-9]{1,5})$/.exec(text);
    if (plain !== null) return Endpoint.of(plain[1], Number(plain[2]));
    throw new SyntaxError(`not an endpoint: ${JSON.stringify(text)} (want address:port or [address]:port)`);
  }

  static of(address: string, port: number, scopeId = 0): Endpoint {
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`port ${port} is outside 0-65535`);
    const bytes = new Uint8Array(ENDPOINT_SIZE);
    const parsed = parseIpAddress(address);
    if (!parsed.ok || address.includes('%')) throw new SyntaxError(`not an IP address: ${JSON.stringify(address)}`);
    const family = parsed.value.family;
    bytes[0] = family;
    bytes[2] = port >> 8;
    bytes[3] = port & 0xff;
    if (family === 6) new DataView(bytes.buffer).setUint32(4, scopeId >>> 0, true);
    bytes.set(addressToBytes(parsed.value), 8);
    return new Endpoint(bytes);
  }

  get family(): IpFamily {
    return this.bytes[0] as IpFamily;
  }

  get port(): number {
    return (this.bytes[2] << 8) | this.bytes[3];
  }

  get scopeId(): number {
    return new DataView(this.bytes.buffer, this.bytes.byteOffset).getUint32(4, true);
  }

  /** The address bytes alone (4 or 16), e.g. for a cookie MAC over the source address. */
  get addressBytes(): Uint8Array {
    return this.bytes.subarray(8, this.family === 4 ? 12 : 24);
  }

  get address(): string {
    return formatIpAddress(addressFromBytes(this.family, this.bytes, 8));
  }

  /** Whether the endpoint at view[offset] is this one; allocates nothing. */
  matches(view: Uint8Array, offset: number): boolean {
    const bytes = this.bytes;
    for (let i = 0; i < ENDPOINT_SIZE; i++) if (view[offset + i] !== bytes[i]) return false;
    return true;
  }

  equals(other: Endpoint): boolean {
    return other === this || this.matches(other.bytes, 0);
  }

  writeTo(view: Uint8Array, offset: number): void {
    view.set(this.bytes, offset);
  }

  toString(): string {
    if (this.#text === undefined) {
      const scope = this.scopeId === 0 ? '' : `%${this.scopeId}`;
      this.#text = this.family === 4 ? `${this.address}:${this.port}` : `[${this.address}${scope}]:${this.port}`;
    }
    return this.#text;
  }
}

/** FNV-1a over the 24 bytes at view[offset], as a non-negative 31-bit integer. */
export function endpointHash(view: Uint8Array, offset: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < ENDPOINT_SIZE; i++) hash = Math.imul(hash ^ view[offset + i], 0x01000193);
  return hash >>> 1;
}
