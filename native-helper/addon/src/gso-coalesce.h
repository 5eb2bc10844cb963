/* The write side's GRO: within one batch of IP packets for a TUN opened with IFF_VNET_HDR, consecutive TCP
 * segments of one flow (and, with USO, UDP datagrams of one flow) are merged into a super-packet of up to 64 KiB
 * that goes to the kernel in one write, behind a virtio_net_hdr that says how to cut it up again (gso_type,
 * gso_size, hdr_len) and that its checksum is partial (NEEDS_CSUM, the pseudo-header sum in the field). The
 * kernel's TCP then receives one 64 KiB skb instead of ~45 segments, as it would after its own GRO.
 *
 * A segment joins the flow's open super-packet only where the kernel's GRO would merge it (the rules of
 * net/ipv4/tcp_offload.c and wireguard-go's tun/offload_linux.go):
 *   - same addresses and ports; IPv4 without options or fragmentation, same TOS, DF and TTL, and, without DF,
 *     the next IP id; IPv6 with TCP/UDP right behind the fixed header, same first word (traffic class, flow
 *     label) and hop limit;
 *   - TCP: flags exactly ACK or ACK|PSH; the next sequence number; same ACK number, window and header length,
 *     options byte for byte (so equal timestamps); nothing after a PSH;
 *   - a payload no larger than the first one's (gso_size), and nothing after a smaller one;
 *   - at most WIO_GRO_MAX_SEGS segments and 65535 bytes;
 *   - a valid checksum (IPv4 header, TCP/UDP) on every packet merged, checked only when a merge happens: the
 *     kernel trusts a partial checksum, so a corrupt segment must not hide in a super-packet.
 * Anything else goes out alone as a complete packet (zeroed header). A TCP/UDP packet that cannot join its
 * flow's super-packet closes it, and one whose flow cannot be read (a fragment, an IPv6 extension header, a
 * length that disagrees) closes them all, so a flow's packets reach the kernel in their order; different flows
 * may pass each other and packets of no flow (ICMP), as a super-packet goes out at the place of its first
 * segment.
 *
 * Nothing is copied: a super-packet is a writev of the rewritten headers (from a scratch buffer) and the
 * payloads where they lie in the batch. */
#ifndef WIO_GSO_COALESCE_H
#define WIO_GSO_COALESCE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#define WIO_GRO_WINDOW 512  /* packets planned at once; a batch is planned window by window */
#define WIO_GRO_MAX_SEGS 64 /* older kernels take at most 64 UDP segments in a GSO packet (UDP_MAX_SEGMENTS) */

/* Per-Tun state (some 30 KiB), used by the JS thread only. */
typedef struct wio_gro wio_gro;

/* Writes one frame (a vnet header and a packet, as iovecs); returns 0 or an errno. */
typedef int (*wio_gro_write_fn)(void *ctx, const struct iovec *iov, int iovcnt);

typedef struct wio_gro_result {
  uint32_t written;   /* packets the kernel took, merged or not */
  uint32_t calls;     /* frames written (system calls) */
  uint32_t frames;    /* super-packets written */
  uint32_t merged;    /* packets in those super-packets */
  uint32_t fallbacks; /* super-packets refused and written packet by packet instead */
  int first_err;
} wio_gro_result;

/* NULL when out of memory. */
wio_gro *wio_gro_new(void);
void wio_gro_free(wio_gro *g);
/* Writes packets [0, count) of the batch, merged where the offloads allow (TUN_F_TSO4/6 for TCP, TUN_F_USO4/6
 * for UDP). Packets the kernel refuses count in first_err; after EBADF/EBADFD the rest are not tried. */
void wio_gro_write(wio_gro *g, uint32_t offloads, const uint8_t *buf, const uint32_t *offsets,
                   const uint32_t *lengths, uint32_t count, wio_gro_write_fn write, void *ctx, wio_gro_result *r);

#endif
