/* The Internet checksum (RFC 1071) for IPv4 headers and TCP/UDP over IPv4 and IPv6. A sum is carried in 64 bits
 * between calls (each adds its data's sum of big-endian 16-bit words, partly folded) and folded at the end. Every
 * call but the last must cover an even number of bytes, as the words of one packet do. */
#ifndef WIO_CHECKSUM_H
#define WIO_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

uint64_t wio_csum_add(uint64_t sum, const uint8_t *data, size_t len);
uint64_t wio_csum_pseudo(const uint8_t *src, const uint8_t *dst, size_t addr_len, uint8_t proto, uint32_t l4_len);
/* The value to store in a checksum field: the complement of the folded sum, big-endian. */
uint16_t wio_csum_finish(uint64_t sum);

static inline uint16_t wio_get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t wio_get32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline void wio_put16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}
static inline void wio_put32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

#endif
