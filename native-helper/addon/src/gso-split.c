#include "gso-split.h"

#include <errno.h>
#include <linux/virtio_net.h>
#include <string.h>

#include "checksum.h"
#include "offload-compat.h"

#ifndef VIRTIO_NET_HDR_GSO_UDP_L4
#define VIRTIO_NET_HDR_GSO_UDP_L4 5
#endif

#define TCP_FLAG_FIN 0x01
#define TCP_FLAG_PSH 0x08
#define TCP_FLAG_CWR 0x80

int wio_gso_parse(const uint8_t *frame, size_t frame_len, wio_gso *g) {
  struct virtio_net_hdr h;
  if (frame_len <= WIO_VNET_HDR_LEN) return -EINVAL;
  memcpy(&h, frame, WIO_VNET_HDR_LEN); /* legacy virtio header: host byte order */
  const uint8_t *pkt = frame + WIO_VNET_HDR_LEN;
  size_t len = frame_len - WIO_VNET_HDR_LEN;
  memset(g, 0, sizeof *g);
  g->type = h.gso_type & (uint8_t)~VIRTIO_NET_HDR_GSO_ECN;
  g->ip_version = pkt[0] >> 4;
  g->needs_csum = (h.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) != 0;
  g->csum_start = h.csum_start;
  g->csum_offset = h.csum_offset;
  g->segments = 1;
  if (g->type == VIRTIO_NET_HDR_GSO_NONE) {
    if (g->needs_csum && (size_t)g->csum_start + g->csum_offset + 2 > len) return -EINVAL;
    return 0;
  }

  bool tcp = g->type == VIRTIO_NET_HDR_GSO_TCPV4 || g->type == VIRTIO_NET_HDR_GSO_TCPV6;
  if (!tcp && g->type != VIRTIO_NET_HDR_GSO_UDP_L4) return -EPROTONOSUPPORT;
  if (g->type == VIRTIO_NET_HDR_GSO_TCPV4 && g->ip_version != 4) return -EINVAL;
  if (g->type == VIRTIO_NET_HDR_GSO_TCPV6 && g->ip_version != 6) return -EINVAL;
  if (g->ip_version == 4) {
    if (len < 20 || g->csum_start != (pkt[0] & 0x0f) * 4 || g->csum_start < 20) return -EINVAL;
    if (pkt[9] != (tcp ? 6 : 17)) return -EINVAL;
  } else if (g->ip_version == 6) {
    if (len < 40 || g->csum_start < 40) return -EINVAL;
    if (g->csum_start == 40 && pkt[6] != (tcp ? 6 : 17)) return -EINVAL;
  } else {
    return -EINVAL;
  }
  /* csum_start is the sender's, up to 65535: every sum with it is taken in size_t and checked against the
   * packet before it is narrowed into a 16-bit field (in 16 bits, 65530 + 8 is 2, and split wrote 64 KiB past
   * the segment). */
  size_t hdr_len;
  if (tcp) {
    if ((size_t)g->csum_start + 20 > len) return -EINVAL;
    size_t tcp_len = (size_t)(pkt[g->csum_start + 12] >> 4) * 4;
    if (tcp_len < 20) return -EINVAL;
    hdr_len = (size_t)g->csum_start + tcp_len;
    g->csum_offset = 16;
  } else {
    hdr_len = (size_t)g->csum_start + 8;
    g->csum_offset = 6;
  }
  if (hdr_len > len || hdr_len > 0xffff || h.gso_size == 0) return -EINVAL;
  g->hdr_len = (uint16_t)hdr_len;
  g->gso_size = h.gso_size;
  size_t payload = len - hdr_len;
  /* Each segment's length is written into 16-bit IP and UDP length fields: a longer one cannot be said. */
  if (hdr_len + (payload < g->gso_size ? payload : g->gso_size) > 0xffff) return -EINVAL;
  g->segments = payload == 0 ? 1 : (uint32_t)((payload + g->gso_size - 1) / g->gso_size);
  return 0;
}

uint64_t wio_gso_cost(const wio_gso *g, const wio_pack *pack, size_t packet_len) {
  if (g->type == VIRTIO_NET_HDR_GSO_NONE) return wio_pack_cost(pack, packet_len);
  return (uint64_t)g->segments * wio_pack_cost(pack, g->hdr_len) + (packet_len - g->hdr_len);
}

