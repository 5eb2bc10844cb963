/* Places packets into a slot: each gets `headroom` bytes before it and `tailroom` after it that nothing else
 * uses, so the engine can build the 16-byte WireGuard header in front and the padding and tag behind in place.
 * Offsets are 16-byte aligned. */
#ifndef WIO_PACK_H
#define WIO_PACK_H

#include <stdint.h>

#include "reader.h"

typedef struct wio_pack {
  wio_slot *slot;
  uint32_t cursor;
  uint32_t headroom;
  uint32_t tailroom;
} wio_pack;

#define WIO_ALIGN16(x) (((x) + 15u) & ~15u)

/* Bytes a packet of len takes at most, alignment included. */
static inline uint64_t wio_pack_cost(const wio_pack *p, uint64_t len) { return 15u + p->headroom + len + p->tailroom; }

static inline uint64_t wio_pack_free(const wio_pack *p) {
  return p->slot->data_len > p->cursor ? p->slot->data_len - p->cursor : 0;
}

/* The offset a packet of len would get, or UINT32_MAX if it does not fit. */
static inline uint32_t wio_pack_place(const wio_pack *p, uint32_t len) {
  uint64_t off = WIO_ALIGN16((uint64_t)p->cursor + p->headroom);
  if (p->slot->count >= p->slot->capacity || off + len + p->tailroom > p->slot->data_len) return UINT32_MAX;
  return (uint32_t)off;
}

static inline void wio_pack_commit(wio_pack *p, uint32_t off, uint32_t len) {
  p->slot->offsets[p->slot->count] = off;
  p->slot->lengths[p->slot->count] = len;
  p->slot->count++;
  p->cursor = off + len + p->tailroom;
}

#endif
