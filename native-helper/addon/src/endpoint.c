#include "endpoint.h"

#include <netinet/in.h>
#include <string.h>

void wio_endpoint_from_sockaddr(const struct sockaddr_storage *sa, uint8_t out[WIO_ENDPOINT_SIZE]) {
  memset(out, 0, WIO_ENDPOINT_SIZE);
  if (sa->ss_family == AF_INET) {
    const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
    out[0] = 4;
    memcpy(out + 2, &in->sin_port, 2);
    memcpy(out + 8, &in->sin_addr, 4);
  } else if (sa->ss_family == AF_INET6) {
    const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
    uint32_t scope = in6->sin6_scope_id;
    out[0] = 6;
    memcpy(out + 2, &in6->sin6_port, 2);
    out[4] = (uint8_t)scope;
    out[5] = (uint8_t)(scope >> 8);
    out[6] = (uint8_t)(scope >> 16);
    out[7] = (uint8_t)(scope >> 24);
    memcpy(out + 8, &in6->sin6_addr, 16);
  }
}

int wio_endpoint_to_sockaddr(const uint8_t in[WIO_ENDPOINT_SIZE], struct sockaddr_storage *sa, socklen_t *len) {
  memset(sa, 0, sizeof(struct sockaddr_in6));
  if (in[0] == 4) {
    struct sockaddr_in *out = (struct sockaddr_in *)sa;
    out->sin_family = AF_INET;
    memcpy(&out->sin_port, in + 2, 2);
    memcpy(&out->sin_addr, in + 8, 4);
    *len = sizeof *out;
    return AF_INET;
  }
  if (in[0] == 6) {
    struct sockaddr_in6 *out = (struct sockaddr_in6 *)sa;
    out->sin6_family = AF_INET6;
    memcpy(&out->sin6_port, in + 2, 2);
    out->sin6_scope_id = (uint32_t)in[4] | (uint32_t)in[5] << 8 | (uint32_t)in[6] << 16 | (uint32_t)in[7] << 24;
    memcpy(&out->sin6_addr, in + 8, 16);
    *len = sizeof *out;
    return AF_INET6;
  }
  return -1;
}

bool wio_endpoint_has_local(const uint8_t in[WIO_ENDPOINT_SIZE]) {
  size_t n = in[0] == 6 ? 16 : 4;
  for (size_t i = 0; i < n; i++) {
    if (in[WIO_ENDPOINT_LOCAL + i] != 0) return true;
  }
  return false;
}
