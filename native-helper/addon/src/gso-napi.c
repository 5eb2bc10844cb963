/* gsoSplit and gsoCoalesce expose the segmentation and merging code on their own, so that tests can feed them
 * crafted super-packets and segment sequences. */
#include <errno.h>
#include <string.h>

#include "gso-coalesce.h"
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

/* Frames as the TUN would have been written them, laid end to end in out. */
typedef struct collect {
  wio_slot *out;
  uint32_t cursor;
  bool refuse_gso;
} collect;

static int collect_frame(void *ctx, const struct iovec *iov, int iovcnt) {
  collect *c = ctx;
  if (c->refuse_gso && ((const uint8_t *)iov[0].iov_base)[1] != 0) return EINVAL; /* gso_type */
  uint32_t start = c->cursor;
  for (int i = 0; i < iovcnt; i++) {
    memcpy(c->out->data + c->cursor, iov[i].iov_base, iov[i].iov_len);
    c->cursor += (uint32_t)iov[i].iov_len;
  }
  c->out->offsets[c->out->count] = start;
  c->out->lengths[c->out->count] = c->cursor - start;
  c->out->count++;
  return 0;
}

/* gsoCoalesce(buffer, offsets, lengths, count, offloads, out, refuseGso) -> { frames, written, calls,
 * superPackets, merged, fallbacks }: the frames (vnet header and packet) the TUN write of the batch would make,
 * into out = { buffer, offsets, lengths }. With refuseGso every super-packet is refused with EINVAL, as by a
 * kernel that does not take them. Throws ENOSPC when out could be too small. */
static napi_value gso_coalesce(napi_env env, napi_callback_info info) {
  WIO_ARGS(env, info, 7, argv);
  wio_batch batch;
  wio_view buffer, offsets, lengths;
  uint32_t offloads;
  bool refuse;
  napi_value b, o, l;
  if (!wio_arg_batch(env, argv, &batch) || !wio_arg_u32(env, argv[4], &offloads, "offloads") ||
      !wio_arg_bool(env, argv[6], &refuse, "refuseGso")) {
    return NULL;
  }
  WIO_CALL(env, napi_get_named_property(env, argv[5], "buffer", &b));
  WIO_CALL(env, napi_get_named_property(env, argv[5], "offsets", &o));
  WIO_CALL(env, napi_get_named_property(env, argv[5], "lengths", &l));
  if (!wio_arg_view(env, b, napi_uint8_array, &buffer, "out.buffer") ||
      !wio_arg_view(env, o, napi_uint32_array, &offsets, "out.offsets") ||
      !wio_arg_view(env, l, napi_uint32_array, &lengths, "out.lengths")) {
    return NULL;
  }
  uint64_t need = 0;
  for (uint32_t i = 0; i < batch.count; i++) need += WIO_VNET_HDR_LEN + (uint64_t)batch.lengths[i];
  if (need > buffer.length || batch.count > offsets.length || batch.count > lengths.length) {
    wio_throw_errno(env, ENOSPC, "gsoCoalesce", "output");
    return NULL;
  }
  wio_gro *g = wio_gro_new();
  if (g == NULL) {
    wio_throw_errno(env, ENOMEM, "gsoCoalesce", "state");
    return NULL;
  }
  wio_slot out = {.data = buffer.data, .data_len = (uint32_t)buffer.length, .offsets = offsets.data,
                  .lengths = lengths.data, .capacity = batch.count};
  collect c = {.out = &out, .refuse_gso = refuse};
  wio_gro_result r;
  wio_gro_write(g, offloads, batch.buffer, batch.offsets, batch.lengths, batch.count, collect_frame, &c, &r);
  wio_gro_free(g);
  napi_value result;
  WIO_CALL(env, napi_create_object(env, &result));
  wio_set(env, result, "frames", wio_u32(env, out.count));
  wio_set(env, result, "written", wio_u32(env, r.written));
  wio_set(env, result, "calls", wio_u32(env, r.calls));
  wio_set(env, result, "superPackets", wio_u32(env, r.frames));
  wio_set(env, result, "merged", wio_u32(env, r.merged));
  wio_set(env, result, "fallbacks", wio_u32(env, r.fallbacks));
  return result;
}

void wio_register_gso(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"gsoSplit", NULL, gso_split, NULL, NULL, NULL, napi_enumerable, NULL},
      {"gsoCoalesce", NULL, gso_coalesce, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
