/* JS entry points for UDP sockets; see native-helper/io/addon.ts for the contract each one keeps. */
#include <errno.h>
#include <stdio.h>
#include <netinet/udp.h>
#include <sys/socket.h>

#include "endpoint.h"
#include "napi-util.h"
#include "udp.h"

#ifndef UDP_GRO
#define UDP_GRO 104
#endif

static wio_udp *udp_arg(napi_env env, napi_value value) {
  return (wio_udp *)wio_object_from(env, value, WIO_KIND_UDP);
}

static int sock_int(int fd, int level, int name) {
  int value = 0;
  socklen_t len = sizeof value;
  return getsockopt(fd, level, name, &value, &len) == 0 ? value : -1;
}

/* udpOpen(family 4|6, port, sendBufferBytes, receiveBufferBytes) -> { handle, port, gso, gro } */
static napi_value udp_open(napi_env env, napi_callback_info info) {
  WIO_ARGS(env, info, 4, argv);
  uint32_t family, port, send_bytes, receive_bytes;
  if (!wio_arg_u32(env, argv[0], &family, "family") || !wio_arg_u32(env, argv[1], &port, "port") ||
      !wio_arg_u32(env, argv[2], &send_bytes, "sendBufferBytes") ||
      !wio_arg_u32(env, argv[3], &receive_bytes, "receiveBufferBytes")) {
    return NULL;
  }
  if ((family != 4 && family != 6) || port > 65535) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "family must be 4 or 6 and port at most 65535");
    return NULL;
  }
  wio_udp *s = NULL;
  const char *syscall = NULL;
  int err = wio_udp_open((int)family, (uint16_t)port, send_bytes, receive_bytes, &s, &syscall);
  if (err != 0) {
    char detail[32];
    snprintf(detail, sizeof detail, "udp%u port %u", family, port);
    wio_throw_errno(env, err, syscall, detail);
    return NULL;
  }
  napi_value handle = wio_object_handle(env, &s->base);
  if (handle == NULL) {
    wio_object_shutdown(&s->base);
    wio_object_unref(&s->base);
    return NULL;
  }
  napi_value result;
  WIO_CALL(env, napi_create_object(env, &result));
  wio_set(env, result, "handle", handle);
  wio_set(env, result, "port", wio_u32(env, s->port));
  wio_set(env, result, "gso", wio_bool(env, s->gso));
  wio_set(env, result, "gro", wio_bool(env, s->gro));
  return result;
}

/* udpStart(handle, slot, callback); the slot carries an endpoint record (WIO_ENDPOINT_SIZE bytes) per datagram */
static napi_value udp_start(napi_env env, napi_callback_info info) {
  WIO_ARGS(env, info, 3, argv);
  wio_udp *s = udp_arg(env, argv[0]);
  if (s == NULL) return NULL;
  wio_reader_start(env, &s->base, argv[0], argv[1], WIO_ENDPOINT_SIZE, argv[2]);
  return NULL;
}

static wio_udp *optional_udp(napi_env env, napi_value value, bool *ok) {
  *ok = true;
  if (wio_is_nullish(env, value)) return NULL;
  wio_udp *s = udp_arg(env, value);
  *ok = s != NULL;
  return s;
}

/* udpSend(handle4 | null, handle6 | null, buffer, offsets, lengths, endpoints, count) -> datagrams sent.
 * Throws (with .sent and .failed) when the kernel refused some for a reason other than a full buffer. */
static napi_value udp_send(napi_env env, napi_callback_info info) {
  WIO_ARGS(env, info, 7, argv);
  bool ok4, ok6;
  wio_udp *s4 = optional_udp(env, argv[0], &ok4);
  if (!ok4) return NULL;
  wio_udp *s6 = optional_udp(env, argv[1], &ok6);
  if (!ok6) return NULL;
  napi_value batch_args[4] = {argv[2], argv[3], argv[4], argv[6]};
  wio_batch batch;
  wio_view endpoints;
  if (!wio_arg_batch(env, batch_args, &batch) ||
      !wio_arg_view(env, argv[5], napi_uint8_array, &endpoints, "endpoints")) {
    return NULL;
  }
  if (endpoints.length < (size_t)batch.count * WIO_ENDPOINT_SIZE) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "endpoints holds fewer than count endpoints");
    return NULL;
  }
  const uint8_t *eps = endpoints.data;
  for (uint32_t i = 0; i < batch.count; i++) {
    uint8_t family = eps[(size_t)i * WIO_ENDPOINT_SIZE];
    if (family != 4 && family != 6) {
      napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "an endpoint's family is neither 4 nor 6");
      return NULL;
    }
  }
  wio_send_result res;
  wio_udp_send(s4, s6, batch.buffer, batch.offsets, batch.lengths, eps, batch.count, &res);
  if (res.failed > 0) {
    napi_value error = wio_errno_error(env, res.first_err, "sendmmsg", NULL);
    wio_set(env, error, "sent", wio_u32(env, res.sent));
    wio_set(env, error, "failed", wio_u32(env, res.failed));
    napi_throw(env, error);
    return NULL;
  }
  return wio_u32(env, res.sent);
}

