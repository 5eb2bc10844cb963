/*
 * The data path's ChaCha20-Poly1305 from the system's OpenSSL, through the warren_io addon (addon/src/aead.c,
 * which says why: about twice libsodium's speed for a full-sized packet), and sodium-native for everything else.
 *
 * Only the transport case goes native: sealing or opening in place (out === src, same offset) with no associated
 * data, as the engine does for every data packet, and with offsets rather than views, so nothing is allocated.
 * Handshake messages (associated data, separate output) keep sodium's calls: a few per session, not worth a
 * second path through the addon.
 */
import { loadAddon } from '../io/addon.js';
import type { CryptoPrimitives } from './primitives.js';
import { createSodiumCrypto } from './sodium.js';

/** Throws when the addon or libcrypto.so.3 is missing (loadCrypto then keeps sodium). */
export function createOpensslCrypto(): CryptoPrimitives {
  const addon = loadAddon();
  addon.aeadBackend();
  const sodium = createSodiumCrypto();
  return {
    ...sodium,
    name: 'openssl',

    seal(out, outOffset, key, counter, src, srcOffset, length, ad) {
      if (out !== src || outOffset !== srcOffset || (ad !== undefined && ad !== null)) {
        return sodium.seal(out, outOffset, key, counter, src, srcOffset, length, ad);
      }
      addon.chachaSeal(out, outOffset, length, key, counter);
      return length + 16;
    },

    open(out, outOffset, key, counter, src, srcOffset, length, ad) {
      if (out !== src || outOffset !== srcOffset || (ad !== undefined && ad !== null)) {
        return sodium.open(out, outOffset, key, counter, src, srcOffset, length, ad);
      }
      return addon.chachaOpen(out, outOffset, length, key, counter) ? length - 16 : -1;
    },

    forgetKeys() {
      addon.aeadForget();
    },
  };
}

/** What seals the data path's packets: OpenSSL's version line. Throws when it cannot be loaded. */
export function opensslVersion(): string {
  return loadAddon().aeadBackend();
}
