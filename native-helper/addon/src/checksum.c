#include "checksum.h"

uint64_t wio_csum_add(uint64_t sum, const uint8_t *data, size_t len) {
  /* Big-endian 32-bit words into 64 bits cannot overflow for anything shorter than 2^32 words. */
  while (len >= 4) {
    sum += wio_get32(data);
    data += 4;
    len -= 4;
  }
  if (len >= 2) {
    sum += wio_get16(data);
    data += 2;
    len -= 2;
  }
  if (len == 1) sum += (uint32_t)data[0] << 8;
  return sum;
}

uint64_t wio_csum_pseudo(const uint8_t *src, const uint8_t *dst, size_t addr_len, uint8_t proto, uint32_t l4_len) {
  uint64_t sum = wio_csum_add(0, src, addr_len);
  sum = wio_csum_add(sum, dst, addr_len);
  return sum + proto + l4_len;
}

uint16_t wio_csum_finish(uint64_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return (uint16_t)~sum;
}
