/* A descriptor the addon owns (a TUN or a UDP socket) behind an opaque, type-tagged JS handle.
 *
 * Lifetime: refs counts the JS handle and a started reader; both are dropped on the JS thread only (handle
 * finalizer, the reader's libuv close callbacks), so whichever runs last frees the memory, in any order. */
#ifndef WIO_OBJECT_H
#define WIO_OBJECT_H

#include <node_api.h>

#include "reader.h"

typedef enum { WIO_KIND_TUN = 1, WIO_KIND_UDP = 2 } wio_kind;

typedef struct wio_object {
  wio_kind kind;
  int refs;
  int fd;
  bool close_called;
  wio_reader reader;
  void (*destroy)(struct wio_object *self);
} wio_object;

int wio_object_init(wio_object *obj, wio_kind kind, int fd, wio_fill_fn fill, const char *read_syscall,
                    void (*destroy)(wio_object *));
napi_value wio_object_handle(napi_env env, wio_object *obj);
/* Throws a TypeError and returns NULL when value is not a live handle of that kind. */
wio_object *wio_object_from(napi_env env, napi_value value, wio_kind kind);
/* Stops the reader and closes the descriptor; idempotent. */
void wio_object_shutdown(wio_object *obj);
void wio_object_unref(wio_object *obj);
/* The close() entry point: returns a promise that resolves when no callback can follow. */
napi_value wio_object_close(napi_env env, wio_object *obj);
/* Throws EBADF when the descriptor was closed. */
bool wio_object_check_open(napi_env env, wio_object *obj, const char *syscall);

#endif
