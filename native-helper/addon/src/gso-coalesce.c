/* Planning, then writing: a window of packets is first grouped into items (a packet alone, or the segments of one
 * super-packet, in the order of their first packet), then each item is one write. See gso-coalesce.h for the
 * rules. */
#include "gso-coalesce.h"

#include <errno.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <stdlib.h>
#include <string.h>

#include "checksum.h"
#include "offload-compat.h"

#define VNET_HDR_LEN sizeof(struct virtio_net_hdr) /* 10, as gso-split and the TUN have it */
#define GRO_TABLE 1024 /* flow hash slots: a power of two, twice the window, so never full */
#define GRO_NONE 0xffff
#define GRO_MAX_LEN 65535

#define TCP_FLAG_PSH 0x08
#define TCP_FLAG_ACK 0x10
#define IP4_DF 0x4000

enum { KIND_NONE, KIND_TCP4, KIND_TCP6, KIND_UDP4, KIND_UDP6 };

/* One packet of the window as classified. kind is set when its flow (addresses, ports) is known. */
typedef struct gro_packet {
  const uint8_t *p;
  uint32_t len;
  uint16_t payload;
  uint8_t kind;
  uint8_t l3_len, l4_len;
  bool candidate; /* may be merged, checksums aside */
  bool barrier;   /* no known flow, but it could be a segment of any: every open super-packet is closed */
} gro_packet;

typedef struct gro_item {
  uint16_t first, last; /* window indices; members are chained by next[] */
  uint16_t segs;
  uint16_t gso_size;    /* the first packet's payload */
  uint32_t len;         /* the super-packet's IP length */
  uint32_t next_seq;    /* TCP: the sequence number that may follow */
  bool open;            /* may take another segment */
  bool psh;             /* TCP: the last segment has PSH */
  bool checked;         /* the first packet's checksums were verified */
} gro_item;

typedef struct gro_slot {
  uint32_t gen;  /* in use in the plan of this generation only */
  uint16_t rep;  /* a packet of the flow, to compare keys with */
  uint16_t open; /* the flow's open item, or GRO_NONE */
} gro_slot;

struct wio_gro {
  bool disabled; /* the kernel refused a super-packet: everything goes out alone from then on */
  uint32_t gen;
  uint32_t items_len;
  gro_packet packets[WIO_GRO_WINDOW];
  uint16_t next[WIO_GRO_WINDOW];
  gro_item items[WIO_GRO_WINDOW];
  gro_slot table[GRO_TABLE];
  uint8_t head[VNET_HDR_LEN + 60 + 60]; /* vnet, IP and TCP headers of the super-packet being written */
  struct iovec iov[1 + WIO_GRO_MAX_SEGS];
};

static const uint8_t plain_header[VNET_HDR_LEN]; /* flags 0, GSO_NONE: a complete packet */

wio_gro *wio_gro_new(void) { return calloc(1, sizeof(wio_gro)); }

void wio_gro_free(wio_gro *g) { free(g); }

static bool is_tcp(uint8_t kind) { return kind == KIND_TCP4 || kind == KIND_TCP6; }
static bool is_v4(uint8_t kind) { return kind == KIND_TCP4 || kind == KIND_UDP4; }

static uint32_t allowed_kinds(uint32_t offloads) {
  uint32_t kinds = 0;
  if (offloads & TUN_F_TSO4) kinds |= 1u << KIND_TCP4;
  if (offloads & TUN_F_TSO6) kinds |= 1u << KIND_TCP6;
  if (offloads & TUN_F_USO4) kinds |= 1u << KIND_UDP4;
  if (offloads & TUN_F_USO6) kinds |= 1u << KIND_UDP6;
  return kinds;
}

static bool transport(uint8_t proto) { return proto == 6 || proto == 17; }

