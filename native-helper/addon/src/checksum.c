#include "checksum.h"

#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* The folded (16-bit, end-around carried) value of a 64-bit one's-complement sum; 0 only for a zero sum. */
static uint64_t fold16(uint64_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return sum;
}

/*
 * A one's-complement sum does not depend on byte order (RFC 1071, section 2(B)): the words are added as the
 * machine loads them, 32 bits at a time into 64-bit lanes, and the folded total is swapped once to big-endian at
 * the end, instead of assembling every word from its bytes. This runs over every byte of every segment the TUN's
 * offloads split or merge. A lane grows by less than 2^33 per 32 bytes, so nothing overflows below 2^35 bytes; a
 * packet is at most 64 KiB.
 */
static uint64_t sum_blocks(const uint8_t **data, size_t *len) {
  const uint8_t *p = *data;
  size_t n = *len;
#if defined(__SSE2__)
  /* x86-64's baseline: two 16-byte loads a block, each 32-bit word widened into a 64-bit lane. */
  const __m128i zero = _mm_setzero_si128();
  __m128i a = zero, b = zero;
  for (; n >= 32; p += 32, n -= 32) {
    __m128i x = _mm_loadu_si128((const __m128i *)p), y = _mm_loadu_si128((const __m128i *)(p + 16));
    a = _mm_add_epi64(a, _mm_add_epi64(_mm_unpacklo_epi32(x, zero), _mm_unpackhi_epi32(x, zero)));
    b = _mm_add_epi64(b, _mm_add_epi64(_mm_unpacklo_epi32(y, zero), _mm_unpackhi_epi32(y, zero)));
  }
  uint64_t lane[4];
  _mm_storeu_si128((__m128i *)lane, a);
  _mm_storeu_si128((__m128i *)(lane + 2), b);
#else
  uint64_t lane[4] = {0, 0, 0, 0};
  for (; n >= 32; p += 32, n -= 32) {
    uint32_t w[8];
    memcpy(w, p, sizeof w); /* any alignment */
    for (int i = 0; i < 4; i++) lane[i] += (uint64_t)w[i] + w[i + 4];
  }
#endif
  *data = p;
  *len = n;
  return fold16(lane[0]) + fold16(lane[1]) + fold16(lane[2]) + fold16(lane[3]);
}

uint64_t wio_csum_add(uint64_t sum, const uint8_t *data, size_t len) {
  uint64_t native = sum_blocks(&data, &len);
  for (; len >= 4; data += 4, len -= 4) {
    uint32_t w;
    memcpy(&w, data, sizeof w);
    native += w;
  }
  if (len >= 2) {
    uint16_t w;
    memcpy(&w, data, sizeof w);
    native += w;
    data += 2;
    len -= 2;
  }
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  if (len == 1) native += data[0]; /* the high byte of a big-endian word, padded with zero */
  native = fold16(native);
  return sum + ((native & 0xff) << 8 | native >> 8);
#else
  if (len == 1) native += (uint32_t)data[0] << 8;
  return sum + fold16(native);
#endif
}

uint64_t wio_csum_pseudo(const uint8_t *src, const uint8_t *dst, size_t addr_len, uint8_t proto, uint32_t l4_len) {
  uint64_t sum = wio_csum_add(0, src, addr_len);
  sum = wio_csum_add(sum, dst, addr_len);
  return sum + proto + l4_len;
}

uint16_t wio_csum_finish(uint64_t sum) { return (uint16_t)~fold16(sum); }
