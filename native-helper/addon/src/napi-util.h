/* Argument checking and small value builders for the N-API entry points. Each wio_arg_* returns false with a
 * TypeError pending when the value is not what the entry point documents. */
#ifndef WIO_NAPI_UTIL_H
#define WIO_NAPI_UTIL_H

#include <node_api.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WIO_CALL(env, call)        \
  do {                             \
    if ((call) != napi_ok) {       \
      wio_throw_napi_status(env);  \
      return NULL;                 \
    }                              \
  } while (0)

#define WIO_ARGS(env, info, n, argv)                                                 \
  size_t argc_ = (n);                                                                \
  napi_value argv[(n) > 0 ? (n) : 1];                                                \
  WIO_CALL(env, napi_get_cb_info(env, info, &argc_, argv, NULL, NULL));              \
  if (argc_ < (n)) {                                                                 \
    wio_throw_type_error(env, "too few arguments");                                  \
    return NULL;                                                                     \
  }

/* A typed array's memory as the native side sees it; `length` counts elements. */
typedef struct wio_view {
  void *data;
  size_t length;
  size_t byte_length;
} wio_view;

bool wio_arg_view(napi_env env, napi_value value, napi_typedarray_type type, wio_view *out, const char *what);
bool wio_arg_u32(napi_env env, napi_value value, uint32_t *out, const char *what);
bool wio_arg_bool(napi_env env, napi_value value, bool *out, const char *what);
bool wio_arg_string(napi_env env, napi_value value, char *buf, size_t cap, const char *what);
bool wio_arg_function(napi_env env, napi_value value, const char *what);
bool wio_is_nullish(napi_env env, napi_value value);

napi_value wio_u32(napi_env env, uint32_t value);
napi_value wio_f64(napi_env env, double value);
napi_value wio_bool(napi_env env, bool value);
napi_value wio_string(napi_env env, const char *value);
napi_value wio_undefined(napi_env env);
void wio_set(napi_env env, napi_value obj, const char *name, napi_value value);

#include "errors.h"

#endif

/* A batch JS hands in: packets i < count live at buffer[offsets[i], offsets[i] + lengths[i]). */
typedef struct wio_batch {
  const uint8_t *buffer;
  const uint32_t *offsets;
  const uint32_t *lengths;
  uint32_t count;
} wio_batch;

/* argv: buffer, offsets, lengths, count. Checks every packet lies inside buffer (RangeError otherwise). */
bool wio_arg_batch(napi_env env, napi_value *argv, wio_batch *out);