static void classify(gro_packet *k, const uint8_t *p, uint32_t len, uint32_t kinds) {
  memset(k, 0, sizeof *k);
  k->p = p;
  k->len = len;
  if (len < 20) return;
  uint32_t l3;
  uint8_t proto;
  bool v4 = p[0] >> 4 == 4;
  if (v4) {
    l3 = (p[0] & 0x0fu) * 4;
    proto = p[9];
    /* Fragments have no ports to go by (or only the first has); a length that disagrees is not ours to read. */
    if (l3 < 20 || wio_get16(p + 2) != len || (wio_get16(p + 6) & 0x3fff) != 0) {
      k->barrier = transport(proto);
      return;
    }
  } else if (p[0] >> 4 == 6 && len >= 40) {
    l3 = 40;
    proto = p[6];
    /* Behind an extension header (or ESP, ...) may be any flow's segment; ICMPv6 is none. */
    if (wio_get16(p + 4) + 40u != len || !transport(proto)) {
      k->barrier = proto != 58 && proto != 59;
      return;
    }
  } else {
    return;
  }
  if (!transport(proto)) return;
  if (l3 + 8 > len) {
    k->barrier = true;
    return;
  }
  k->kind = proto == 6 ? (v4 ? KIND_TCP4 : KIND_TCP6) : (v4 ? KIND_UDP4 : KIND_UDP6);
  k->l3_len = (uint8_t)l3;
  if (!(kinds & (1u << k->kind)) || l3 != 20 + (v4 ? 0 : 20)) return; /* no IPv4 options */
  const uint8_t *l4 = p + l3;
  uint32_t l4_len;
  if (proto == 6) {
    if (l3 + 20 > len) return;
    l4_len = (l4[12] >> 4) * 4u;
    if (l4_len < 20 || l3 + l4_len >= len) return; /* a segment without payload goes alone */
    if (l4[13] != TCP_FLAG_ACK && l4[13] != (TCP_FLAG_ACK | TCP_FLAG_PSH)) return;
  } else {
    l4_len = 8;
    if (wio_get16(l4 + 4) != len - l3 || l3 + 8 >= len || wio_get16(l4 + 6) == 0) return;
  }
  k->l4_len = (uint8_t)l4_len;
  k->payload = (uint16_t)(len - l3 - l4_len);
  k->candidate = true;
}

static uint32_t load32(const uint8_t *p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}

static uint32_t flow_hash(const gro_packet *k) {
  bool v4 = is_v4(k->kind);
  const uint8_t *addrs = k->p + (v4 ? 12 : 8);
  uint32_t h = 0x811c9dc5u ^ k->kind;
  for (size_t i = 0; i < (v4 ? 8u : 32u); i += 4) h = (h ^ load32(addrs + i)) * 0x01000193u;
  h = (h ^ load32(k->p + k->l3_len)) * 0x01000193u;
  return h ^ h >> 15;
}

static bool same_flow(const gro_packet *a, const gro_packet *b) {
  if (a->kind != b->kind || load32(a->p + a->l3_len) != load32(b->p + b->l3_len)) return false;
  return is_v4(a->kind) ? memcmp(a->p + 12, b->p + 12, 8) == 0 : memcmp(a->p + 8, b->p + 8, 32) == 0;
}

static gro_slot *flow_slot(wio_gro *g, uint16_t i) {
  const gro_packet *k = &g->packets[i];
  for (uint32_t h = flow_hash(k);; h++) {
    gro_slot *s = &g->table[h & (GRO_TABLE - 1)];
    if (s->gen != g->gen) {
      *s = (gro_slot){.gen = g->gen, .rep = i, .open = GRO_NONE};
      return s;
    }
    if (same_flow(&g->packets[s->rep], k)) return s;
  }
}

/* The IPv4 header checksum and the TCP/UDP checksum, in full. */
static bool checksums_valid(const gro_packet *k) {
  const uint8_t *p = k->p;
  bool v4 = is_v4(k->kind);
  if (v4 && wio_csum_finish(wio_csum_add(0, p, 20)) != 0) return false;
  uint32_t l4_len = k->len - k->l3_len;
  uint64_t sum = wio_csum_pseudo(p + (v4 ? 12 : 8), p + (v4 ? 16 : 24), v4 ? 4 : 16, is_tcp(k->kind) ? 6 : 17, l4_len);
  return wio_csum_finish(wio_csum_add(sum, p + k->l3_len, l4_len)) == 0;
}

static bool ip_headers_match(const gro_item *it, const uint8_t *h, const uint8_t *p, bool v4) {
  if (!v4) return load32(h) == load32(p) && h[7] == p[7]; /* version, class, flow label; hop limit */
  if (h[1] != p[1] || h[6] != p[6] || h[8] != p[8]) return false; /* TOS; DF (no MF, offset 0); TTL */
  /* Without DF the kernel would cut the super-packet up again with ids counting from the first one's. */
  return (wio_get16(h + 6) & IP4_DF) != 0 || wio_get16(p + 4) == (uint16_t)(wio_get16(h + 4) + it->segs);
}

