/*
 * Allowed IPs: a longest-prefix-match table from IPv4 and IPv6 prefixes to a value (a peer), as the kernel's
 * allowedips.c. Each family is a path-compressed binary trie (PATRICIA): a node holds a prefix, masked, and its
 * length; a node without a value only exists to branch, so it always has two children. Lookups walk from the
 * root comparing whole 32-bit words under the node's mask, remembering the last node with a value; they read
 * the address straight from a packet buffer and allocate nothing. A prefix belongs to one value at a time:
 * inserting it for another value moves it, as wg(8) does.
 *
 * Invariants: a child's prefix extends its parent's and its first bit past the parent's length says which
 * child it is; a node without a value has two children.
 */

import type { IpVersion } from './ip-packet.js';

export interface AllowedIp {
  family: IpVersion;
  /** 4 or 16 bytes, host bits zero. */
  address: Uint8Array;
  cidr: number;
}

class TrieNode<T> {
  /* Prefix and mask as four signed 32-bit words; IPv4 uses the first. */
  k0: number;
  k1: number;
  k2: number;
  k3: number;
  m0: number;
  m1: number;
  m2: number;
  m3: number;
  /** Word and shift of the bit just past the prefix, which chooses the child. */
  readonly branchWord: number;
  readonly branchShift: number;
  value: T | undefined;
  child0: TrieNode<T> | null = null;
  child1: TrieNode<T> | null = null;
  parent: TrieNode<T> | null = null;

  readonly family: IpVersion;
  readonly cidr: number;

  constructor(family: IpVersion, key: Int32Array, cidr: number, value: T | undefined) {
    this.family = family;
    this.cidr = cidr;
    this.m0 = maskWord(cidr, 0);
    this.m1 = maskWord(cidr, 1);
    this.m2 = maskWord(cidr, 2);
    this.m3 = maskWord(cidr, 3);
    // key is always a four-word Int32Array (AllowedIps.scratch), so words 0..3 exist.
    this.k0 = key[0]! & this.m0;
    this.k1 = key[1]! & this.m1;
    this.k2 = key[2]! & this.m2;
    this.k3 = key[3]! & this.m3;
    this.branchWord = cidr >>> 5;
    this.branchShift = 31 - (cidr & 31);
    this.value = value;
  }

  word(i: number): number {
    return i === 0 ? this.k0 : i === 1 ? this.k1 : i === 2 ? this.k2 : this.k3;
  }
}

/** Values must not be undefined: undefined is what a lookup miss returns. */
export class AllowedIps<T extends NonNullable<unknown>> {
  private root4: TrieNode<T> | null = null;
  private root6: TrieNode<T> | null = null;
  private readonly byValue = new Map<T, Set<TrieNode<T>>>();
  private readonly scratch = new Int32Array(4);

  /** Maps the prefix to `value`, taking it from whichever value held it. Host bits of the address are ignored. */
  insert(family: IpVersion, address: Uint8Array, offset: number, cidr: number, value: T): void {
    const key = this.readKey(family, address, offset, cidr);
    let parent: TrieNode<T> | null = null;
    let node = family === 4 ? this.root4 : this.root6;
    while (node !== null && node.cidr <= cidr && prefixContains(node, key)) {
      if (node.cidr === cidr) {
        this.setValue(node, value);
        return;
      }
      parent = node;
      node = bitAt(key, node.cidr) === 0 ? node.child0 : node.child1;
    }
    const fresh = new TrieNode<T>(family, key, cidr, undefined);
    this.setValue(fresh, value);
    if (node === null) {
      this.link(family, parent, fresh, parent === null ? 0 : bitAt(key, parent.cidr));
      return;
    }
    // `node` sits where the new prefix belongs without containing it: either the new prefix contains `node` and
    // becomes its parent, or the two part at `common` and a branching node joins them.
    const common = Math.min(cidr, commonPrefixLength(node, key));
    const side = parent === null ? 0 : bitAt(key, parent.cidr);
    if (common === cidr) {
      this.link(family, parent, fresh, side);
      this.link(family, fresh, node, nodeBitAt(node, cidr));
    } else {
      const branch = new TrieNode<T>(family, key, common, undefined);
      this.link(family, parent, branch, side);
      this.link(family, branch, node, nodeBitAt(node, common));
      this.link(family, branch, fresh, bitAt(key, common));
    }
  }

