/* JS entry points for TUN devices; see native-helper/io/addon.ts for the contract each one keeps. */
#include <string.h>

#include "gso-split.h"
#include "napi-util.h"
#include "tun.h"

#define WIO_MAX_ROOM 4096

static wio_tun *tun_arg(napi_env env, napi_value value) {
  return (wio_tun *)wio_object_from(env, value, WIO_KIND_TUN);
}

/* tunOpen(name, mtu, vnetHdr) -> { handle, name, vnetHdr, offloads } */
static napi_value tun_open(napi_env env, napi_callback_info info) {
  WIO_ARGS(env, info, 3, argv);
  char name[64];
  uint32_t mtu;
  bool vnet;
  if (!wio_arg_string(env, argv[0], name, sizeof name, "name") || !wio_arg_u32(env, argv[1], &mtu, "mtu") ||
      !wio_arg_bool(env, argv[2], &vnet, "vnetHdr")) {
    return NULL;
  }
  wio_tun *t = NULL;
  const char *syscall = NULL;
  int err = wio_tun_open(name, vnet, mtu, &t, &syscall);
  if (err != 0) {
    wio_throw_errno(env, err, syscall, name);
    return NULL;
  }
  napi_value handle = wio_object_handle(env, &t->base);
  if (handle == NULL) {
    wio_object_shutdown(&t->base);
    wio_object_unref(&t->base);
    return NULL;
  }
  napi_value result;
  WIO_CALL(env, napi_create_object(env, &result));
  wio_set(env, result, "handle", handle);
  wio_set(env, result, "name", wio_string(env, t->name));
  wio_set(env, result, "vnetHdr", wio_bool(env, t->vnet));
  wio_set(env, result, "offloads", wio_u32(env, t->offloads));
  return result;
}

/* tunStart(handle, slot, headroom, tailroom, callback) */
static napi_value tun_start(napi_env env, napi_callback_info info) {
  WIO_ARGS(env, info, 5, argv);
  wio_tun *t = tun_arg(env, argv[0]);
  uint32_t headroom, tailroom;
  if (t == NULL || !wio_arg_u32(env, argv[2], &headroom, "headroom") ||
      !wio_arg_u32(env, argv[3], &tailroom, "tailroom")) {
    return NULL;
  }
  if (headroom > WIO_MAX_ROOM || tailroom > WIO_MAX_ROOM) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "headroom and tailroom must be at most 4096");
    return NULL;
  }
  if (!t->base.reader.started) {
    t->headroom = headroom;
    t->tailroom = tailroom;
  }
  wio_reader_start(env, &t->base, argv[0], argv[1], 0, argv[4]);
  return NULL;
}

/* tunWrite(handle, buffer, offsets, lengths, count) -> packets written; throws if any failed */
static napi_value tun_write(napi_env env, napi_callback_info info) {
  WIO_ARGS(env, info, 5, argv);
  wio_tun *t = tun_arg(env, argv[0]);
  wio_batch batch;
  if (t == NULL || !wio_arg_batch(env, argv + 1, &batch) || !wio_object_check_open(env, &t->base, "write")) {
    return NULL;
  }
  int err = 0;
  uint32_t written = wio_tun_write(t, batch.buffer, batch.offsets, batch.lengths, batch.count, &err);
  if (err != 0) {
    napi_value error = wio_errno_error(env, err, "write", t->name);
    wio_set(env, error, "written", wio_u32(env, written));
    napi_throw(env, error);
    return NULL;
  }
  return wio_u32(env, written);
}

/* tunMtu(handle) -> the kernel's current MTU for the device */
static napi_value tun_mtu(napi_env env, napi_callback_info info) {
  WIO_ARGS(env, info, 1, argv);
  wio_tun *t = tun_arg(env, argv[0]);
  uint32_t mtu = 0;
  if (t == NULL) return NULL;
  int err = wio_tun_mtu(t, &mtu);
  if (err != 0) {
    wio_throw_errno(env, err, "SIOCGIFMTU", t->name);
    return NULL;
  }
  return wio_u32(env, mtu);
}

/* tunSetMtu(handle, mtu) */
static napi_value tun_set_mtu(napi_env env, napi_callback_info info) {
  WIO_ARGS(env, info, 2, argv);
  wio_tun *t = tun_arg(env, argv[0]);
  uint32_t mtu;
  if (t == NULL || !wio_arg_u32(env, argv[1], &mtu, "mtu")) return NULL;
  int err = wio_tun_set_mtu(t, mtu);
  if (err != 0) wio_throw_errno(env, err, "SIOCSIFMTU", t->name);
  return NULL;
}

#define STAT(name, field) wio_set(env, result, name, wio_f64(env, (double)atomic_load_explicit(&t->stats.field, memory_order_relaxed)))

/* tunStats(handle) -> counters since open */
static napi_value tun_stats(napi_env env, napi_callback_info info) {
  WIO_ARGS(env, info, 1, argv);
  wio_tun *t = tun_arg(env, argv[0]);
  if (t == NULL) return NULL;
  napi_value result;
  WIO_CALL(env, napi_create_object(env, &result));
  STAT("reads", reads);
  STAT("packets", packets);
  STAT("gsoFrames", gso_frames);
  STAT("checksumsFinished", csum_finished);
  STAT("dropped", dropped);
  STAT("batches", batches);
  STAT("written", written);
  STAT("writeCalls", write_calls);
  STAT("groFrames", gro_frames);
  STAT("groPackets", gro_packets);
  STAT("groFallbacks", gro_fallbacks);
  return result;
}

/* tunClose(handle) -> Promise<void>, resolved once no callback can follow */
static napi_value tun_close(napi_env env, napi_callback_info info) {
  WIO_ARGS(env, info, 1, argv);
  wio_tun *t = tun_arg(env, argv[0]);
  return t == NULL ? NULL : wio_object_close(env, &t->base);
}

void wio_register_tun(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"tunOpen", NULL, tun_open, NULL, NULL, NULL, napi_enumerable, NULL},
      {"tunStart", NULL, tun_start, NULL, NULL, NULL, napi_enumerable, NULL},
      {"tunWrite", NULL, tun_write, NULL, NULL, NULL, napi_enumerable, NULL},
      {"tunMtu", NULL, tun_mtu, NULL, NULL, NULL, napi_enumerable, NULL},
      {"tunSetMtu", NULL, tun_set_mtu, NULL, NULL, NULL, napi_enumerable, NULL},
      {"tunStats", NULL, tun_stats, NULL, NULL, NULL, napi_enumerable, NULL},
      {"tunClose", NULL, tun_close, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
