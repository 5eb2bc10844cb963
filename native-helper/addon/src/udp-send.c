/* Sending a batch: datagrams are sorted by family onto their socket, coalesced into UDP_SEGMENT messages where
 * the socket has GSO, and sent with sendmmsg. A GSO message the kernel refuses (EIO: the route's device lacks
 * checksum offload, then GSO is off for the socket, as wireguard-go does; EINVAL/EMSGSIZE: a segment is over
 * the path's MTU) is resent one datagram at a time. A full socket buffer is waited for once, briefly, then
 * the rest is dropped as UDP would. Datagrams whose record names a local address go from it (sticky source), and
 * group into a GSO message only with others from the same one: the whole record is the grouping key. */
#include <errno.h>
#include <netinet/udp.h>
#include <poll.h>
#include <string.h>

#include "endpoint.h"
#include "udp.h"

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif

#define WIO_UDP_FULL_WAIT_MS 10
#define WIO_MAX_IPV4_PAYLOAD (65535 - 20 - 8)
#define WIO_MAX_IPV6_PAYLOAD (65535 - 8)

typedef struct sender {
  wio_udp *s;
  uint32_t nmsg;
  uint32_t niov;
  bool open;   /* message nmsg - 1 can take more segments */
  bool ended;  /* its last segment was short */
  uint32_t gso;
  uint32_t bytes;
  const uint8_t *endpoint;
  bool waited;
} sender;

static void fail(wio_send_result *res, int err, uint32_t datagrams) {
  res->failed += datagrams;
  if (res->first_err == 0) res->first_err = err;
}

/* Message m's control data: UDP_SEGMENT when it carries several datagrams of `segment` bytes, and the address
 * to send from (IP_PKTINFO / IPV6_PKTINFO, no interface: the route decides that) when its record names one and
 * the kernel has not refused it. */
static void set_control(wio_udp *s, uint32_t m, uint16_t segment) {
  struct msghdr *h = &s->smsgs[m].msg_hdr;
  const uint8_t *endpoint = s->seps[m];
  bool v6 = s->family == AF_INET6;
  union {
    struct in_pktinfo v4;
    struct in6_pktinfo v6;
  } info;
  size_t info_len = v6 ? sizeof info.v6 : sizeof info.v4;
  bool source = !s->sbare[m] && wio_endpoint_has_local(endpoint);
  size_t segment_space = segment > 0 ? CMSG_SPACE(sizeof(uint16_t)) : 0;
  size_t source_space = source ? CMSG_SPACE(info_len) : 0;
  if (segment_space + source_space == 0) {
    h->msg_control = NULL;
    h->msg_controllen = 0;
    return;
  }
  uint8_t *control = s->scmsgs + (size_t)m * WIO_UDP_CMSG_SPACE;
  memset(control, 0, segment_space + source_space);
  h->msg_control = control;
  h->msg_controllen = segment_space + source_space;
  if (segment > 0) {
    struct cmsghdr *c = (struct cmsghdr *)control;
    c->cmsg_level = SOL_UDP;
    c->cmsg_type = UDP_SEGMENT;
    c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
    memcpy(CMSG_DATA(c), &segment, sizeof segment);
  }
  if (source) {
    struct cmsghdr *c = (struct cmsghdr *)(control + segment_space);
    memset(&info, 0, sizeof info);
    if (v6) memcpy(&info.v6.ipi6_addr, endpoint + WIO_ENDPOINT_LOCAL, 16);
    else memcpy(&info.v4.ipi_spec_dst, endpoint + WIO_ENDPOINT_LOCAL, 4);
    c->cmsg_level = v6 ? IPPROTO_IPV6 : IPPROTO_IP;
    c->cmsg_type = v6 ? IPV6_PKTINFO : IP_PKTINFO;
    c->cmsg_len = CMSG_LEN(info_len);
    memcpy(CMSG_DATA(c), &info, info_len);
  }
}

/* After a send failed with `err`: when message m went from a remembered local address, that address may no longer
 * be ours, as the kernel's send4/send6 check before they forget it and route afresh. The kernel says so with
 * EINVAL for IPv6 (ip6_datagram_send_ctl) and ENETUNREACH for IPv4 (the output route finds no device with that
 * address). Rebuilds m's control without the address and says whether it did, so the caller resends: if the
 * error was about something else, it comes back. The peer's record is put right by its next datagram, a
 * handshake retry or a change of network (engine). */
static bool drop_source(wio_udp *s, uint32_t m, uint16_t segment, uint32_t datagrams, int err) {
  if (err != EINVAL && err != ENETUNREACH) return false;
  if (s->sbare[m] || !wio_endpoint_has_local(s->seps[m])) return false;
  s->sbare[m] = true;
  s->stats.unsourced += datagrams;
  set_control(s, m, segment);
  return true;
}

static void close_group(sender *b) {
  if (!b->open) return;
  b->open = false;
  uint32_t m = b->nmsg - 1;
  set_control(b->s, m, b->s->ssegs[m] > 1 ? (uint16_t)b->gso : 0);
}