static void finish_partial(const wio_gso *g, uint8_t *pkt, size_t len) {
  /* The kernel left the pseudo-header sum in the field; the rest is ours to add. */
  uint8_t *field = pkt + g->csum_start + g->csum_offset;
  uint64_t sum = wio_get16(field);
  wio_put16(field, 0);
  sum = wio_csum_add(sum, pkt + g->csum_start, len - g->csum_start);
  uint16_t csum = wio_csum_finish(sum);
  wio_put16(field, csum == 0 ? 0xffff : csum);
}

static void fix_segment(const wio_gso *g, uint8_t *out, size_t seg_len, uint32_t index, bool last,
                        uint32_t first_seq, uint16_t first_id) {
  bool tcp = g->type != VIRTIO_NET_HDR_GSO_UDP_L4;
  uint8_t *l4 = out + g->csum_start;
  size_t l4_len = seg_len - g->csum_start;
  const uint8_t *src, *dst;
  size_t addr_len;
  if (g->ip_version == 4) {
    uint16_t ihl = (uint16_t)((out[0] & 0x0f) * 4);
    wio_put16(out + 2, (uint16_t)seg_len);
    wio_put16(out + 4, (uint16_t)(first_id + index));
    wio_put16(out + 10, 0);
    wio_put16(out + 10, wio_csum_finish(wio_csum_add(0, out, ihl)));
    src = out + 12, dst = out + 16, addr_len = 4;
  } else {
    wio_put16(out + 4, (uint16_t)(seg_len - 40));
    src = out + 8, dst = out + 24, addr_len = 16;
  }
  if (tcp) {
    wio_put32(l4 + 4, first_seq + index * g->gso_size);
    if (!last) l4[13] &= (uint8_t)~(TCP_FLAG_FIN | TCP_FLAG_PSH);
    if (index > 0) l4[13] &= (uint8_t)~TCP_FLAG_CWR;
  } else {
    wio_put16(l4 + 4, (uint16_t)l4_len);
  }
  wio_put16(l4 + g->csum_offset, 0);
  uint64_t sum = wio_csum_pseudo(src, dst, addr_len, tcp ? 6 : 17, (uint32_t)l4_len);
  uint16_t csum = wio_csum_finish(wio_csum_add(sum, l4, l4_len));
  wio_put16(l4 + g->csum_offset, csum == 0 ? 0xffff : csum);
}

uint32_t wio_gso_split(const wio_gso *g, uint8_t *packet, size_t packet_len, wio_pack *pack) {
  uint8_t *data = pack->slot->data;
  if (g->type == VIRTIO_NET_HDR_GSO_NONE) {
    uint32_t off = wio_pack_place(pack, (uint32_t)packet_len);
    if (off == UINT32_MAX) return 0;
    memcpy(data + off, packet, packet_len);
    if (g->needs_csum) finish_partial(g, data + off, packet_len);
    wio_pack_commit(pack, off, (uint32_t)packet_len);
    return 1;
  }
  uint32_t first_seq = g->type != VIRTIO_NET_HDR_GSO_UDP_L4 ? wio_get32(packet + g->csum_start + 4) : 0;
  uint16_t first_id = g->ip_version == 4 ? wio_get16(packet + 4) : 0;
  size_t payload = packet_len - g->hdr_len;
  uint32_t written = 0;
  for (uint32_t i = 0; i < g->segments; i++) {
    size_t at = (size_t)i * g->gso_size;
    size_t chunk = payload - at < g->gso_size ? payload - at : g->gso_size;
    size_t seg_len = g->hdr_len + chunk;
    uint32_t off = wio_pack_place(pack, (uint32_t)seg_len);
    if (off == UINT32_MAX) break;
    uint8_t *out = data + off;
    memcpy(out, packet, g->hdr_len);
    memcpy(out + g->hdr_len, packet + g->hdr_len + at, chunk);
    fix_segment(g, out, seg_len, i, i + 1 == g->segments, first_seq, first_id);
    wio_pack_commit(pack, off, (uint32_t)seg_len);
    written++;
  }
  return written;
}
