/*
 * Test support: seeded randomness (SplitMix32), so keys, indices, ephemerals and jitter are the same in every
 * run and a failing test replays exactly. Never for production: it is predictable by design.
 */

export function seededRandom(seed: number): (buf: Uint8Array) => void {
  let state = seed | 0;
  return (buf) => {
    for (let i = 0; i < buf.length; i += 4) {
      state = (state + 0x9e3779b9) | 0;
      let z = state;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      z ^= z >>> 16;
      for (let j = 0; j < 4 && i + j < buf.length; j++) buf[i + j] = z >>> (8 * j);
    }
  };
}

/** A number in [0, 1) from the same generator, for network conditions. */
export function seededUniform(seed: number): () => number {
  const fill = seededRandom(seed);
  const word = new Uint8Array(4);
  return () => {
    fill(word);
    // word is a fixed four-byte array.
    return ((word[0]! | (word[1]! << 8) | (word[2]! << 16) | (word[3]! << 24)) >>> 0) / 0x1_0000_0000;
  };
}