/* udpSetMark(handle, mark): SO_MARK, for FwMark (needs CAP_NET_ADMIN) */
static napi_value udp_set_mark(napi_env env, napi_callback_info info) {
  WIO_ARGS(env, info, 2, argv);
  wio_udp *s = udp_arg(env, argv[0]);
  uint32_t mark;
  if (s == NULL || !wio_arg_u32(env, argv[1], &mark, "mark") || !wio_object_check_open(env, &s->base, "setsockopt")) {
    return NULL;
  }
  if (setsockopt(s->base.fd, SOL_SOCKET, SO_MARK, &mark, sizeof mark) < 0) {
    wio_throw_errno(env, errno, "setsockopt SO_MARK", NULL);
  }
  return NULL;
}

/* udpInfo(handle) -> { port, gso, gro, mark, receiveBuffer, sendBuffer } as the kernel has them now */
static napi_value udp_info(napi_env env, napi_callback_info info) {
  WIO_ARGS(env, info, 1, argv);
  wio_udp *s = udp_arg(env, argv[0]);
  if (s == NULL || !wio_object_check_open(env, &s->base, "getsockopt")) return NULL;
  int fd = s->base.fd;
  napi_value result;
  WIO_CALL(env, napi_create_object(env, &result));
  wio_set(env, result, "port", wio_u32(env, s->port));
  wio_set(env, result, "gso", wio_bool(env, s->gso));
  wio_set(env, result, "gro", wio_bool(env, sock_int(fd, SOL_UDP, UDP_GRO) == 1));
  wio_set(env, result, "mark", wio_u32(env, (uint32_t)sock_int(fd, SOL_SOCKET, SO_MARK)));
  wio_set(env, result, "receiveBuffer", wio_f64(env, sock_int(fd, SOL_SOCKET, SO_RCVBUF)));
  wio_set(env, result, "sendBuffer", wio_f64(env, sock_int(fd, SOL_SOCKET, SO_SNDBUF)));
  return result;
}

/* udpSetOffload(handle, gso, gro): turn UDP_SEGMENT use and UDP_GRO off (or back on where supported) */
static napi_value udp_set_offload(napi_env env, napi_callback_info info) {
  WIO_ARGS(env, info, 3, argv);
  wio_udp *s = udp_arg(env, argv[0]);
  bool gso, gro;
  if (s == NULL || !wio_arg_bool(env, argv[1], &gso, "gso") || !wio_arg_bool(env, argv[2], &gro, "gro") ||
      !wio_object_check_open(env, &s->base, "setsockopt")) {
    return NULL;
  }
  int value = 0;
  socklen_t len = sizeof value;
  s->gso = gso && getsockopt(s->base.fd, SOL_UDP, UDP_SEGMENT, &value, &len) == 0;
  value = gro ? 1 : 0;
  s->gro = setsockopt(s->base.fd, SOL_UDP, UDP_GRO, &value, sizeof value) == 0 && gro;
  return NULL;
}

#define STAT(name, value) wio_set(env, result, name, wio_f64(env, (double)(value)))
#define LOAD(field) atomic_load_explicit(&s->stats.field, memory_order_relaxed)

/* udpStats(handle) -> counters since open */
static napi_value udp_stats(napi_env env, napi_callback_info info) {
  WIO_ARGS(env, info, 1, argv);
  wio_udp *s = udp_arg(env, argv[0]);
  if (s == NULL) return NULL;
  napi_value result;
  WIO_CALL(env, napi_create_object(env, &result));
  STAT("recvCalls", LOAD(recv_calls));
  STAT("received", LOAD(received));
  STAT("groMessages", LOAD(gro_messages));
  STAT("receiveDropped", LOAD(recv_dropped));
  STAT("receiveErrors", LOAD(recv_errors));
  STAT("batches", LOAD(batches));
  STAT("sent", s->stats.sent);
  STAT("gsoMessages", s->stats.gso_messages);
  STAT("gsoFallbacks", s->stats.gso_fallbacks);
  STAT("unsourced", s->stats.unsourced);
  return result;
}

/* udpClose(handle) -> Promise<void>, resolved once no callback can follow */
static napi_value udp_close(napi_env env, napi_callback_info info) {
  WIO_ARGS(env, info, 1, argv);
  wio_udp *s = udp_arg(env, argv[0]);
  return s == NULL ? NULL : wio_object_close(env, &s->base);
}

void wio_register_udp(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"udpOpen", NULL, udp_open, NULL, NULL, NULL, napi_enumerable, NULL},
      {"udpStart", NULL, udp_start, NULL, NULL, NULL, napi_enumerable, NULL},
      {"udpSend", NULL, udp_send, NULL, NULL, NULL, napi_enumerable, NULL},
      {"udpSetMark", NULL, udp_set_mark, NULL, NULL, NULL, napi_enumerable, NULL},
      {"udpInfo", NULL, udp_info, NULL, NULL, NULL, napi_enumerable, NULL},
      {"udpSetOffload", NULL, udp_set_offload, NULL, NULL, NULL, napi_enumerable, NULL},
      {"udpStats", NULL, udp_stats, NULL, NULL, NULL, napi_enumerable, NULL},
      {"udpClose", NULL, udp_close, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
