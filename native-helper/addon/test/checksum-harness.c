/* Checks checksum.c's word-at-a-time sum against the definition, for native-helper/io/checksum.test.ts, which
 * builds it under AddressSanitizer and UBSan, optimised as the addon is, and (on x86-64) without SSE2.
 *
 * The definition (RFC 1071): the data as big-endian 16-bit words, an odd last byte padded with a zero, summed
 * with end-around carry. Every length from 0 to 2100 bytes at every alignment from 0 to 15, over pseudo-random
 * bytes and over all 0xff (where carries pile up most), each also after an even-length first part (how a
 * pseudo-header and a segment are summed), and through wio_csum_finish.
 *
 * Each buffer is allocated at exactly its length, so a read past the data is a sanitizer report.
 * stdout: "ok <cases>" or the first case that differs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/checksum.h"

static uint16_t definition(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen) {
  uint32_t sum = 0;
  for (int part = 0; part < 2; part++) {
    const uint8_t *p = part == 0 ? a : b;
    size_t n = part == 0 ? alen : blen;
    for (size_t i = 0; i < n; i += 2) {
      sum += (uint32_t)p[i] << 8 | (i + 1 < n ? p[i + 1] : 0);
      sum = (sum & 0xffff) + (sum >> 16);
    }
  }
  return (uint16_t)~sum;
}

static uint32_t state = 12345;
static uint8_t next_byte(void) {
  state = state * 1103515245u + 12345u;
  return (uint8_t)(state >> 16);
}

int main(void) {
  unsigned long cases = 0;
  for (int fill = 0; fill < 2; fill++) {
    for (size_t len = 0; len <= 2100; len++) {
      for (size_t align = 0; align < 16; align++) {
        uint8_t *block = malloc(align + len + 1);
        if (block == NULL) return 2;
        uint8_t *data = block + align;
        for (size_t i = 0; i < len; i++) data[i] = fill == 0 ? next_byte() : 0xff;
        uint8_t *exact = malloc(len > 0 ? len : 1);
        if (exact == NULL) return 2;
        memcpy(exact, data, len);
        /* Whole, at this alignment and at exactly its own allocation; then split at an even point. */
        size_t head = (len / 3) & ~(size_t)1;
        uint16_t want = definition(data, len, NULL, 0);
        uint16_t got[3] = {
            wio_csum_finish(wio_csum_add(0, data, len)),
            wio_csum_finish(wio_csum_add(0, exact, len)),
            wio_csum_finish(wio_csum_add(wio_csum_add(0, data, head), data + head, len - head)),
        };
        for (int k = 0; k < 3; k++) {
          cases++;
          if (got[k] != want) {
            printf("fill %d len %zu align %zu way %d: got %04x, want %04x\n", fill, len, align, k, got[k], want);
            return 1;
          }
        }
        free(exact);
        free(block);
      }
    }
  }
  printf("ok %lu\n", cases);
  return 0;
}
