/* Errors reach JS as Node's own system errors do: `code` is the errno name ('EADDRINUSE'), `errno` the negative
 * number, `syscall` the call that failed. Only the JS thread creates them. */
#ifndef WIO_ERRORS_H
#define WIO_ERRORS_H

#include <node_api.h>

const char *wio_errno_name(int err);
napi_value wio_errno_error(napi_env env, int err, const char *syscall, const char *detail);
void wio_throw_errno(napi_env env, int err, const char *syscall, const char *detail);
void wio_throw_type_error(napi_env env, const char *message);
/* Turns a failed napi_* status into a JS exception unless one is already pending. */
void wio_throw_napi_status(napi_env env);

#endif
