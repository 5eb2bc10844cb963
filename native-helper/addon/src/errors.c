#include "errors.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define WIO_ERRNO(name) \
  case name:            \
    return #name;

/* glibc's strerrorname_np is not in musl, and the set that sockets and TUN can return is small. */
const char *wio_errno_name(int err) {
  switch (err) {
    WIO_ERRNO(EPERM) WIO_ERRNO(ENOENT) WIO_ERRNO(ESRCH) WIO_ERRNO(EINTR) WIO_ERRNO(EIO) WIO_ERRNO(ENXIO)
    WIO_ERRNO(E2BIG) WIO_ERRNO(EBADF) WIO_ERRNO(EAGAIN) WIO_ERRNO(ENOMEM) WIO_ERRNO(EACCES) WIO_ERRNO(EFAULT)
    WIO_ERRNO(EBUSY) WIO_ERRNO(EEXIST) WIO_ERRNO(ENODEV) WIO_ERRNO(ENOTDIR) WIO_ERRNO(EINVAL) WIO_ERRNO(ENFILE)
    WIO_ERRNO(EMFILE) WIO_ERRNO(ENOTTY) WIO_ERRNO(ENOSPC) WIO_ERRNO(EPIPE) WIO_ERRNO(ERANGE) WIO_ERRNO(ENOSYS)
    WIO_ERRNO(ENAMETOOLONG) WIO_ERRNO(EBADFD) WIO_ERRNO(ENOTSOCK) WIO_ERRNO(EDESTADDRREQ) WIO_ERRNO(EMSGSIZE)
    WIO_ERRNO(EPROTOTYPE) WIO_ERRNO(ENOPROTOOPT) WIO_ERRNO(EPROTONOSUPPORT) WIO_ERRNO(EOPNOTSUPP)
    WIO_ERRNO(EAFNOSUPPORT) WIO_ERRNO(EADDRINUSE) WIO_ERRNO(EADDRNOTAVAIL) WIO_ERRNO(ENETDOWN)
    WIO_ERRNO(ENETUNREACH) WIO_ERRNO(ENETRESET) WIO_ERRNO(ECONNABORTED) WIO_ERRNO(ECONNRESET) WIO_ERRNO(ENOBUFS)
    WIO_ERRNO(EISCONN) WIO_ERRNO(ENOTCONN) WIO_ERRNO(ETIMEDOUT) WIO_ERRNO(ECONNREFUSED) WIO_ERRNO(EHOSTDOWN)
    WIO_ERRNO(EHOSTUNREACH) WIO_ERRNO(EALREADY) WIO_ERRNO(EINPROGRESS) WIO_ERRNO(EPROTO)
    default:
      return "EUNKNOWN";
  }
}

static void set_prop(napi_env env, napi_value obj, const char *name, napi_value value) {
  if (value != NULL) napi_set_named_property(env, obj, name, value);
}

napi_value wio_errno_error(napi_env env, int err, const char *syscall, const char *detail) {
  const char *name = wio_errno_name(err);
  char text[256];
  if (detail != NULL && detail[0] != '\0') {
    snprintf(text, sizeof text, "%s %s: %s (%s)", syscall, name, strerror(err), detail);
  } else {
    snprintf(text, sizeof text, "%s %s: %s", syscall, name, strerror(err));
  }
  napi_value code = NULL, message = NULL, error = NULL, number = NULL, call = NULL;
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &message);
  if (napi_create_error(env, code, message, &error) != napi_ok) return NULL;
  napi_create_int32(env, -err, &number);
  napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &call);
  set_prop(env, error, "errno", number);
  set_prop(env, error, "syscall", call);
  return error;
}

void wio_throw_errno(napi_env env, int err, const char *syscall, const char *detail) {
  napi_value error = wio_errno_error(env, err, syscall, detail);
  if (error != NULL) napi_throw(env, error);
}

void wio_throw_type_error(napi_env env, const char *message) {
  napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", message);
}

void wio_throw_napi_status(napi_env env) {
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (pending) return;
  const napi_extended_error_info *info = NULL;
  napi_get_last_error_info(env, &info);
  napi_throw_error(env, NULL, info != NULL && info->error_message != NULL ? info->error_message : "N-API call failed");
}
