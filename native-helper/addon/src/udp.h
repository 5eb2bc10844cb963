/* One UDP socket (IPv4, or IPv6 with IPV6_V6ONLY: a Bind pairs two on one port, as wireguard-go does).
 *
 * Receive (reader.c, on the JS thread's loop): recvmmsg into the slot, one 64 KiB window per message so a UDP GRO super-datagram
 * fits; GRO ones are split in place by the UDP_GRO cmsg's segment size, each piece keeping the source endpoint.
 * Send (JS thread): sendmmsg; consecutive datagrams to one endpoint of one size (the last may be shorter) go
 * as one message with UDP_SEGMENT, their buffers gathered by iovecs, not copied.
 * Sticky source, as the kernel's (socket.c): each datagram's record carries the local address it came to
 * (IP_PKTINFO / IPV6_PKTINFO on receive), and a record with one is sent from it. */
#ifndef WIO_UDP_H
#define WIO_UDP_H

#include <netinet/in.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "object.h"

#define WIO_UDP_WINDOW 65536      /* receive room per message */
#define WIO_UDP_RECV_MSGS 64      /* most messages one recvmmsg takes */
#define WIO_UDP_CMSG_SPACE 96     /* per message: UDP_GRO or UDP_SEGMENT, and a PKTINFO (64 bytes at most) */
#define WIO_UDP_SEND_MSGS 128     /* messages per sendmmsg */
#define WIO_UDP_SEND_IOVS 1024    /* datagrams per sendmmsg */
#define WIO_UDP_GSO_MAX_SEGS 64   /* UDP_MAX_SEGMENTS on older kernels */

typedef struct wio_udp_stats {
  atomic_uint_fast64_t recv_calls;
  atomic_uint_fast64_t received;      /* datagrams handed to JS */
  atomic_uint_fast64_t gro_messages;  /* super-datagrams split */
  atomic_uint_fast64_t recv_dropped;  /* truncated, or past the slot's capacity */
  atomic_uint_fast64_t recv_errors;   /* transient errors (ICMP-induced, ENOBUFS, ...) */
  atomic_uint_fast64_t batches;
  uint64_t sent;                      /* JS thread only from here on */
  uint64_t gso_messages;              /* messages sent with UDP_SEGMENT */
  uint64_t gso_fallbacks;             /* GSO messages resent one datagram at a time */
  uint64_t unsourced;                 /* datagrams resent without their source address (no longer ours) */
} wio_udp_stats;

typedef struct wio_udp {
  wio_object base; /* first: a wio_object * is a wio_udp * */
  int family;      /* AF_INET or AF_INET6 */
  uint16_t port;
  bool gso;
  bool gro;
  struct mmsghdr *rmsgs; /* the reader's */
  struct iovec *riovs;
  struct sockaddr_storage *raddrs;
  uint8_t *rcmsgs;
  struct mmsghdr *smsgs; /* JS thread only */
  struct iovec *siovs;
  struct sockaddr_storage *saddrs;
  uint8_t *scmsgs;
  uint16_t *ssegs;
  const uint8_t **seps; /* message i's endpoint record (in the batch being sent) */
  bool *sbare;          /* message i goes without its source address */
  wio_udp_stats stats;
} wio_udp;

typedef struct wio_send_result {
  uint32_t sent;
  uint32_t failed;  /* refused by the kernel for a reason other than a full buffer */
  uint32_t dropped; /* not sent because the socket buffer stayed full */
  int first_err;
} wio_send_result;

int wio_udp_open(int family, uint16_t port, uint32_t send_bytes, uint32_t receive_bytes, wio_udp **out,
                 const char **syscall);
int wio_udp_fill(wio_object *obj, wio_slot *slot);
/* Datagram i goes to endpoints[i]; IPv4 ones by s4, IPv6 ones by s6 (either may be NULL or closed). */
void wio_udp_send(wio_udp *s4, wio_udp *s6, const uint8_t *buf, const uint32_t *offsets, const uint32_t *lengths,
                  const uint8_t *endpoints, uint32_t count, wio_send_result *res);

#endif
