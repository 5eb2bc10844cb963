// WireGuard keys as text: canonical base64 of exactly 32 bytes, 44 characters ending in one `=`. The rules are
// those of wireguard-tools' key_from_base64: the 43rd character carries 4 bits of key and 2 padding bits, which
// must be zero, so of two spellings of the same key only the canonical one is accepted.

export const KEY_BYTES = 32;
export const KEY_BASE64_LENGTH = 44;

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DECODE = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i;

function sextet(text: string, index: number): number {
  const code = text.charCodeAt(index);
  return code < 128 ? DECODE[code]! : -1;
}

/** Why `text` is not a key, or null when it is one. The message quotes no key material. */
export function keyError(text: string): string | null {
  if (text.length !== KEY_BASE64_LENGTH) {
    return `must be 44 characters of base64 (32 bytes), found ${text.length} characters`;
  }
  if (text[43] !== '=') return 'must end with `=` (44 characters of base64 encoding 32 bytes)';
  for (let i = 0; i < 43; i++) {
    if (sextet(text, i) < 0) {
      const c = text[i];
      const hint = c === '-' || c === '_' ? ' (URL-safe base64 is not accepted; use `+` and `/`)' : '';
      return `contains \`${c}\`, which is not a base64 character${hint}`;
    }
  }
  if ((sextet(text, 42) & 3) !== 0) {
    return 'is not canonical base64: the character before `=` must be one of A E I M Q U Y c g k o s w 0 4 8';
  }
  return null;
}

export function isValidKey(text: string): boolean {
  return keyError(text) === null;
}

export function decodeKey(text: string): Uint8Array | null {
  if (!isValidKey(text)) return null;
  const key = new Uint8Array(KEY_BYTES);
  let bits = 0;
  let count = 0;
  let out = 0;
  for (let i = 0; i < 43; i++) {
    bits = (bits << 6) | sextet(text, i);
    count += 6;
    if (count >= 8) {
      count -= 8;
      key[out++] = (bits >> count) & 0xff;
    }
  }
  return key;
}

export function encodeKey(key: Uint8Array): string {
  if (key.length !== KEY_BYTES) throw new RangeError(`a key is ${KEY_BYTES} bytes, got ${key.length}`);
  // Every index below is in range: the key has 32 bytes, and a sextet (0 to 63) picks one of 64 characters.
  const letter = (index: number) => ALPHABET.charAt(index);
  let text = '';
  for (let i = 0; i < 30; i += 3) {
    const n = (key[i]! << 16) | (key[i + 1]! << 8) | key[i + 2]!;
    text += letter(n >> 18) + letter((n >> 12) & 63) + letter((n >> 6) & 63) + letter(n & 63);
  }
  const n = (key[30]! << 16) | (key[31]! << 8);
  return text + letter(n >> 18) + letter((n >> 12) & 63) + letter((n >> 6) & 63) + '=';
}

/** An all-zero key: wg treats a zero private key as "remove the key", and no peer has a zero public key. */
export function isZeroKey(text: string): boolean {
  const key = decodeKey(text);
  return key !== null && key.every((b) => b === 0);
}
