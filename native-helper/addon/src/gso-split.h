/* Turns one read from a TUN opened with IFF_VNET_HDR (a virtio_net_hdr, then a packet of up to 64 KiB) into
 * MTU-sized IP packets, as the kernel's tcp/udp GSO would have: TCP segments get their sequence numbers, the
 * FIN/PSH flags only on the last and CWR only on the first; UDP (USO) segments their own length; IPv4 headers
 * an incremented id, total length and header checksum; IPv6 the payload length; every TCP/UDP checksum is
 * computed in full. A packet with only a partial checksum (NEEDS_CSUM, no GSO) gets it finished.
 *
 * The header's hdr_len is not trusted (the kernel can set it to the whole first packet on forwarding): the
 * transport header's length is read from the packet, as wireguard-go does. */
#ifndef WIO_GSO_SPLIT_H
#define WIO_GSO_SPLIT_H

#include <stddef.h>
#include <stdint.h>

#include "pack.h"

#define WIO_VNET_HDR_LEN 10 /* sizeof(struct virtio_net_hdr), the TUN default */

typedef struct wio_gso {
  uint8_t type; /* VIRTIO_NET_HDR_GSO_NONE, _TCPV4, _TCPV6, _UDP_L4 */
  uint8_t ip_version;
  uint8_t needs_csum;
  uint16_t csum_start;
  uint16_t csum_offset;
  uint16_t hdr_len; /* IP and transport headers, as parsed */
  uint16_t gso_size;
  uint32_t segments;
} wio_gso;

/* frame is the vnet header followed by the packet. Returns 0, or -EINVAL / -EPROTONOSUPPORT for a frame to
 * drop. */
int wio_gso_parse(const uint8_t *frame, size_t frame_len, wio_gso *g);
/* Bytes and entries the split needs in a slot at most. */
uint64_t wio_gso_cost(const wio_gso *g, const wio_pack *pack, size_t packet_len);
/* Writes the packets into the pack (the caller checked the cost); packet's checksum fields are clobbered.
 * Returns the number of packets written. */
uint32_t wio_gso_split(const wio_gso *g, uint8_t *packet, size_t packet_len, wio_pack *pack);

#endif
