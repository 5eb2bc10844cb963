/* One reader thread per descriptor, handing JS batches through a small set of slots.
 *
 * A slot is memory JS allocated (a big Uint8Array plus offsets/lengths arrays, and for sockets 24-byte
 * endpoints): JS gets views of it once, at start, and never a new object per packet. The thread takes a FREE
 * slot, waits in poll() for the descriptor or the wake eventfd, lets the owner's fill function read as much
 * as is ready into it without blocking, and queues it to the JS thread (threadsafe function, never blocking).
 * The JS callback runs with (slot index, count); when it returns the slot is FREE again. With no FREE slot
 * the thread waits, and the kernel's queue (then its drops) absorbs the rest: memory stays bounded.
 *
 * Close: the JS thread marks it closed (no JS callback from then on), wakes the thread (eventfd, condvar),
 * joins it, and aborts the threadsafe function; its finalizer drops the references and resolves the close
 * promise. A fatal read error (a TUN deleted from outside: EBADFD) is queued to JS as slot -1 with the error,
 * and the thread ends. */
#ifndef WIO_READER_H
#define WIO_READER_H

#include <node_api.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#define WIO_MAX_SLOTS 8

struct wio_object;

enum { WIO_SLOT_FREE = 0, WIO_SLOT_FILLING, WIO_SLOT_QUEUED };

typedef struct wio_slot {
  uint8_t *data;
  uint32_t data_len;
  uint32_t *offsets;
  uint32_t *lengths;
  uint8_t *endpoints; /* NULL unless the owner reports source endpoints */
  uint32_t capacity;  /* entries in offsets/lengths/endpoints */
  uint32_t count;
  uint32_t index;
  int state;
  napi_ref refs[4];
} wio_slot;

/* Reads what is ready into slot (slot->count starts at 0). Returns 0; 1 when it holds back data for the next
 * slot (the next fill comes without waiting for the descriptor); or -errno for an error that ends the reader.
 * Whatever it put in the slot before an error is still delivered. */
typedef int (*wio_fill_fn)(struct wio_object *owner, wio_slot *slot);

typedef struct wio_reader {
  wio_fill_fn fill;
  const char *syscall; /* the read call, for the error a fatal errno becomes */
  int wake_fd;
  pthread_t thread;
  bool thread_running; /* created and not yet joined; JS thread only */
  bool started;
  bool js_closed; /* JS thread only: no callback into JS once set */
  bool hook_added;
  bool tsfn_released;
  atomic_bool closing;
  pthread_mutex_t lock;
  pthread_cond_t cond;
  wio_slot slots[WIO_MAX_SLOTS];
  uint32_t nslots;
  int fatal_errno;
  char error_item; /* its address is the queue item that carries fatal_errno */
  napi_threadsafe_function tsfn;
  napi_ref handle_ref; /* keeps the JS handle, so the object, alive while started */
  napi_deferred close_deferred;
} wio_reader;

int wio_reader_init(wio_reader *r, wio_fill_fn fill, const char *syscall);
/* slots: array of { buffer, offsets, lengths, endpoints? }; callback(slot, count, error): slot -1 and an errno
 * error when the reader stopped. Throws on failure. */
bool wio_reader_start(napi_env env, struct wio_object *obj, napi_value handle, napi_value slots,
                      uint32_t endpoint_size, napi_value callback);
void wio_reader_stop(wio_reader *r);
/* After stop: resolves deferred once no queued call can reach JS any more. */
void wio_reader_finish(napi_env env, struct wio_object *obj, napi_deferred deferred);
void wio_reader_destroy(wio_reader *r);

#endif
