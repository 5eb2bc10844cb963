#include "napi-util.h"

#include <stdio.h>
#include <string.h>

static bool fail(napi_env env, const char *what, const char *expected) {
  char message[160];
  snprintf(message, sizeof message, "%s must be %s", what, expected);
  wio_throw_type_error(env, message);
  return false;
}

bool wio_arg_view(napi_env env, napi_value value, napi_typedarray_type type, wio_view *out, const char *what) {
  bool is_typed = false;
  if (napi_is_typedarray(env, value, &is_typed) != napi_ok || !is_typed) {
    return fail(env, what, type == napi_uint8_array ? "a Uint8Array" : "a Uint32Array");
  }
  napi_typedarray_type actual;
  size_t length = 0;
  void *data = NULL;
  if (napi_get_typedarray_info(env, value, &actual, &length, &data, NULL, NULL) != napi_ok || actual != type) {
    return fail(env, what, type == napi_uint8_array ? "a Uint8Array" : "a Uint32Array");
  }
  out->data = data;
  out->length = length;
  out->byte_length = length * (type == napi_uint32_array ? 4 : 1);
  return true;
}

bool wio_arg_u32(napi_env env, napi_value value, uint32_t *out, const char *what) {
  napi_valuetype t;
  double d = 0;
  if (napi_typeof(env, value, &t) != napi_ok || t != napi_number) return fail(env, what, "a number");
  napi_get_value_double(env, value, &d);
  if (!(d >= 0 && d <= 4294967295.0) || d != (double)(uint32_t)d) return fail(env, what, "an unsigned 32-bit integer");
  *out = (uint32_t)d;
  return true;
}

bool wio_arg_bool(napi_env env, napi_value value, bool *out, const char *what) {
  napi_valuetype t;
  if (napi_typeof(env, value, &t) != napi_ok || t != napi_boolean) return fail(env, what, "a boolean");
  return napi_get_value_bool(env, value, out) == napi_ok;
}

bool wio_arg_string(napi_env env, napi_value value, char *buf, size_t cap, const char *what) {
  napi_valuetype t;
  size_t length = 0;
  if (napi_typeof(env, value, &t) != napi_ok || t != napi_string) return fail(env, what, "a string");
  napi_get_value_string_utf8(env, value, NULL, 0, &length);
  if (length >= cap) return fail(env, what, "shorter");
  napi_get_value_string_utf8(env, value, buf, cap, &length);
  return true;
}

bool wio_arg_function(napi_env env, napi_value value, const char *what) {
  napi_valuetype t;
  if (napi_typeof(env, value, &t) != napi_ok || t != napi_function) return fail(env, what, "a function");
  return true;
}

bool wio_is_nullish(napi_env env, napi_value value) {
  napi_valuetype t;
  return napi_typeof(env, value, &t) == napi_ok && (t == napi_null || t == napi_undefined);
}

napi_value wio_u32(napi_env env, uint32_t value) {
  napi_value v = NULL;
  napi_create_uint32(env, value, &v);
  return v;
}

napi_value wio_f64(napi_env env, double value) {
  napi_value v = NULL;
  napi_create_double(env, value, &v);
  return v;
}

napi_value wio_bool(napi_env env, bool value) {
  napi_value v = NULL;
  napi_get_boolean(env, value, &v);
  return v;
}

napi_value wio_string(napi_env env, const char *value) {
  napi_value v = NULL;
  napi_create_string_utf8(env, value, NAPI_AUTO_LENGTH, &v);
  return v;
}

napi_value wio_undefined(napi_env env) {
  napi_value v = NULL;
  napi_get_undefined(env, &v);
  return v;
}

void wio_set(napi_env env, napi_value obj, const char *name, napi_value value) {
  if (value != NULL) napi_set_named_property(env, obj, name, value);
}

bool wio_arg_batch(napi_env env, napi_value *argv, wio_batch *out) {
  wio_view buffer, offsets, lengths;
  uint32_t count;
  if (!wio_arg_view(env, argv[0], napi_uint8_array, &buffer, "buffer") ||
      !wio_arg_view(env, argv[1], napi_uint32_array, &offsets, "offsets") ||
      !wio_arg_view(env, argv[2], napi_uint32_array, &lengths, "lengths") || !wio_arg_u32(env, argv[3], &count, "count")) {
    return false;
  }
  if (count > offsets.length || count > lengths.length) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "count is larger than the offsets or lengths array");
    return false;
  }
  const uint32_t *offs = offsets.data, *lens = lengths.data;
  for (uint32_t i = 0; i < count; i++) {
    if ((uint64_t)offs[i] + lens[i] > buffer.length) {
      napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "a packet lies outside the buffer");
      return false;
    }
  }
  out->buffer = buffer.data;
  out->offsets = offs;
  out->lengths = lens;
  out->count = count;
  return true;
}
