/* gsoSplit exposes the segmentation code on its own, so that tests can feed it crafted super-packets. */
#include <errno.h>

#include "gso-split.h"
#include "napi-util.h"

/* gsoSplit(frame, headroom, tailroom, { buffer, offsets, lengths }) -> packets written. frame is a vnet header
 * followed by a packet, as one TUN read returns it; it is clobbered. Throws EINVAL for a frame that would be
 * dropped, ENOSPC when the output is too small. */
static napi_value gso_split(napi_env env, napi_callback_info info) {
  WIO_ARGS(env, info, 4, argv);
  wio_view frame, buffer, offsets, lengths;
  uint32_t headroom, tailroom;
  napi_value b, o, l;
  if (!wio_arg_view(env, argv[0], napi_uint8_array, &frame, "frame") ||
      !wio_arg_u32(env, argv[1], &headroom, "headroom") || !wio_arg_u32(env, argv[2], &tailroom, "tailroom")) {
    return NULL;
  }
  WIO_CALL(env, napi_get_named_property(env, argv[3], "buffer", &b));
  WIO_CALL(env, napi_get_named_property(env, argv[3], "offsets", &o));
  WIO_CALL(env, napi_get_named_property(env, argv[3], "lengths", &l));
  if (!wio_arg_view(env, b, napi_uint8_array, &buffer, "out.buffer") ||
      !wio_arg_view(env, o, napi_uint32_array, &offsets, "out.offsets") ||
      !wio_arg_view(env, l, napi_uint32_array, &lengths, "out.lengths")) {
    return NULL;
  }
  wio_gso g;
  int err = wio_gso_parse(frame.data, frame.length, &g);
  if (err != 0) {
    wio_throw_errno(env, -err, "gsoSplit", "frame");
    return NULL;
  }
  wio_slot slot = {.data = buffer.data,
                   .data_len = (uint32_t)buffer.length,
                   .offsets = offsets.data,
                   .lengths = lengths.data,
                   .capacity = (uint32_t)(offsets.length < lengths.length ? offsets.length : lengths.length)};
  wio_pack pack = {.slot = &slot, .headroom = headroom, .tailroom = tailroom};
  size_t packet_len = frame.length - WIO_VNET_HDR_LEN;
  if (wio_gso_cost(&g, &pack, packet_len) > wio_pack_free(&pack) || g.segments > slot.capacity) {
    wio_throw_errno(env, ENOSPC, "gsoSplit", "output");
    return NULL;
  }
  uint32_t n = wio_gso_split(&g, (uint8_t *)frame.data + WIO_VNET_HDR_LEN, packet_len, &pack);
  return wio_u32(env, n);
}

void wio_register_gso(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"gsoSplit", NULL, gso_split, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, 1, props);
}
