#include "reader.h"

#include <errno.h>
#include <stdio.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "napi-util.h"
#include "object.h"

#define WIO_READER_STACK (256 * 1024)

int wio_reader_init(wio_reader *r, wio_fill_fn fill, const char *syscall) {
  memset(r, 0, sizeof *r);
  r->fill = fill;
  r->syscall = syscall;
  atomic_init(&r->closing, false);
  r->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (r->wake_fd < 0) return errno;
  pthread_mutex_init(&r->lock, NULL);
  pthread_cond_init(&r->cond, NULL);
  return 0;
}

void wio_reader_destroy(wio_reader *r) {
  if (r->wake_fd >= 0) close(r->wake_fd);
  r->wake_fd = -1;
  pthread_mutex_destroy(&r->lock);
  pthread_cond_destroy(&r->cond);
}

/* ---- reader thread ---- */

static wio_slot *take_slot(wio_reader *r) {
  pthread_mutex_lock(&r->lock);
  while (!atomic_load(&r->closing)) {
    for (uint32_t i = 0; i < r->nslots; i++) {
      if (r->slots[i].state == WIO_SLOT_FREE) {
        r->slots[i].state = WIO_SLOT_FILLING;
        pthread_mutex_unlock(&r->lock);
        return &r->slots[i];
      }
    }
    pthread_cond_wait(&r->cond, &r->lock);
  }
  pthread_mutex_unlock(&r->lock);
  return NULL;
}

static void set_state(wio_reader *r, wio_slot *s, int state) {
  pthread_mutex_lock(&r->lock);
  s->state = state;
  if (state == WIO_SLOT_FREE) pthread_cond_signal(&r->cond);
  pthread_mutex_unlock(&r->lock);
}

