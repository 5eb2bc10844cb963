/* Sending a batch: datagrams are sorted by family onto their socket, coalesced into UDP_SEGMENT messages where
 * the socket has GSO, and sent with sendmmsg. A GSO message the kernel refuses (EIO: the route's device lacks
 * checksum offload, then GSO is off for the socket, as wireguard-go does; EINVAL/EMSGSIZE: a segment is over
 * the path's MTU) is resent one datagram at a time. A full socket buffer is waited for once, briefly, then
 * the rest is dropped as UDP would. */
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

static void close_group(sender *b) {
  if (!b->open) return;
  b->open = false;
  uint32_t m = b->nmsg - 1;
  struct msghdr *h = &b->s->smsgs[m].msg_hdr;
  if (b->s->ssegs[m] > 1) {
    uint8_t *control = b->s->scmsgs + (size_t)m * WIO_UDP_CMSG_SPACE;
    memset(control, 0, CMSG_SPACE(sizeof(uint16_t)));
    h->msg_control = control;
    h->msg_controllen = CMSG_SPACE(sizeof(uint16_t));
    struct cmsghdr *c = CMSG_FIRSTHDR(h);
    c->cmsg_level = SOL_UDP;
    c->cmsg_type = UDP_SEGMENT;
    c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
    uint16_t size = (uint16_t)b->gso;
    memcpy(CMSG_DATA(c), &size, sizeof size);
  } else {
    h->msg_control = NULL;
    h->msg_controllen = 0;
  }
}

static void send_one_by_one(sender *b, uint32_t m, wio_send_result *res) {
  struct msghdr one = b->s->smsgs[m].msg_hdr;
  struct iovec *iovs = one.msg_iov;
  size_t n = one.msg_iovlen;
  one.msg_control = NULL;
  one.msg_controllen = 0;
  one.msg_iovlen = 1;
  b->s->stats.gso_fallbacks++;
  for (size_t k = 0; k < n; k++) {
    one.msg_iov = &iovs[k];
    ssize_t r;
    do {
      r = sendmsg(b->s->base.fd, &one, MSG_DONTWAIT);
    } while (r < 0 && errno == EINTR);
    if (r >= 0) {
      res->sent++;
      b->s->stats.sent++;
    } else if (errno == EAGAIN || errno == ENOBUFS) res->dropped++;
    else fail(res, errno, 1);
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
