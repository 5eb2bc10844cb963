import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AUTH_TAG_SIZE, MESSAGE_TYPE_INVALID, PADDING_MULTIPLE } from './constants.js';
import {
  COOKIE_REPLY,
  COUNTER_SATURATED,
  INITIATION,
  RESPONSE,
  TRANSPORT,
  messageType,
  paddingLength,
  readI32LE,
  readU32LE,
  readU64LE,
  transportMessageSize,
  writeTransportHeader,
  writeU32LE,
  writeU64LE,
} from './messages.js';

function datagram(type: number, length: number, at = 0): Uint8Array {
  const buf = new Uint8Array(at + length);
  if (length >= 4) writeU32LE(buf, at, type);
  return buf;
}

describe('layouts', () => {
  it('tile each message without gaps', () => {
    expect(INITIATION.ephemeral + 32).toBe(INITIATION.encryptedStatic);
    expect(INITIATION.encryptedStatic + INITIATION.encryptedStaticSize).toBe(INITIATION.encryptedTimestamp);
    expect(INITIATION.encryptedTimestamp + INITIATION.encryptedTimestampSize).toBe(INITIATION.mac1);
    expect(INITIATION.mac2 + 16).toBe(INITIATION.size);
    expect(RESPONSE.ephemeral + 32).toBe(RESPONSE.encryptedNothing);
    expect(RESPONSE.encryptedNothing + RESPONSE.encryptedNothingSize).toBe(RESPONSE.mac1);
    expect(RESPONSE.mac2 + 16).toBe(RESPONSE.size);
    expect(COOKIE_REPLY.nonce + 24).toBe(COOKIE_REPLY.encryptedCookie);
    expect(COOKIE_REPLY.encryptedCookie + COOKIE_REPLY.encryptedCookieSize).toBe(COOKIE_REPLY.size);
    expect(TRANSPORT.counter + 8).toBe(TRANSPORT.content);
  });
});

describe('messageType', () => {
  it('accepts each handshake message only at its exact size', () => {
    for (const [type, size] of [
      [1, 148],
      [2, 92],
      [3, 64],
    ] as const) {
      expect(messageType(datagram(type, size), 0, size)).toBe(type);
      expect(messageType(datagram(type, size - 1), 0, size - 1)).toBe(MESSAGE_TYPE_INVALID);
      expect(messageType(datagram(type, size + 1), 0, size + 1)).toBe(MESSAGE_TYPE_INVALID);
    }
  });

  it('accepts transport messages from keepalive size up to the largest UDP payload', () => {
    expect(messageType(datagram(4, 32), 0, 32)).toBe(4);
    expect(messageType(datagram(4, 31), 0, 31)).toBe(MESSAGE_TYPE_INVALID);
    expect(messageType(datagram(4, 1500), 0, 1500)).toBe(4);
    expect(messageType(datagram(4, 65_535), 0, 65_535)).toBe(4);
    expect(messageType(datagram(4, 65_536), 0, 65_536)).toBe(MESSAGE_TYPE_INVALID);
  });

  it('rejects unknown types, nonzero reserved bytes and runts', () => {
    expect(messageType(datagram(0, 148), 0, 148)).toBe(MESSAGE_TYPE_INVALID);
    expect(messageType(datagram(5, 148), 0, 148)).toBe(MESSAGE_TYPE_INVALID);
    expect(messageType(datagram(0x0101, 148), 0, 148)).toBe(MESSAGE_TYPE_INVALID);
    expect(messageType(datagram(0x01000001, 148), 0, 148)).toBe(MESSAGE_TYPE_INVALID);
    expect(messageType(new Uint8Array([4, 0, 0]), 0, 3)).toBe(MESSAGE_TYPE_INVALID);
  });

  it('reads at an offset and trusts len, not the buffer size', () => {
    const buf = datagram(1, 148, 10);
    expect(messageType(buf, 10, 148)).toBe(1);
    const big = new Uint8Array(300);
    writeU32LE(big, 7, 2);
    expect(messageType(big, 7, 92)).toBe(2);
  });
});

