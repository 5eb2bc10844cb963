/* The 24-byte endpoint JS and C share for every datagram (see native-helper/io/endpoint.ts):
 *   [0] family (4 or 6)  [1] 0  [2..3] port, big-endian  [4..7] IPv6 scope id, little-endian
 *   [8..23] address (IPv4 in the first 4 bytes, the rest zero)
 * Fixed size and zero padding make equal endpoints equal bytes, so comparing or hashing needs no parsing. */
#ifndef WIO_ENDPOINT_H
#define WIO_ENDPOINT_H

#include <stdint.h>
#include <sys/socket.h>

#define WIO_ENDPOINT_SIZE 24

void wio_endpoint_from_sockaddr(const struct sockaddr_storage *sa, uint8_t out[WIO_ENDPOINT_SIZE]);
/* Returns the endpoint's family as AF_INET / AF_INET6, or -1 when it is malformed. */
int wio_endpoint_to_sockaddr(const uint8_t in[WIO_ENDPOINT_SIZE], struct sockaddr_storage *sa, socklen_t *len);

#endif
