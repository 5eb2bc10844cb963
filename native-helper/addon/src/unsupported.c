/* Other systems get a module that says so, so that `npm install` still succeeds there; the data plane for
 * them is a later platform folder, not an #ifdef in the Linux files. */
#include <node_api.h>

static napi_value init(napi_env env, napi_value exports) {
  napi_value no;
  if (napi_get_boolean(env, 0, &no) == napi_ok) napi_set_named_property(env, exports, "supported", no);
  return exports;
}

NAPI_MODULE_INIT() { return init(env, exports); }