describe('integers', () => {
  it('reads and writes u32 little-endian', () => {
    const buf = new Uint8Array(6);
    writeU32LE(buf, 1, 0xdeadbeef);
    expect([...buf]).toEqual([0, 0xef, 0xbe, 0xad, 0xde, 0]);
    expect(readU32LE(buf, 1)).toBe(0xdeadbeef);
  });

  it('reads the same four bytes as an int32, agreeing with DataView', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (value) => {
        const buf = new Uint8Array(7);
        writeU32LE(buf, 3, value);
        expect(readI32LE(buf, 3)).toBe(new DataView(buf.buffer).getInt32(3, true));
        expect(readI32LE(buf, 3) >>> 0).toBe(readU32LE(buf, 3));
      }),
    );
  });

  it('round-trips u64 counters below 2^53 exactly, agreeing with DataView', () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), fc.nat(8), (value, off) => {
        const buf = new Uint8Array(16);
        writeU64LE(buf, off, value);
        expect(new DataView(buf.buffer).getBigUint64(off, true)).toBe(BigInt(value));
        expect(readU64LE(buf, off)).toBe(value);
      }),
    );
  });

  it('saturates counters of 2^53 and above', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n << 53n, max: (1n << 64n) - 1n }), (value) => {
        const buf = new Uint8Array(8);
        new DataView(buf.buffer).setBigUint64(0, value, true);
        expect(readU64LE(buf, 0)).toBe(COUNTER_SATURATED);
      }),
    );
    const buf = new Uint8Array(8);
    new DataView(buf.buffer).setBigUint64(0, (1n << 53n) - 1n, true);
    expect(readU64LE(buf, 0)).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('writes the transport header', () => {
    const buf = new Uint8Array(18);
    writeTransportHeader(buf, 2, 0x01020304, 0x0000_0506_0708_090a);
    expect([...buf.subarray(2)]).toEqual([4, 0, 0, 0, 4, 3, 2, 1, 0x0a, 9, 8, 7, 6, 5, 0, 0]);
  });
});

describe('paddingLength', () => {
  it('pads to a multiple of 16', () => {
    expect(paddingLength(0, 1420)).toBe(0);
    expect(paddingLength(1, 1420)).toBe(15);
    expect(paddingLength(16, 1420)).toBe(0);
    expect(paddingLength(17, 1420)).toBe(15);
  });

  it('never pads past the MTU', () => {
    expect(paddingLength(1415, 1420)).toBe(5);
    expect(paddingLength(1420, 1420)).toBe(0);
    expect(paddingLength(1409, 1420)).toBe(11);
  });

  it('pads without bound when the MTU is unknown', () => {
    expect(paddingLength(1415, 0)).toBe(9);
  });

  it('follows the kernel for packets above the MTU', () => {
    // 1500 % 1420 = 80, already a multiple of 16
    expect(paddingLength(1500, 1420)).toBe(0);
    // 1430 % 1420 = 10
    expect(paddingLength(1430, 1420)).toBe(6);
  });

  it('holds its invariants for any length and MTU', () => {
    fc.assert(
      fc.property(fc.nat(70_000), fc.integer({ min: 1, max: 70_000 }), (length, mtu) => {
        const pad = paddingLength(length, mtu);
        expect(pad).toBeGreaterThanOrEqual(0);
        expect(pad).toBeLessThan(PADDING_MULTIPLE);
        if (length <= mtu) {
          expect(length + pad).toBeLessThanOrEqual(mtu);
          if (length + pad < mtu) expect((length + pad) % PADDING_MULTIPLE).toBe(0);
        }
      }),
    );
  });

  it('sizes a transport message', () => {
    expect(transportMessageSize(0)).toBe(32);
    expect(transportMessageSize(1408)).toBe(16 + 1408 + AUTH_TAG_SIZE);
  });
});
