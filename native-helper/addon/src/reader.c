#include "reader.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "napi-util.h"
#include "object.h"

/* Batches read back to back before the loop gets a turn (its timers, the control socket, the other descriptors),
 * when a fill keeps holding data back; the rest follows at the next turn (the `again` timer). Data left in the
 * kernel wakes libuv again by itself (level-triggered). */
#define LOOP_ROUNDS 8

void wio_reader_init(wio_reader *r, wio_fill_fn fill, const char *syscall) {
  memset(r, 0, sizeof *r);
  r->fill = fill;
  r->syscall = syscall;
}

static void cleanup_hook(void *arg) {
  wio_object *obj = arg;
  obj->reader.hook_added = false;
  obj->reader.env_gone = true;
  wio_object_shutdown(obj);
}

/* callback(count, error) through make_callback, which runs the microtasks it queued; a JS exception surfaces as
 * an uncaught exception, as an EventEmitter listener's would. */
static void call_js(wio_object *obj, uint32_t count, int err) {
  wio_reader *r = &obj->reader;
  napi_env env = r->env;
  napi_value argv[2], callback, recv, undefined, result;
  /* make_callback wants an object for `this`; the callbacks are arrow functions and never look. */
  napi_get_global(env, &recv);
  napi_get_undefined(env, &undefined);
  napi_create_uint32(env, count, &argv[0]);
  argv[1] = err != 0 ? wio_errno_error(env, err, r->syscall, NULL) : undefined;
  napi_get_reference_value(env, r->callback_ref, &callback);
  if (napi_make_callback(env, r->async, recv, callback, 2, argv, &result) != napi_ok) {
    bool pending = false;
    napi_value exception;
    if (napi_is_exception_pending(env, &pending) == napi_ok && pending &&
        napi_get_and_clear_last_exception(env, &exception) == napi_ok) {
      napi_fatal_exception(env, exception);
    }
  }
}

/* After a fatal error: no more callbacks (the descriptor may stay readable). Not on handles being closed (the
 * JS callback may have closed the reader): libuv asserts against stopping those, and close stopped them. */
static void halt(wio_reader *r) {
  if (r->closing) return;
  uv_poll_stop(&r->poll);
  uv_timer_stop(&r->again);
}

static void on_again(uv_timer_t *timer);

/* Reads and delivers what is ready; true when a fatal error ended the reader (and was delivered). */
static bool drain(wio_object *obj) {
  wio_reader *r = &obj->reader;
  napi_handle_scope scope;
  bool halted = false;
  if (napi_open_handle_scope(r->env, &scope) != napi_ok) return false;
  wio_slot *s = &r->slot;
  for (int round = 0; round < LOOP_ROUNDS && !r->js_closed && obj->fd >= 0; round++) {
    s->count = 0;
    int rc = r->fill(obj, s);
    if (s->count > 0) call_js(obj, s->count, 0);
    if (rc < 0) {
      halted = true;
      halt(r);
      if (!r->js_closed) call_js(obj, 0, -rc);
      break;
    }
    if (rc == 0) break;
    if (round == LOOP_ROUNDS - 1 && !r->js_closed && !r->closing) uv_timer_start(&r->again, on_again, 0, 0);
  }
  napi_close_handle_scope(r->env, scope);
  return halted;
}

static void on_readable(uv_poll_t *handle, int status, int events) {
  (void)events;
  wio_object *obj = handle->data;
  wio_reader *r = &obj->reader;
  if (r->js_closed || r->closing) return;
  /* libuv reports an error condition (POLLERR: a TUN deleted from outside) as UV_EBADF and stops watching; a
   * read says what it really is (EBADFD). */
  bool halted = drain(obj);
  if (status < 0 && !halted && !r->js_closed && !r->closing) {
    napi_handle_scope scope;
    halt(r);
    if (napi_open_handle_scope(r->env, &scope) != napi_ok) return;
    call_js(obj, 0, -status); /* libuv's errors are negated errnos on Unix */
    napi_close_handle_scope(r->env, scope);
  }
}

static void on_again(uv_timer_t *timer) {
  wio_object *obj = timer->data;
  if (!obj->reader.js_closed && !obj->reader.closing) drain(obj);
}

static void release_refs(napi_env env, wio_reader *r) {
  for (int k = 0; k < 4; k++) {
    if (r->slot.refs[k] != NULL) napi_delete_reference(env, r->slot.refs[k]);
    r->slot.refs[k] = NULL;
  }
  if (r->handle_ref != NULL) napi_delete_reference(env, r->handle_ref);
  r->handle_ref = NULL;
  if (r->callback_ref != NULL) napi_delete_reference(env, r->callback_ref);
  r->callback_ref = NULL;
}

static void on_closed(uv_handle_t *handle) {
  wio_object *obj = handle->data;
  wio_reader *r = &obj->reader;
  if (--r->handles > 0) return;
  if (r->env_gone) return; /* the process is ending; N-API is no longer usable, the memory goes with it */
  napi_env env = r->env;
  napi_handle_scope scope;
  bool scoped = napi_open_handle_scope(env, &scope) == napi_ok;
  if (r->hook_added) {
    napi_remove_env_cleanup_hook(env, cleanup_hook, obj);
    r->hook_added = false;
  }
  release_refs(env, r);
  if (r->close_deferred != NULL) {
    /* Resolved inside a callback scope, as a libuv callback is not JS: leaving the scope runs the promise's
     * reactions (microtasks) now, not whenever JS next happens to run. */
    napi_value undefined, resource;
    napi_callback_scope callback_scope;
    napi_get_undefined(env, &undefined);
    napi_create_object(env, &resource);
    bool in_callback = napi_open_callback_scope(env, resource, r->async, &callback_scope) == napi_ok;
    napi_resolve_deferred(env, r->close_deferred, undefined);
    r->close_deferred = NULL;
    if (in_callback) napi_close_callback_scope(env, callback_scope);
  }
  napi_async_destroy(env, r->async);
  if (scoped) napi_close_handle_scope(env, scope);
  wio_object_unref(obj);
}

