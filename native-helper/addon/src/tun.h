/* A TUN device: /dev/net/tun opened with IFF_TUN | IFF_NO_PI, optionally IFF_VNET_HDR with checksum, TSO and
 * USO offloads, so that one read can be a 64 KiB super-packet that gso-split turns into MTU-sized packets, and
 * one write a super-packet that gso-coalesce merged from a batch's segments.
 *
 * The addon names the device, sets its MTU and the point-to-point flags that the kernel's wg_setup sets
 * (POINTOPOINT | NOARP, no MULTICAST). Bringing it up, addresses and routes are the platform layer's. The device
 * is not persistent: closing the descriptor deletes it. */
#ifndef WIO_TUN_H
#define WIO_TUN_H

#include <net/if.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "gso-coalesce.h"
#include "object.h"
#include "offload-compat.h"

typedef struct wio_tun_stats {
  atomic_uint_fast64_t reads;        /* read() calls that returned a packet or super-packet */
  atomic_uint_fast64_t packets;      /* packets handed to JS */
  atomic_uint_fast64_t gso_frames;   /* super-packets split */
  atomic_uint_fast64_t csum_finished; /* partial checksums completed */
  atomic_uint_fast64_t dropped;      /* reads that could not be parsed or did not fit an empty slot */
  atomic_uint_fast64_t batches;
  /* the write side; written and updated by the JS thread */
  atomic_uint_fast64_t written;       /* packets the kernel took */
  atomic_uint_fast64_t write_calls;   /* write system calls, one per packet or super-packet */
  atomic_uint_fast64_t gro_frames;    /* super-packets written (gso-coalesce) */
  atomic_uint_fast64_t gro_packets;   /* packets merged into them */
  atomic_uint_fast64_t gro_fallbacks; /* super-packets refused, then written packet by packet (merging stops) */
} wio_tun_stats;

typedef struct wio_tun {
  wio_object base; /* first: a wio_object * is a wio_tun * */
  char name[IFNAMSIZ];
  bool vnet;
  uint32_t offloads;
  uint32_t headroom;
  uint32_t tailroom;
  uint8_t *scratch;    /* the reader's: one vnet read */
  size_t pending_len;  /* a read kept in scratch because it did not fit the slot being filled */
  wio_gro *gro;        /* JS thread only: merges segments into super-packets on write (vnet only) */
  wio_tun_stats stats;
} wio_tun;

/* Returns 0 or an errno, with *syscall naming the call that failed. */
int wio_tun_open(const char *name, bool vnet, uint32_t mtu, wio_tun **out, const char **syscall);
int wio_tun_mtu(const wio_tun *t, uint32_t *mtu);
int wio_tun_set_mtu(const wio_tun *t, uint32_t mtu);
/* Writes packets [0, count), merging TCP/UDP segments on a vnet device; returns how many packets the kernel took,
 * *first_err the first failure's errno. */
uint32_t wio_tun_write(wio_tun *t, const uint8_t *buf, const uint32_t *offsets, const uint32_t *lengths,
                       uint32_t count, int *first_err);
int wio_tun_fill(wio_object *obj, wio_slot *slot);

#endif