static bool tcp_headers_match(const gro_item *it, const gro_packet *hk, const gro_packet *k) {
  const uint8_t *h = hk->p + hk->l3_len, *p = k->p + k->l3_len;
  if (wio_get32(p + 4) != it->next_seq || hk->l4_len != k->l4_len) return false;
  /* ACK number, data offset and window (the flags of a candidate are ACK or ACK|PSH); options byte for byte. */
  if (load32(h + 8) != load32(p + 8) || h[12] != p[12] || wio_get16(h + 14) != wio_get16(p + 14)) return false;
  return memcmp(h + 20, p + 20, hk->l4_len - 20u) == 0;
}

enum { APPENDED, START, ALONE };

static int try_append(wio_gro *g, gro_item *it, uint16_t i) {
  const gro_packet *hk = &g->packets[it->first], *k = &g->packets[i];
  if (!it->open || it->segs >= WIO_GRO_MAX_SEGS || k->payload > it->gso_size || it->len + k->payload > GRO_MAX_LEN) {
    return START;
  }
  if (!ip_headers_match(it, hk->p, k->p, is_v4(k->kind))) return START;
  if (is_tcp(k->kind) && !tcp_headers_match(it, hk, k)) return START;
  if (!it->checked) {
    if (!checksums_valid(hk)) {
      it->open = false;
      return START;
    }
    it->checked = true;
  }
  if (!checksums_valid(k)) return ALONE;
  g->next[it->last] = i;
  it->last = i;
  it->segs++;
  it->len += k->payload;
  it->next_seq += k->payload;
  if (k->payload < it->gso_size) it->open = false; /* only the last may be smaller */
  if (is_tcp(k->kind) && (k->p[k->l3_len + 13] & TCP_FLAG_PSH)) {
    it->psh = true;
    it->open = false;
  }
  return APPENDED;
}

static uint16_t new_item(wio_gro *g, uint16_t i, bool open) {
  const gro_packet *k = &g->packets[i];
  gro_item *it = &g->items[g->items_len];
  *it = (gro_item){.first = i, .last = i, .segs = 1, .gso_size = k->payload, .len = k->len, .open = open};
  if (open && is_tcp(k->kind)) {
    const uint8_t *tcp = k->p + k->l3_len;
    it->next_seq = wio_get32(tcp + 4) + k->payload;
    it->psh = (tcp[13] & TCP_FLAG_PSH) != 0;
    it->open = !it->psh; /* nothing follows a PSH */
  }
  return (uint16_t)g->items_len++;
}

/* Forgets every flow: later segments start new super-packets. */
static void forget_flows(wio_gro *g) {
  if (++g->gen == 0) {
    memset(g->table, 0, sizeof g->table);
    g->gen = 1;
  }
}

static void plan(wio_gro *g, uint32_t kinds, const uint8_t *buf, const uint32_t *offsets, const uint32_t *lengths,
                 uint32_t count) {
  forget_flows(g);
  g->items_len = 0;
  for (uint16_t i = 0; i < count; i++) {
    gro_packet *k = &g->packets[i];
    classify(k, buf + offsets[i], lengths[i], kinds);
    g->next[i] = GRO_NONE;
    if (k->kind == KIND_NONE) {
      if (k->barrier) forget_flows(g);
      new_item(g, i, false);
      continue;
    }
    gro_slot *s = flow_slot(g, i);
    int how = k->candidate && s->open != GRO_NONE ? try_append(g, &g->items[s->open], i) : START;
    if (how == APPENDED) continue;
    uint16_t it = new_item(g, i, how == START && k->candidate);
    /* A packet of the flow that cannot be merged closes the flow's super-packet: its order is kept. */
    s->open = g->items[it].open ? it : GRO_NONE;
  }
}

/* The super-packet's headers: lengths, IPv4 header checksum, PSH if its last segment had it, and in the TCP/UDP
 * checksum field the pseudo-header sum the kernel completes (CHECKSUM_PARTIAL). */
