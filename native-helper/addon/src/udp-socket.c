#include <errno.h>
#include <netinet/udp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "udp.h"

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif
#ifndef UDP_GRO
#define UDP_GRO 104
#endif

static void udp_free(wio_udp *s) {
  free(s->rmsgs);
  free(s->riovs);
  free(s->raddrs);
  free(s->rcmsgs);
  free(s->smsgs);
  free(s->siovs);
  free(s->saddrs);
  free(s->scmsgs);
  free(s->ssegs);
  free(s->seps);
  free(s->sbare);
  free(s);
}

static void udp_destroy(wio_object *obj) { udp_free((wio_udp *)obj); }

static int fail(int fd, wio_udp *s, const char *call, const char **syscall) {
  int err = errno;
  *syscall = call;
  if (fd >= 0) close(fd);
  if (s != NULL) udp_free(s);
  return err;
}

/* Sizes past net.core.*mem_max need CAP_NET_ADMIN (the FORCE options); failing either only costs throughput.
 * The two differ on purpose: a large send buffer lets sendmmsg hand over whole batches, while the receive
 * buffer is a queue in front of our one JS thread; when that thread is short of CPU, whatever the buffer holds
 * is latency for every packet behind it (the TCP inside fills it before it sees a loss). */
static void size_buffers(int fd, int send_bytes, int receive_bytes) {
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receive_bytes, sizeof receive_bytes);
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &send_bytes, sizeof send_bytes);
  setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &receive_bytes, sizeof receive_bytes);
  setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &send_bytes, sizeof send_bytes);
}

static bool allocate(wio_udp *s) {
  s->rmsgs = calloc(WIO_UDP_RECV_MSGS, sizeof *s->rmsgs);
  s->riovs = calloc(WIO_UDP_RECV_MSGS, sizeof *s->riovs);
  s->raddrs = calloc(WIO_UDP_RECV_MSGS, sizeof *s->raddrs);
  s->rcmsgs = calloc(WIO_UDP_RECV_MSGS, WIO_UDP_CMSG_SPACE);
  s->smsgs = calloc(WIO_UDP_SEND_MSGS, sizeof *s->smsgs);
  s->siovs = calloc(WIO_UDP_SEND_IOVS, sizeof *s->siovs);
  s->saddrs = calloc(WIO_UDP_SEND_MSGS, sizeof *s->saddrs);
  s->scmsgs = calloc(WIO_UDP_SEND_MSGS, WIO_UDP_CMSG_SPACE);
  s->ssegs = calloc(WIO_UDP_SEND_MSGS, sizeof *s->ssegs);
  s->seps = calloc(WIO_UDP_SEND_MSGS, sizeof *s->seps);
  s->sbare = calloc(WIO_UDP_SEND_MSGS, sizeof *s->sbare);
  return s->rmsgs && s->riovs && s->raddrs && s->rcmsgs && s->smsgs && s->siovs && s->saddrs && s->scmsgs && s->ssegs &&
         s->seps && s->sbare;
}

int wio_udp_open(int family, uint16_t port, uint32_t send_bytes, uint32_t receive_bytes, wio_udp **out,
                 const char **syscall) {
  int af = family == 6 ? AF_INET6 : AF_INET;
  int fd = socket(af, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
  if (fd < 0) return fail(-1, NULL, "socket", syscall);
  int one = 1;
  if (af == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) < 0) {
    return fail(fd, NULL, "setsockopt IPV6_V6ONLY", syscall);
  }
  /* The local address each datagram came to, for the endpoint record (udp-recv.c). */
  if (af == AF_INET6 ? setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof one) < 0
                     : setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof one) < 0) {
    return fail(fd, NULL, af == AF_INET6 ? "setsockopt IPV6_RECVPKTINFO" : "setsockopt IP_PKTINFO", syscall);
  }
  size_buffers(fd, send_bytes > INT32_MAX ? INT32_MAX : (int)send_bytes,
               receive_bytes > INT32_MAX ? INT32_MAX : (int)receive_bytes);

  struct sockaddr_storage sa;
  socklen_t len;
  memset(&sa, 0, sizeof sa);
  if (af == AF_INET6) {
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&sa;
    in6->sin6_family = AF_INET6;
    in6->sin6_addr = in6addr_any;
    in6->sin6_port = htons(port);
    len = sizeof *in6;
  } else {
    struct sockaddr_in *in = (struct sockaddr_in *)&sa;
    in->sin_family = AF_INET;
    in->sin_addr.s_addr = htonl(INADDR_ANY);
    in->sin_port = htons(port);
    len = sizeof *in;
  }
  if (bind(fd, (struct sockaddr *)&sa, len) < 0) return fail(fd, NULL, "bind", syscall);
  len = sizeof sa;
  if (getsockname(fd, (struct sockaddr *)&sa, &len) < 0) return fail(fd, NULL, "getsockname", syscall);

  wio_udp *s = calloc(1, sizeof *s);
  if (s == NULL || !allocate(s)) return fail(fd, s, "calloc", syscall);
  s->family = af;
  s->port = ntohs(af == AF_INET6 ? ((struct sockaddr_in6 *)&sa)->sin6_port : ((struct sockaddr_in *)&sa)->sin_port);
  int value = 0;
  socklen_t value_len = sizeof value;
  s->gso = getsockopt(fd, SOL_UDP, UDP_SEGMENT, &value, &value_len) == 0;
  s->gro = setsockopt(fd, SOL_UDP, UDP_GRO, &one, sizeof one) == 0;
  int err = wio_object_init(&s->base, WIO_KIND_UDP, fd, wio_udp_fill, "recvmmsg", udp_destroy);
  if (err != 0) {
    errno = err;
    return fail(fd, s, "eventfd", syscall);
  }
  *out = s;
  return 0;
}
