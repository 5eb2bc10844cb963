#include "object.h"

#include <errno.h>
#include <unistd.h>

#include "napi-util.h"

static const napi_type_tag wio_tags[] = {
    {0, 0},
    {0x7761727265e10001ULL, 0x74756e0000000001ULL},
    {0x7761727265e10002ULL, 0x7564700000000002ULL},
};

int wio_object_init(wio_object *obj, wio_kind kind, int fd, wio_fill_fn fill, const char *read_syscall,
                    void (*destroy)(wio_object *)) {
  obj->kind = kind;
  obj->refs = 1;
  obj->fd = fd;
  obj->close_called = false;
  obj->destroy = destroy;
  wio_reader_init(&obj->reader, fill, read_syscall);
  return 0;
}

static void handle_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  wio_object *obj = data;
  wio_object_shutdown(obj);
  wio_object_unref(obj);
}

napi_value wio_object_handle(napi_env env, wio_object *obj) {
  napi_value handle;
  WIO_CALL(env, napi_create_external(env, obj, handle_finalize, NULL, &handle));
  WIO_CALL(env, napi_type_tag_object(env, handle, &wio_tags[obj->kind]));
  return handle;
}

wio_object *wio_object_from(napi_env env, napi_value value, wio_kind kind) {
  napi_valuetype t;
  bool tagged = false;
  void *data = NULL;
  if (napi_typeof(env, value, &t) != napi_ok || t != napi_external ||
      napi_check_object_type_tag(env, value, &wio_tags[kind], &tagged) != napi_ok || !tagged ||
      napi_get_value_external(env, value, &data) != napi_ok) {
    wio_throw_type_error(env, kind == WIO_KIND_TUN ? "handle must be a TUN handle" : "handle must be a UDP handle");
    return NULL;
  }
  return data;
}

void wio_object_shutdown(wio_object *obj) {
  wio_reader_stop(&obj->reader);
  if (obj->fd >= 0) {
    close(obj->fd);
    obj->fd = -1;
  }
}

void wio_object_unref(wio_object *obj) {
  if (--obj->refs > 0) return;
  obj->destroy(obj);
}

napi_value wio_object_close(napi_env env, wio_object *obj) {
  napi_deferred deferred;
  napi_value promise;
  WIO_CALL(env, napi_create_promise(env, &deferred, &promise));
  obj->reader.js_closed = true;
  if (obj->close_called) {
    napi_resolve_deferred(env, deferred, wio_undefined(env));
    return promise;
  }
  obj->close_called = true;
  wio_object_shutdown(obj);
  wio_reader_finish(env, obj, deferred);
  return promise;
}

bool wio_object_check_open(napi_env env, wio_object *obj, const char *syscall) {
  if (obj->fd >= 0) return true;
  wio_throw_errno(env, EBADF, syscall, "closed");
  return false;
}
