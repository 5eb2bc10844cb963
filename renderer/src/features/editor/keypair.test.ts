import { describe, expect, it } from 'vitest';
import { decodeKey, encodeKey } from '../../../../shared/config/index.js';
import { generateKeypair, publicKeyOf, withPrivateKey } from './keypair.js';

const hex = (h: string) => Uint8Array.from(h.match(/../g)!.map((b) => parseInt(b, 16)));
// RFC 7748 section 6.1: Alice's private key and public key.
const ALICE_PRIVATE = hex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
const ALICE_PUBLIC = encodeKey(hex('8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a'));
const KEY = 'BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=';

describe('key pairs', () => {
  it('derives the X25519 public key (RFC 7748 vector) and stores the private key clamped, as wg genkey does', () => {
    const pair = generateKeypair(() => Uint8Array.from(ALICE_PRIVATE));
    expect(pair.publicKey).toBe(ALICE_PUBLIC);
    const secret = decodeKey(pair.privateKey)!;
    expect(secret[0]! & 7).toBe(0);
    expect(secret[31]! & 0xc0).toBe(0x40);
    expect(publicKeyOf(pair.privateKey)).toBe(ALICE_PUBLIC);
  });

  it('draws fresh random bytes for each pair and wipes them', () => {
    const drawn: Uint8Array[] = [];
    const random = (n: number) => {
      const bytes = crypto.getRandomValues(new Uint8Array(n));
      drawn.push(bytes);
      return bytes;
    };
    const a = generateKeypair(random);
    const b = generateKeypair(random);
    expect(a.privateKey).not.toBe(b.privateKey);
    expect(drawn.every((bytes) => bytes.every((x) => x === 0))).toBe(true);
    expect(generateKeypair().privateKey).not.toBe(generateKeypair().privateKey);
  });

  it('has no public key for what is not a key', () => {
    expect(publicKeyOf('(hidden)')).toBeNull();
    expect(publicKeyOf('')).toBeNull();
  });
});

describe('withPrivateKey', () => {
  it('puts the key first in [Interface] when there is none', () => {
    expect(withPrivateKey('# mine\n[Interface]\nAddress = 10.0.0.2/32\n', KEY)).toBe(
      `# mine\n[Interface]\nPrivateKey = ${KEY}\nAddress = 10.0.0.2/32\n`,
    );
    expect(withPrivateKey('', KEY)).toBe(`[Interface]\nPrivateKey = ${KEY}\n`);
  });

  it('replaces the hidden key or a written one, and only that line, keeping CRLF endings', () => {
    const text = '[Interface]\r\nAddress = 10.0.0.2/32\r\nPrivateKey = (hidden)\r\n\r\n[Peer]\r\nPublicKey = x\r\n';
    expect(withPrivateKey(text, KEY)).toBe(text.replace('(hidden)', KEY));
    const written = `[Interface]\nPrivateKey = ${'A'.repeat(43)}=  # old\n`;
    expect(withPrivateKey(written, KEY)).toBe(`[Interface]\nPrivateKey = ${KEY}\n`);
  });
});