static size_t build_head(wio_gro *g, const gro_item *it) {
  const gro_packet *k = &g->packets[it->first];
  bool tcp = is_tcp(k->kind), v4 = is_v4(k->kind);
  uint16_t l3 = k->l3_len, headers = (uint16_t)(k->l3_len + k->l4_len), csum_offset = tcp ? 16 : 6;
  struct virtio_net_hdr h = {
      .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
      .gso_type = (uint8_t)(tcp ? (v4 ? VIRTIO_NET_HDR_GSO_TCPV4 : VIRTIO_NET_HDR_GSO_TCPV6) : VIRTIO_NET_HDR_GSO_UDP_L4),
      .hdr_len = headers,
      .gso_size = it->gso_size,
      .csum_start = l3,
      .csum_offset = csum_offset,
  };
  memcpy(g->head, &h, VNET_HDR_LEN); /* legacy virtio header: host byte order */
  uint8_t *ip = g->head + VNET_HDR_LEN, *l4 = ip + l3;
  memcpy(ip, k->p, headers);
  if (v4) {
    wio_put16(ip + 2, (uint16_t)it->len);
    wio_put16(ip + 10, 0);
    wio_put16(ip + 10, wio_csum_finish(wio_csum_add(0, ip, 20)));
  } else {
    wio_put16(ip + 4, (uint16_t)(it->len - 40));
  }
  if (tcp && it->psh) l4[13] |= TCP_FLAG_PSH;
  if (!tcp) wio_put16(l4 + 4, (uint16_t)(it->len - l3));
  uint64_t pseudo = wio_csum_pseudo(ip + (v4 ? 12 : 8), ip + (v4 ? 16 : 24), v4 ? 4 : 16, tcp ? 6 : 17, it->len - l3);
  wio_put16(l4 + csum_offset, (uint16_t)~wio_csum_finish(pseudo));
  return VNET_HDR_LEN + headers;
}

static int write_plain(const uint8_t *p, uint32_t len, wio_gro_write_fn write, void *ctx) {
  struct iovec iov[2] = {{(void *)plain_header, VNET_HDR_LEN}, {(void *)p, len}};
  return write(ctx, iov, 2);
}

/* Counts one write's outcome; false when the device is gone and nothing more should be tried. */
static bool account(wio_gro_result *r, int err, uint32_t packets) {
  r->calls++;
  if (err == 0) {
    r->written += packets;
    return true;
  }
  if (r->first_err == 0) r->first_err = err;
  return err != EBADF && err != EBADFD;
}

static bool write_item(wio_gro *g, const gro_item *it, wio_gro_write_fn write, void *ctx, wio_gro_result *r) {
  const gro_packet *k = &g->packets[it->first];
  if (it->segs == 1) return account(r, write_plain(k->p, k->len, write, ctx), 1);
  if (!g->disabled) {
    uint32_t headers = (uint32_t)k->l3_len + k->l4_len;
    int n = 0;
    g->iov[n++] = (struct iovec){g->head, build_head(g, it)};
    for (uint16_t i = it->first; i != GRO_NONE; i = g->next[i]) {
      const gro_packet *m = &g->packets[i];
      g->iov[n++] = (struct iovec){(void *)(m->p + headers), m->len - headers};
    }
    int err = write(ctx, g->iov, n);
    if (err != EINVAL) {
      if (err == 0) {
        r->frames++;
        r->merged += it->segs;
      }
      return account(r, err, it->segs);
    }
    /* This kernel does not take what we built: the segments go as they came, and merging stops. */
    r->calls++;
    r->fallbacks++;
    g->disabled = true;
  }
  for (uint16_t i = it->first; i != GRO_NONE; i = g->next[i]) {
    if (!account(r, write_plain(g->packets[i].p, g->packets[i].len, write, ctx), 1)) return false;
  }
  return true;
}

void wio_gro_write(wio_gro *g, uint32_t offloads, const uint8_t *buf, const uint32_t *offsets,
                   const uint32_t *lengths, uint32_t count, wio_gro_write_fn write, void *ctx, wio_gro_result *r) {
  memset(r, 0, sizeof *r);
  for (uint32_t base = 0; base < count; base += WIO_GRO_WINDOW) {
    uint32_t kinds = g->disabled ? 0 : allowed_kinds(offloads);
    uint32_t n = count - base < WIO_GRO_WINDOW ? count - base : WIO_GRO_WINDOW;
    if (kinds == 0) {
      for (uint32_t i = base; i < base + n; i++) {
        if (!account(r, write_plain(buf + offsets[i], lengths[i], write, ctx), 1)) return;
      }
      continue;
    }
    plan(g, kinds, buf, offsets + base, lengths + base, n);
    for (uint32_t i = 0; i < g->items_len; i++) {
      if (!write_item(g, &g->items[i], write, ctx, r)) return;
    }
  }
}
