/* The TUN reader's fill: plain reads go straight into the slot; vnet reads go to a scratch buffer and are split
 * (or, for a single packet, copied with its checksum finished) into the slot. A split that does not fit waits in
 * scratch for the next fill, so nothing is dropped for lack of room unless even an empty slot is too small. */
#include <errno.h>
#include <unistd.h>

#include "gso-split.h"
#include "tun.h"

#define WIO_TUN_MAX_READ 65535

static bool transient(int err) { return err == EAGAIN || err == EWOULDBLOCK; }

static int fill_vnet(wio_tun *t, wio_pack *pack, uint64_t *reads, uint64_t *frames, uint64_t *csums,
                     uint64_t *dropped) {
  int fd = t->base.fd;
  for (;;) {
    if (t->pending_len == 0) {
      ssize_t n = read(fd, t->scratch, WIO_VNET_HDR_LEN + WIO_TUN_MAX_READ);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return transient(errno) ? 0 : -errno;
      (*reads)++;
      t->pending_len = (size_t)n;
    }
    wio_gso g;
    size_t packet_len = t->pending_len - WIO_VNET_HDR_LEN;
    if (wio_gso_parse(t->scratch, t->pending_len, &g) != 0) {
      (*dropped)++;
      t->pending_len = 0;
      continue;
    }
    uint64_t cost = wio_gso_cost(&g, pack, packet_len);
    if (cost > wio_pack_free(pack) || pack->slot->count + g.segments > pack->slot->capacity) {
      if (pack->slot->count > 0) return 1; /* kept in scratch for the next fill */
      (*dropped)++;
      t->pending_len = 0;
      continue;
    }
    wio_gso_split(&g, t->scratch + WIO_VNET_HDR_LEN, packet_len, pack);
    if (g.type != 0) (*frames)++;
    if (g.type == 0 && g.needs_csum) (*csums)++;
    t->pending_len = 0;
  }
}

static int fill_plain(wio_tun *t, wio_pack *pack, uint64_t *reads) {
  int fd = t->base.fd;
  for (;;) {
    /* A read is one packet of up to 64 KiB (the MTU can be raised under us): only read with room for that. */
    uint32_t off = wio_pack_place(pack, WIO_TUN_MAX_READ);
    if (off == UINT32_MAX) return 0;
    ssize_t n = read(fd, pack->slot->data + off, WIO_TUN_MAX_READ);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return transient(errno) ? 0 : -errno;
    (*reads)++;
    if (n > 0) wio_pack_commit(pack, off, (uint32_t)n);
  }
}

int wio_tun_fill(wio_object *obj, wio_slot *slot) {
  wio_tun *t = (wio_tun *)obj;
  wio_pack pack = {.slot = slot, .cursor = 0, .headroom = t->headroom, .tailroom = t->tailroom};
  uint64_t reads = 0, frames = 0, csums = 0, dropped = 0;
  int rc = t->vnet ? fill_vnet(t, &pack, &reads, &frames, &csums, &dropped) : fill_plain(t, &pack, &reads);
  atomic_fetch_add_explicit(&t->stats.reads, reads, memory_order_relaxed);
  atomic_fetch_add_explicit(&t->stats.packets, slot->count, memory_order_relaxed);
  atomic_fetch_add_explicit(&t->stats.gso_frames, frames, memory_order_relaxed);
  atomic_fetch_add_explicit(&t->stats.csum_finished, csums, memory_order_relaxed);
  atomic_fetch_add_explicit(&t->stats.dropped, dropped, memory_order_relaxed);
  if (slot->count > 0) atomic_fetch_add_explicit(&t->stats.batches, 1, memory_order_relaxed);
  return rc;
}