  /** Removes one prefix; if `owner` is given, only when that value holds it. True when something was removed. */
  remove(family: IpVersion, address: Uint8Array, offset: number, cidr: number, owner?: T): boolean {
    const key = this.readKey(family, address, offset, cidr);
    let node = family === 4 ? this.root4 : this.root6;
    while (node !== null && node.cidr <= cidr && prefixContains(node, key)) {
      if (node.cidr === cidr) {
        if (node.value === undefined || (owner !== undefined && node.value !== owner)) return false;
        this.removeNode(node);
        return true;
      }
      node = bitAt(key, node.cidr) === 0 ? node.child0 : node.child1;
    }
    return false;
  }

  /** Removes every prefix that `value` holds. */
  removeValue(value: T): void {
    const nodes = this.byValue.get(value);
    if (nodes === undefined) return;
    for (const node of [...nodes]) this.removeNode(node);
  }

  /** `value`'s prefixes, IPv4 first, then by address, then by length. */
  prefixesOf(value: T): AllowedIp[] {
    const nodes = this.byValue.get(value);
    if (nodes === undefined) return [];
    const out: AllowedIp[] = [];
    for (const node of nodes) out.push(toAllowedIp(node));
    return out.sort(compareAllowedIps);
  }

  get size(): number {
    let n = 0;
    for (const nodes of this.byValue.values()) n += nodes.size;
    return n;
  }

  /** No node left in either trie, branching nodes included: what a full removal must leave. */
  get isEmpty(): boolean {
    return this.root4 === null && this.root6 === null;
  }

  clear(): void {
    this.root4 = null;
    this.root6 = null;
    this.byValue.clear();
  }

  /**
   * The value of the longest prefix containing the address at `buf[offset]` (4 or 16 bytes, network order),
   * or undefined. The packet path: no allocation.
   */
  lookup(family: IpVersion, buf: Uint8Array, offset: number): T | undefined {
    return family === 4 ? this.lookup4(buf, offset) : this.lookup6(buf, offset);
  }

  // The caller has checked the packet holds the whole address at buf[o] (4 or 16 bytes), so the byte reads in
  // lookup4 and lookup6 are in range; `!` states that without a per-packet check.
  private lookup4(buf: Uint8Array, o: number): T | undefined {
    const w = (buf[o]! << 24) | (buf[o + 1]! << 16) | (buf[o + 2]! << 8) | buf[o + 3]!;
    let found: T | undefined = undefined;
    let node = this.root4;
    while (node !== null && ((w ^ node.k0) & node.m0) === 0) {
      if (node.value !== undefined) found = node.value;
      if (node.cidr === 32) break;
      node = ((w >>> node.branchShift) & 1) === 0 ? node.child0 : node.child1;
    }
    return found;
  }

  private lookup6(buf: Uint8Array, o: number): T | undefined {
    const w0 = (buf[o]! << 24) | (buf[o + 1]! << 16) | (buf[o + 2]! << 8) | buf[o + 3]!;
    const w1 = (buf[o + 4]! << 24) | (buf[o + 5]! << 16) | (buf[o + 6]! << 8) | buf[o + 7]!;
    const w2 = (buf[o + 8]! << 24) | (buf[o + 9]! << 16) | (buf[o + 10]! << 8) | buf[o + 11]!;
    const w3 = (buf[o + 12]! << 24) | (buf[o + 13]! << 16) | (buf[o + 14]! << 8) | buf[o + 15]!;
    let found: T | undefined = undefined;
    let node = this.root6;
    while (
      node !== null &&
      (((w0 ^ node.k0) & node.m0) |
        ((w1 ^ node.k1) & node.m1) |
        ((w2 ^ node.k2) & node.m2) |
        ((w3 ^ node.k3) & node.m3)) ===
        0
    ) {
      if (node.value !== undefined) found = node.value;
      if (node.cidr === 128) break;
      const b = node.branchWord;
      const w = b === 0 ? w0 : b === 1 ? w1 : b === 2 ? w2 : w3;
      node = ((w >>> node.branchShift) & 1) === 0 ? node.child0 : node.child1;
    }
    return found;
  }

