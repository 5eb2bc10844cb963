/* Reading a descriptor on the JS thread's own event loop, in batches through one slot.
 *
 * A slot is memory JS allocated (a big Uint8Array plus offsets/lengths arrays, and for sockets an endpoint
 * record per datagram): JS gets views of it once, at start, and never a new object per packet. libuv's epoll
 * watches the descriptor; when it is readable the owner's fill function reads as much as is ready into a slot
 * without blocking, and the JS callback runs at once with the count. It returns before the next fill, so the
 * slot is free again; what the slot cannot take stays in the kernel's queue (then its drops): memory stays
 * bounded.
 *
 * Why not a reader thread per descriptor (the design until December 2026): handing each batch from a thread to
 * the JS thread cost a second wakeup per hop, most of an idle round trip on a VM, and under load the threads
 * bought no parallelism the JS thread could use (test/bench/RESULTS.md has both measured side by side).
 *
 * Close: the JS thread marks it closed (no JS callback from then on) and closes the libuv handles; when libuv
 * has let go of them the references are dropped and the close promise resolves. A fatal read error (a TUN
 * deleted from outside: EBADFD) is delivered to JS as the callback's error, and the watching stops. */
#ifndef WIO_READER_H
#define WIO_READER_H

#include <node_api.h>
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

struct wio_object;

typedef struct wio_slot {
  uint8_t *data;
  uint32_t data_len;
  uint32_t *offsets;
  uint32_t *lengths;
  uint8_t *endpoints; /* NULL unless the owner reports source endpoints */
  uint32_t capacity;  /* entries in offsets/lengths/endpoints */
  uint32_t count;
  napi_ref refs[4];
} wio_slot;

/* Reads what is ready into slot (slot->count starts at 0). Returns 0; 1 when it holds back data for the next
 * fill (which comes without waiting for the descriptor); or -errno for an error that ends the reader.
 * Whatever it put in the slot before an error is still delivered. */
typedef int (*wio_fill_fn)(struct wio_object *owner, wio_slot *slot);

typedef struct wio_reader {
  wio_fill_fn fill;
  const char *syscall; /* the read call, for the error a fatal errno becomes */
  bool started;
  bool js_closed; /* no callback into JS once set */
  bool closing;   /* the libuv handles are being closed */
  bool hook_added;
  bool env_gone; /* the environment is being torn down: no N-API calls from close callbacks */
  int handles;   /* libuv handles not yet closed */
  uv_poll_t poll;
  uv_timer_t again; /* a fill that held data back goes on at the loop's next turn */
  wio_slot slot; /* JS gives it back before the next fill */
  napi_env env;
  napi_ref callback_ref;
  napi_ref handle_ref; /* keeps the JS handle, so the object, alive while started */
  napi_async_context async;
  napi_deferred close_deferred;
} wio_reader;

void wio_reader_init(wio_reader *r, wio_fill_fn fill, const char *syscall);
/* slot: { buffer, offsets, lengths, endpoints? }; callback(count, error): an errno error (count 0) when the
 * reader stopped. Throws on failure. */
bool wio_reader_start(napi_env env, struct wio_object *obj, napi_value handle, napi_value slot,
                      uint32_t endpoint_size, napi_value callback);
/* Stops watching; idempotent. Before the descriptor is closed. */
void wio_reader_stop(wio_reader *r);
/* After stop: resolves deferred once no callback can reach JS any more. */
void wio_reader_finish(napi_env env, struct wio_object *obj, napi_deferred deferred);

#endif
