/* The UDP reader's fill: one recvmmsg per batch, into 64 KiB windows of the slot. */
#include <errno.h>
#include <netinet/udp.h>
#include <string.h>

#include "endpoint.h"
#include "udp.h"

#ifndef UDP_GRO
#define UDP_GRO 104
#endif

/* Errors a socket reports for something past (an ICMP error, memory pressure): note and carry on. */
static bool transient(int err) {
  switch (err) {
    case EAGAIN:
    case ECONNREFUSED:
    case ECONNRESET:
    case EHOSTUNREACH:
    case EHOSTDOWN:
    case ENETUNREACH:
    case ENETDOWN:
    case ENOBUFS:
    case ENOMEM:
    case EMSGSIZE:
    case EPERM:
    case ETIMEDOUT:
      return true;
    default:
      return false;
  }
}

/* What the kernel says of a received message: its UDP_GRO segment size (0: one datagram), and the local address
 * it came to (IP_PKTINFO / IPV6_PKTINFO), which goes into the endpoint record as the source to answer from, as
 * the kernel's wg_socket_endpoint_from_skb records the packet's destination. For IPv4 that is ipi_spec_dst, the
 * address the kernel itself would answer from: the header's destination for unicast, where the two agree. */
static uint32_t read_control(struct msghdr *h, uint8_t endpoint[WIO_ENDPOINT_SIZE]) {
  uint32_t gro = 0;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(h); c != NULL; c = CMSG_NXTHDR(h, c)) {
    size_t n = c->cmsg_len - CMSG_LEN(0);
    if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO) {
      if (n >= sizeof(int)) {
        int size;
        memcpy(&size, CMSG_DATA(c), sizeof size);
        gro = size > 0 ? (uint32_t)size : 0;
      } else if (n >= sizeof(uint16_t)) {
        uint16_t size;
        memcpy(&size, CMSG_DATA(c), sizeof size);
        gro = size;
      }
    } else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO && n >= sizeof(struct in_pktinfo) &&
               endpoint[0] == 4) {
      struct in_pktinfo info;
      memcpy(&info, CMSG_DATA(c), sizeof info);
      memcpy(endpoint + WIO_ENDPOINT_LOCAL, &info.ipi_spec_dst, 4);
    } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO && n >= sizeof(struct in6_pktinfo) &&
               endpoint[0] == 6) {
      struct in6_pktinfo info;
      memcpy(&info, CMSG_DATA(c), sizeof info);
      memcpy(endpoint + WIO_ENDPOINT_LOCAL, &info.ipi6_addr, 16);
    }
  }
  return gro;
}

int wio_udp_fill(wio_object *obj, wio_slot *slot) {
  wio_udp *s = (wio_udp *)obj;
  uint32_t windows = slot->data_len / WIO_UDP_WINDOW;
  if (windows > WIO_UDP_RECV_MSGS) windows = WIO_UDP_RECV_MSGS;
  if (windows == 0) return -EMSGSIZE; /* the TS side never makes slots this small */
  for (uint32_t j = 0; j < windows; j++) {
    struct msghdr *h = &s->rmsgs[j].msg_hdr;
    s->riovs[j].iov_base = slot->data + (size_t)j * WIO_UDP_WINDOW;
    s->riovs[j].iov_len = WIO_UDP_WINDOW;
    h->msg_name = &s->raddrs[j];
    h->msg_namelen = sizeof s->raddrs[j];
    h->msg_iov = &s->riovs[j];
    h->msg_iovlen = 1;
    h->msg_control = s->rcmsgs + (size_t)j * WIO_UDP_CMSG_SPACE;
    h->msg_controllen = WIO_UDP_CMSG_SPACE;
    h->msg_flags = 0;
  }
  int n;
  do {
    n = recvmmsg(obj->fd, s->rmsgs, windows, MSG_DONTWAIT, NULL);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
    if (transient(errno)) {
      atomic_fetch_add_explicit(&s->stats.recv_errors, 1, memory_order_relaxed);
      return 0;
    }
    return -errno;
  }

  uint64_t gro = 0, dropped = 0;
  for (int j = 0; j < n; j++) {
    struct msghdr *h = &s->rmsgs[j].msg_hdr;
    uint32_t len = s->rmsgs[j].msg_len;
    if (h->msg_flags & MSG_TRUNC) {
      dropped++;
      continue;
    }
    uint8_t endpoint[WIO_ENDPOINT_SIZE];
    wio_endpoint_from_sockaddr(&s->raddrs[j], endpoint);
    uint32_t base = (uint32_t)j * WIO_UDP_WINDOW;
    uint32_t size = read_control(h, endpoint);
    if (size == 0 || size >= len) size = len;
    else gro++;
    for (uint32_t at = 0; at < len || (len == 0 && at == 0); at += size) {
      if (slot->count == slot->capacity) {
        dropped++;
      } else {
        uint32_t i = slot->count++;
        slot->offsets[i] = base + at;
        slot->lengths[i] = len - at < size ? len - at : size;
        memcpy(slot->endpoints + (size_t)i * WIO_ENDPOINT_SIZE, endpoint, WIO_ENDPOINT_SIZE);
      }
      if (size == 0) break; /* an empty datagram */
    }
  }
  atomic_fetch_add_explicit(&s->stats.recv_calls, 1, memory_order_relaxed);
  atomic_fetch_add_explicit(&s->stats.received, slot->count, memory_order_relaxed);
  atomic_fetch_add_explicit(&s->stats.gro_messages, gro, memory_order_relaxed);
  atomic_fetch_add_explicit(&s->stats.recv_dropped, dropped, memory_order_relaxed);
  if (slot->count > 0) atomic_fetch_add_explicit(&s->stats.batches, 1, memory_order_relaxed);
  return 0;
}
