/* The engine's clock in the helper: CLOCK_BOOTTIME, which keeps counting while the machine sleeps, as the kernel's
 * WireGuard ages keys and rate-limits handshakes by boot time (ktime_get_coarse_boottime_ns). CLOCK_MONOTONIC,
 * under performance.now(), stops during suspend: a key made 170 s before an eight-hour sleep would still be 10 s
 * old after it, and the peer would refuse it.
 *
 * clockBoottime(out) writes milliseconds into out[0] of a Float64Array and returns undefined: a double returned
 * through N-API would be a fresh heap number at every call, and the data path reads the clock once per batch. */
#include <errno.h>
#include <time.h>

#include "napi-util.h"

static napi_value clock_boottime(napi_env env, napi_callback_info info) {
  WIO_ARGS(env, info, 1, argv);
  bool is_typed = false;
  napi_typedarray_type type;
  size_t length = 0;
  void *data = NULL;
  if (napi_is_typedarray(env, argv[0], &is_typed) != napi_ok || !is_typed ||
      napi_get_typedarray_info(env, argv[0], &type, &length, &data, NULL, NULL) != napi_ok ||
      type != napi_float64_array || length < 1) {
    wio_throw_type_error(env, "out must be a Float64Array of at least one element");
    return NULL;
  }
  struct timespec ts;
  if (clock_gettime(CLOCK_BOOTTIME, &ts) != 0) {
    wio_throw_errno(env, errno, "clock_gettime", "CLOCK_BOOTTIME");
    return NULL;
  }
  ((double *)data)[0] = (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
  return NULL;
}

void wio_register_clock(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"clockBoottime", NULL, clock_boottime, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