static bool slot_view(napi_env env, napi_value spec, const char *name, napi_typedarray_type type, wio_view *view,
                      napi_ref *ref) {
  napi_value value;
  char what[48];
  snprintf(what, sizeof what, "slot.%s", name);
  if (napi_get_named_property(env, spec, name, &value) != napi_ok) {
    wio_throw_napi_status(env);
    return false;
  }
  if (!wio_arg_view(env, value, type, view, what)) return false;
  return napi_create_reference(env, value, 1, ref) == napi_ok;
}

static bool take_slot(napi_env env, wio_reader *r, napi_value spec, uint32_t endpoint_size) {
  napi_valuetype type;
  if (napi_typeof(env, spec, &type) != napi_ok || type != napi_object) {
    wio_throw_type_error(env, "slot must be a slot description");
    return false;
  }
  wio_view data, offsets, lengths, endpoints = {0};
  wio_slot *s = &r->slot;
  if (!slot_view(env, spec, "buffer", napi_uint8_array, &data, &s->refs[0]) ||
      !slot_view(env, spec, "offsets", napi_uint32_array, &offsets, &s->refs[1]) ||
      !slot_view(env, spec, "lengths", napi_uint32_array, &lengths, &s->refs[2]) ||
      (endpoint_size > 0 && !slot_view(env, spec, "endpoints", napi_uint8_array, &endpoints, &s->refs[3]))) {
    return false;
  }
  if (offsets.length != lengths.length || offsets.length == 0 || data.length > UINT32_MAX ||
      (endpoint_size > 0 && endpoints.length < offsets.length * endpoint_size)) {
    wio_throw_type_error(env, "slot arrays disagree on capacity");
    return false;
  }
  s->data = data.data;
  s->data_len = (uint32_t)data.length;
  s->offsets = offsets.data;
  s->lengths = lengths.data;
  s->endpoints = endpoints.data;
  s->capacity = (uint32_t)offsets.length;
  return true;
}

bool wio_reader_start(napi_env env, wio_object *obj, napi_value handle, napi_value slot, uint32_t endpoint_size,
                      napi_value callback) {
  wio_reader *r = &obj->reader;
  if (r->started || obj->fd < 0) {
    wio_throw_errno(env, obj->fd < 0 ? EBADF : EALREADY, "start", obj->fd < 0 ? "closed" : "already started");
    return false;
  }
  if (!wio_arg_function(env, callback, "callback")) return false;
  uv_loop_t *loop = NULL;
  napi_value name;
  napi_create_string_utf8(env, "warren-io-reader", NAPI_AUTO_LENGTH, &name);
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) {
    wio_throw_napi_status(env);
    return false;
  }
  if (!take_slot(env, r, slot, endpoint_size) || napi_create_reference(env, callback, 1, &r->callback_ref) != napi_ok ||
      napi_create_reference(env, handle, 1, &r->handle_ref) != napi_ok) {
    release_refs(env, r);
    return false;
  }
  int err = uv_poll_init(loop, &r->poll, obj->fd);
  if (err != 0 || napi_async_init(env, NULL, name, &r->async) != napi_ok) {
    release_refs(env, r);
    if (err != 0) wio_throw_errno(env, -err, "uv_poll_init", NULL);
    else wio_throw_napi_status(env);
    if (err == 0) {
      /* the poll handle exists: close it (no callback reaches JS: nothing is started) */
      r->poll.data = obj;
      r->handles = 1;
      r->env_gone = true; /* on_closed then only counts */
      uv_close((uv_handle_t *)&r->poll, on_closed);
    }
    return false;
  }
  uv_timer_init(loop, &r->again);
  r->poll.data = obj;
  r->again.data = obj;
  r->handles = 2;
  r->env = env;
  r->started = true;
  obj->refs++; /* dropped when libuv has closed both handles */
  if (napi_add_env_cleanup_hook(env, cleanup_hook, obj) == napi_ok) r->hook_added = true;
  uv_poll_start(&r->poll, UV_READABLE, on_readable);
  return true;
}

void wio_reader_stop(wio_reader *r) {
  if (!r->started || r->closing) return;
  r->closing = true;
  uv_poll_stop(&r->poll);
  uv_timer_stop(&r->again);
  uv_close((uv_handle_t *)&r->poll, on_closed);
  uv_close((uv_handle_t *)&r->again, on_closed);
}

void wio_reader_finish(napi_env env, wio_object *obj, napi_deferred deferred) {
  wio_reader *r = &obj->reader;
  if (r->handles > 0) {
    r->close_deferred = deferred; /* resolved when libuv has let go of both handles */
    return;
  }
  napi_value undefined;
  napi_get_undefined(env, &undefined);
  napi_resolve_deferred(env, deferred, undefined);
}