  private readKey(family: IpVersion, address: Uint8Array, offset: number, cidr: number): Int32Array {
    if (family !== 4 && family !== 6) throw new RangeError(`unknown address family ${String(family)}`);
    const bits = family === 4 ? 32 : 128;
    if (!Number.isInteger(cidr) || cidr < 0 || cidr > bits) throw new RangeError(`invalid prefix length /${cidr}`);
    if (offset < 0 || offset + bits / 8 > address.length) throw new RangeError('address out of bounds');
    const key = this.scratch;
    key.fill(0);
    for (let i = 0; i < bits / 32; i++) {
      const o = offset + i * 4;
      key[i] = (address[o]! << 24) | (address[o + 1]! << 16) | (address[o + 2]! << 8) | address[o + 3]!;
    }
    for (let i = 0; i < 4; i++) key[i]! &= maskWord(cidr, i);
    return key;
  }

  private setValue(node: TrieNode<T>, value: T): void {
    if (node.value === value) return;
    if (node.value !== undefined) this.forget(node);
    node.value = value;
    let nodes = this.byValue.get(value);
    if (nodes === undefined) this.byValue.set(value, (nodes = new Set()));
    nodes.add(node);
  }

  private forget(node: TrieNode<T>): void {
    const value = node.value as T;
    const nodes = this.byValue.get(value);
    if (nodes === undefined) return;
    nodes.delete(node);
    if (nodes.size === 0) this.byValue.delete(value);
  }

  /** Empties a node, then unlinks it if it no longer branches, and its parent too if that only branched. */
  private removeNode(node: TrieNode<T>): void {
    this.forget(node);
    node.value = undefined;
    if (node.child0 !== null && node.child1 !== null) return;
    const child = node.child0 ?? node.child1;
    const parent = node.parent;
    this.replace(node, child);
    if (child === null && parent !== null && parent.value === undefined) {
      this.replace(parent, parent.child0 ?? parent.child1);
    }
  }

  private replace(node: TrieNode<T>, by: TrieNode<T> | null): void {
    const parent = node.parent;
    if (by !== null) by.parent = parent;
    if (parent === null) {
      if (node.family === 4) this.root4 = by;
      else this.root6 = by;
    } else if (parent.child0 === node) {
      parent.child0 = by;
    } else {
      parent.child1 = by;
    }
    node.parent = null;
  }

  private link(family: IpVersion, parent: TrieNode<T> | null, child: TrieNode<T>, side: number): void {
    child.parent = parent;
    if (parent === null) {
      if (family === 4) this.root4 = child;
      else this.root6 = child;
    } else if (side === 0) {
      parent.child0 = child;
    } else {
      parent.child1 = child;
    }
  }
}

/** Mask word `i` (0..3) of a prefix of `cidr` bits. */
function maskWord(cidr: number, i: number): number {
  const bits = cidr - i * 32;
  if (bits <= 0) return 0;
  if (bits >= 32) return -1;
  return -1 << (32 - bits);
}

/** `key` has four words and `position` is below 128 (a prefix length shorter than another), so the word exists. */
function bitAt(key: Int32Array, position: number): number {
  return (key[position >>> 5]! >>> (31 - (position & 31))) & 1;
}

function nodeBitAt(node: TrieNode<unknown>, position: number): number {
  return (node.word(position >>> 5) >>> (31 - (position & 31))) & 1;
}

function prefixContains(node: TrieNode<unknown>, key: Int32Array): boolean {
  return (
    (((key[0]! ^ node.k0) & node.m0) |
      ((key[1]! ^ node.k1) & node.m1) |
      ((key[2]! ^ node.k2) & node.m2) |
      ((key[3]! ^ node.k3) & node.m3)) ===
    0
  );
}

/** Leading bits the node's prefix shares with `key`, capped at the node's length. */
function commonPrefixLength(node: TrieNode<unknown>, key: Int32Array): number {
  for (let i = 0; i < 4; i++) {
    const diff = key[i]! ^ node.word(i);
    if (diff !== 0) return Math.min(node.cidr, i * 32 + Math.clz32(diff));
  }
  return node.cidr;
}

function toAllowedIp(node: TrieNode<unknown>): AllowedIp {
  const size = node.family === 4 ? 4 : 16;
  const address = new Uint8Array(size);
  for (let i = 0; i < size; i++) address[i] = node.word(i >>> 2) >>> (24 - 8 * (i & 3));
  return { family: node.family, address, cidr: node.cidr };
}

export function compareAllowedIps(a: AllowedIp, b: AllowedIp): number {
  if (a.family !== b.family) return a.family - b.family;
  // One family means one address length (4 or 16 bytes), so b.address[i] exists wherever a.address[i] does.
  for (let i = 0; i < a.address.length; i++) {
    if (a.address[i] !== b.address[i]) return a.address[i]! - b.address[i]!;
  }
  return a.cidr - b.cidr;
}
