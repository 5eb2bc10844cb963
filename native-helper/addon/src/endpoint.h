/* The 40-byte endpoint record JS and C share for every datagram: the remote end, then the local address the
 * datagram came to (the source to answer from; zeros: none). Its layout is defined, once, in
 * native-helper/engine/endpoint.ts; this side must write and read exactly that. */
#ifndef WIO_ENDPOINT_H
#define WIO_ENDPOINT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#define WIO_ENDPOINT_SIZE 40
#define WIO_ENDPOINT_LOCAL 24 /* offset of the local address: IPv4 in its first 4 bytes, or the 16 IPv6 bytes */

void wio_endpoint_from_sockaddr(const struct sockaddr_storage *sa, uint8_t out[WIO_ENDPOINT_SIZE]);
/* Returns the endpoint's family as AF_INET / AF_INET6, or -1 when it is malformed. */
int wio_endpoint_to_sockaddr(const uint8_t in[WIO_ENDPOINT_SIZE], struct sockaddr_storage *sa, socklen_t *len);
/* Whether the record names a local address to send from. */
bool wio_endpoint_has_local(const uint8_t in[WIO_ENDPOINT_SIZE]);

#endif