/* 0: the descriptor has something (data or an error) for fill; 1: closing. */
static int wait_readable(wio_reader *r, int fd) {
  struct pollfd fds[2] = {{.fd = fd, .events = POLLIN}, {.fd = r->wake_fd, .events = POLLIN}};
  for (;;) {
    if (atomic_load(&r->closing)) return 1;
    int n = poll(fds, 2, -1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -errno;
    if (fds[1].revents != 0 || atomic_load(&r->closing)) return 1;
    if (fds[0].revents & POLLNVAL) return -EBADF;
    if (fds[0].revents != 0) return 0;
  }
}

static void *reader_main(void *arg) {
  wio_object *obj = arg;
  wio_reader *r = &obj->reader;
  bool more = false; /* fill kept data back for the next slot: no need to wait for the descriptor */
  for (;;) {
    wio_slot *s = take_slot(r);
    if (s == NULL) break;
    int rc = more ? 0 : wait_readable(r, obj->fd);
    if (rc == 1) {
      set_state(r, s, WIO_SLOT_FREE);
      break;
    }
    s->count = 0;
    if (rc == 0) rc = r->fill(obj, s);
    more = rc == 1;
    if (s->count > 0) {
      set_state(r, s, WIO_SLOT_QUEUED);
      if (napi_call_threadsafe_function(r->tsfn, s, napi_tsfn_nonblocking) != napi_ok) {
        set_state(r, s, WIO_SLOT_FREE);
        break;
      }
    } else {
      set_state(r, s, WIO_SLOT_FREE);
    }
    if (rc < 0) {
      r->fatal_errno = -rc;
      napi_call_threadsafe_function(r->tsfn, &r->error_item, napi_tsfn_nonblocking);
      break;
    }
  }
  return NULL;
}

/* ---- JS thread ---- */

static void call_js(napi_env env, napi_value callback, void *context, void *data) {
  /* Node drains what is left in the queue with env NULL after tsfn_finalize, which may have freed the object:
   * touch nothing then. The thread is joined by that time, so no slot is owed back. */
  if (env == NULL) return;
  wio_object *obj = context;
  wio_reader *r = &obj->reader;
  bool deliver = !r->js_closed;
  napi_value argv[3], undefined;
  if (data == &r->error_item) {
    if (!deliver) return;
    napi_get_undefined(env, &undefined);
    napi_create_int32(env, -1, &argv[0]);
    napi_create_uint32(env, 0, &argv[1]);
    argv[2] = wio_errno_error(env, r->fatal_errno, r->syscall, NULL);
    napi_call_function(env, undefined, callback, 3, argv, NULL);
    return;
  }
  wio_slot *s = data;
  if (deliver) {
    napi_get_undefined(env, &undefined);
    napi_create_int32(env, (int32_t)s->index, &argv[0]);
    napi_create_uint32(env, s->count, &argv[1]);
    argv[2] = undefined;
    /* A throwing callback surfaces as an uncaught exception, as an EventEmitter listener's would. */
    napi_call_function(env, undefined, callback, 3, argv, NULL);
  }
  set_state(r, s, WIO_SLOT_FREE);
}

static void cleanup_hook(void *arg) {
  wio_object *obj = arg;
  obj->reader.hook_added = false;
  wio_object_shutdown(obj);
}

static void tsfn_finalize(napi_env env, void *data, void *hint) {
  (void)hint;
  wio_object *obj = data;
  wio_reader *r = &obj->reader;
  wio_reader_stop(r);
  if (r->hook_added) {
    napi_remove_env_cleanup_hook(env, cleanup_hook, obj);
    r->hook_added = false;
  }
  for (uint32_t i = 0; i < r->nslots; i++) {
    for (int k = 0; k < 4; k++) {
      if (r->slots[i].refs[k] != NULL) napi_delete_reference(env, r->slots[i].refs[k]);
      r->slots[i].refs[k] = NULL;
    }
  }
  if (r->handle_ref != NULL) napi_delete_reference(env, r->handle_ref);
  r->handle_ref = NULL;
  r->tsfn = NULL;
  if (r->close_deferred != NULL) {
    napi_value undefined;
    napi_get_undefined(env, &undefined);
    napi_resolve_deferred(env, r->close_deferred, undefined);
    r->close_deferred = NULL;
  }
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

static bool take_slots(napi_env env, wio_reader *r, napi_value slots, uint32_t endpoint_size) {
  uint32_t n = 0;
  bool is_array = false;
  if (napi_is_array(env, slots, &is_array) != napi_ok || !is_array || napi_get_array_length(env, slots, &n) != napi_ok ||
      n == 0 || n > WIO_MAX_SLOTS) {
    wio_throw_type_error(env, "slots must be an array of 1 to 8 slot descriptions");
    return false;
  }
  for (uint32_t i = 0; i < n; i++) {
    napi_value spec;
    wio_view data, offsets, lengths, endpoints = {0};
    wio_slot *s = &r->slots[i];
    r->nslots = i + 1; /* so the finalizer frees the references taken so far */
    if (napi_get_element(env, slots, i, &spec) != napi_ok) return false;
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
    s->index = i;
    s->state = WIO_SLOT_FREE;
  }
  return true;
}

static void abandon(wio_reader *r) {
  r->tsfn_released = true;
  napi_release_threadsafe_function(r->tsfn, napi_tsfn_abort);
}

bool wio_reader_start(napi_env env, wio_object *obj, napi_value handle, napi_value slots, uint32_t endpoint_size,
                      napi_value callback) {
  wio_reader *r = &obj->reader;
  if (r->started || obj->fd < 0) {
    wio_throw_errno(env, obj->fd < 0 ? EBADF : EALREADY, "start", obj->fd < 0 ? "closed" : "already started");
    return false;
  }
  if (!wio_arg_function(env, callback, "callback")) return false;
  napi_value name;
  napi_create_string_utf8(env, "warren-io-reader", NAPI_AUTO_LENGTH, &name);
  if (napi_create_threadsafe_function(env, callback, NULL, name, 0, 1, obj, tsfn_finalize, obj, call_js, &r->tsfn) !=
      napi_ok) {
    wio_throw_napi_status(env);
    return false;
  }
  r->started = true;
  obj->refs++; /* dropped by tsfn_finalize, which now always runs */
  napi_create_reference(env, handle, 1, &r->handle_ref);
  if (!take_slots(env, r, slots, endpoint_size)) {
    abandon(r); /* the finalizer frees the references taken so far */
    return false;
  }
  if (napi_add_env_cleanup_hook(env, cleanup_hook, obj) == napi_ok) r->hook_added = true;

  /* Signals stay with the main thread; a small stack is plenty for a loop of system calls. */
  sigset_t all, old;
  sigfillset(&all);
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, WIO_READER_STACK);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  int err = pthread_create(&r->thread, &attr, reader_main, obj);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  pthread_attr_destroy(&attr);
  if (err != 0) {
    abandon(r);
    wio_throw_errno(env, err, "pthread_create", NULL);
    return false;
  }
  r->thread_running = true;
  return true;
}

void wio_reader_stop(wio_reader *r) {
  if (!r->thread_running) return;
  pthread_mutex_lock(&r->lock);
  atomic_store(&r->closing, true);
  pthread_cond_broadcast(&r->cond);
  pthread_mutex_unlock(&r->lock);
  uint64_t one = 1;
  ssize_t written = write(r->wake_fd, &one, sizeof one);
  (void)written; /* the flag and the condvar already stop it; the eventfd only ends a poll() early */
  pthread_join(r->thread, NULL);
  r->thread_running = false;
}

void wio_reader_finish(napi_env env, wio_object *obj, napi_deferred deferred) {
  wio_reader *r = &obj->reader;
  if (r->tsfn == NULL || r->tsfn_released) {
    napi_value undefined;
    napi_get_undefined(env, &undefined);
    napi_resolve_deferred(env, deferred, undefined);
    return;
  }
  r->close_deferred = deferred;
  r->tsfn_released = true;
  napi_release_threadsafe_function(r->tsfn, napi_tsfn_abort);
}
