/* warren_io: TUN and UDP descriptors for the userspace WireGuard engine, who is at the other end of the control
 * socket (peercred.c), the clock that counts time asleep (clock.c), and the data path's AEAD from the system's
 * OpenSSL (aead.c). Nothing of the protocol lives here:
 * descriptors, batched system calls, and the offload formats the kernel speaks (virtio-net headers, UDP GSO/GRO).
 * The JS side is native-helper/io/. */
#include <node_api.h>

#include "napi-util.h"

void wio_register_tun(napi_env env, napi_value exports);
void wio_register_udp(napi_env env, napi_value exports);
void wio_register_gso(napi_env env, napi_value exports);
void wio_register_peercred(napi_env env, napi_value exports);
void wio_register_clock(napi_env env, napi_value exports);
void wio_register_aead(napi_env env, napi_value exports);

NAPI_MODULE_INIT() {
  wio_register_tun(env, exports);
  wio_register_udp(env, exports);
  wio_register_gso(env, exports);
  wio_register_peercred(env, exports);
  wio_register_clock(env, exports);
  wio_register_aead(env, exports);
  wio_set(env, exports, "supported", wio_bool(env, true));
  return exports;
}