static void send_one_by_one(sender *b, uint32_t m, wio_send_result *res) {
  set_control(b->s, m, 0); /* no UDP_SEGMENT; the source stays */
  struct msghdr one = b->s->smsgs[m].msg_hdr;
  struct iovec *iovs = one.msg_iov;
  size_t n = one.msg_iovlen;
  one.msg_iovlen = 1;
  b->s->stats.gso_fallbacks++;
  for (size_t k = 0; k < n;) {
    one.msg_iov = &iovs[k];
    ssize_t r;
    do {
      r = sendmsg(b->s->base.fd, &one, MSG_DONTWAIT);
    } while (r < 0 && errno == EINTR);
    int err = r < 0 ? errno : 0;
    if (drop_source(b->s, m, 0, (uint32_t)(n - k), err)) {
      one.msg_control = b->s->smsgs[m].msg_hdr.msg_control;
      one.msg_controllen = b->s->smsgs[m].msg_hdr.msg_controllen;
      continue; /* the same datagram again, without the source */
    }
    if (r >= 0) {
      res->sent++;
      b->s->stats.sent++;
    } else if (err == EAGAIN || err == ENOBUFS) res->dropped++;
    else fail(res, err, 1);
    k++;
  }
}

static bool wait_writable(sender *b) {
  if (b->waited) return false;
  b->waited = true;
  struct pollfd p = {.fd = b->s->base.fd, .events = POLLOUT};
  return poll(&p, 1, WIO_UDP_FULL_WAIT_MS) > 0;
}

static void flush(sender *b, wio_send_result *res) {
  close_group(b);
  wio_udp *s = b->s;
  uint32_t i = 0;
  while (i < b->nmsg) {
    int n = sendmmsg(s->base.fd, s->smsgs + i, b->nmsg - i, MSG_DONTWAIT);
    if (n > 0) {
      for (int k = 0; k < n; k++) {
        res->sent += s->ssegs[i + k];
        s->stats.sent += s->ssegs[i + k];
        if (s->ssegs[i + k] > 1) s->stats.gso_messages++;
      }
      i += (uint32_t)n;
      continue;
    }
    int err = errno;
    if (err == EINTR) continue;
    if (err == EAGAIN || err == ENOBUFS) {
      if (wait_writable(b)) continue;
      for (; i < b->nmsg; i++) res->dropped += s->ssegs[i];
      break;
    }
    uint16_t segment = s->ssegs[i] > 1 ? (uint16_t)s->smsgs[i].msg_hdr.msg_iov[0].iov_len : 0;
    if (drop_source(s, i, segment, s->ssegs[i], err)) continue; /* message i again */
    if (s->ssegs[i] > 1 && (err == EIO || err == EINVAL || err == EMSGSIZE)) {
      if (err == EIO) s->gso = false;
      send_one_by_one(b, i, res);
    } else {
      fail(res, err, s->ssegs[i]);
    }
    i++;
  }
  b->nmsg = 0;
  b->niov = 0;
}

static void add(sender *b, const uint8_t *data, uint32_t len, const uint8_t *endpoint, wio_send_result *res) {
  wio_udp *s = b->s;
  uint32_t max_payload = s->family == AF_INET6 ? WIO_MAX_IPV6_PAYLOAD : WIO_MAX_IPV4_PAYLOAD;
  if (b->open && s->gso && !b->ended && len <= b->gso && s->ssegs[b->nmsg - 1] < WIO_UDP_GSO_MAX_SEGS &&
      b->bytes + len <= max_payload && b->niov < WIO_UDP_SEND_IOVS &&
      memcmp(endpoint, b->endpoint, WIO_ENDPOINT_SIZE) == 0) {
    s->siovs[b->niov].iov_base = (void *)data;
    s->siovs[b->niov].iov_len = len;
    b->niov++;
    s->smsgs[b->nmsg - 1].msg_hdr.msg_iovlen++;
    s->ssegs[b->nmsg - 1]++;
    b->bytes += len;
    b->ended = len < b->gso;
    return;
  }
  close_group(b);
  if (b->nmsg == WIO_UDP_SEND_MSGS || b->niov == WIO_UDP_SEND_IOVS) flush(b, res);
  uint32_t m = b->nmsg++;
  struct msghdr *h = &s->smsgs[m].msg_hdr;
  socklen_t name_len = 0;
  wio_endpoint_to_sockaddr(endpoint, &s->saddrs[m], &name_len);
  s->siovs[b->niov].iov_base = (void *)data;
  s->siovs[b->niov].iov_len = len;
  h->msg_name = &s->saddrs[m];
  h->msg_namelen = name_len;
  h->msg_iov = &s->siovs[b->niov];
  h->msg_iovlen = 1;
  h->msg_control = NULL;
  h->msg_controllen = 0;
  h->msg_flags = 0;
  s->ssegs[m] = 1;
  s->seps[m] = endpoint;
  s->sbare[m] = false;
  b->niov++;
  b->open = true;
  b->ended = false;
  b->gso = len;
  b->bytes = len;
  b->endpoint = endpoint;
}

void wio_udp_send(wio_udp *s4, wio_udp *s6, const uint8_t *buf, const uint32_t *offsets, const uint32_t *lengths,
                  const uint8_t *endpoints, uint32_t count, wio_send_result *res) {
  sender b4 = {.s = s4}, b6 = {.s = s6};
  memset(res, 0, sizeof *res);
  for (uint32_t i = 0; i < count; i++) {
    const uint8_t *endpoint = endpoints + (size_t)i * WIO_ENDPOINT_SIZE;
    sender *b = endpoint[0] == 6 ? &b6 : &b4;
    if (b->s == NULL || b->s->base.fd < 0) {
      fail(res, EAFNOSUPPORT, 1);
      continue;
    }
    add(b, buf + offsets[i], lengths[i], endpoint, res);
  }
  if (b4.s != NULL && b4.nmsg > 0) flush(&b4, res);
  if (b6.s != NULL && b6.nmsg > 0) flush(&b6, res);
}
