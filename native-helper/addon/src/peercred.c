/* Who is at the other end of a unix socket (SO_PEERCRED), and what the account databases say about a user now.
 * The control socket's authorization (native-helper/daemon/authorization.ts) is built on these; the policy
 * lives there, not here.
 *
 * Group membership is read from the account databases as they are NOW (getgrouplist through NSS: /etc/group,
 * sssd, LDAP), not from the peer process's own supplementary groups (the Groups: line of /proc/PID/status, or
 * SO_PEERGROUPS), which were fixed when its session began:
 *  - revoking is immediate: a user taken out of the group is refused on their next connection, even while their
 *    running session still carries the gid;
 *  - no pid race: SO_PEERCRED's uid and gid are the peer's at connect() and cannot change, whereas its pid may
 *    have exited and been reused by the time /proc/PID/status is read;
 *  - it is what `id USER` shows the administrator, NSS groups included.
 * The user's passwd primary group counts, and so does the peer's effective gid (from SO_PEERCRED, passed in):
 * the kernel vouches that the process holds it (by login, sg/newgrp as a member, or a setgid program).
 * Granting is not immediate in practice all the same: the socket file is 0660 root:GROUP and the kernel checks
 * the connecting process's own groups against it, so a newly added user still logs out and in.
 *
 * The lookups run on the JS thread: fast for files and for sssd's cache; a remote directory without a cache
 * would stall the helper while it answers. */
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "napi-util.h"

#define LOOKUP_BUFFER_START 1024
#define LOOKUP_BUFFER_MAX (16u << 20) /* a group entry lists its members: large groups need room */
#define GROUP_LIST_MAX 65537          /* NGROUPS_MAX on Linux, plus the primary group */

/* 0 when found; ENOENT when there is no such user; another errno when the databases could not be read.
 * *buf (free()d by the caller) holds the strings pw points to. */
static int user_by_uid(uid_t uid, struct passwd *pw, char **buf) {
  for (size_t size = LOOKUP_BUFFER_START;; size *= 2) {
    char *grown = realloc(*buf, size);
    if (grown == NULL) return ENOMEM;
    *buf = grown;
    struct passwd *found = NULL;
    int err = getpwuid_r(uid, pw, *buf, size, &found);
    if (err == ERANGE && size < LOOKUP_BUFFER_MAX) continue;
    if (found != NULL) return 0;
    return err == 0 || err == ENOENT ? ENOENT : err;
  }
}

static int group_by_name(const char *name, struct group *gr, char **buf) {
  for (size_t size = LOOKUP_BUFFER_START;; size *= 2) {
    char *grown = realloc(*buf, size);
    if (grown == NULL) return ENOMEM;
    *buf = grown;
    struct group *found = NULL;
    int err = getgrnam_r(name, gr, *buf, size, &found);
    if (err == ERANGE && size < LOOKUP_BUFFER_MAX) continue;
    if (found != NULL) return 0;
    return err == 0 || err == ENOENT ? ENOENT : err;
  }
}

/* peerCredentials(fd) -> { pid, uid, gid } of the process that connected (at connect() time). pid is 0 when the
 * peer is in a pid namespace this one cannot see. */
static napi_value peer_credentials(napi_env env, napi_callback_info info) {
  WIO_ARGS(env, info, 1, argv);
  uint32_t fd;
  if (!wio_arg_u32(env, argv[0], &fd, "fd")) return NULL;
  if (fd > INT_MAX) {
    wio_throw_errno(env, EBADF, "getsockopt", "SO_PEERCRED");
    return NULL;
  }
  struct ucred cred;
  socklen_t len = sizeof cred;
  if (getsockopt((int)fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
    wio_throw_errno(env, errno, "getsockopt", "SO_PEERCRED");
    return NULL;
  }
  napi_value result;
  WIO_CALL(env, napi_create_object(env, &result));
  wio_set(env, result, "pid", wio_u32(env, cred.pid > 0 ? (uint32_t)cred.pid : 0));
  wio_set(env, result, "uid", wio_u32(env, cred.uid));
  wio_set(env, result, "gid", wio_u32(env, cred.gid));
  return result;
}

/* groupMembership(uid, gid) -> gids: gid, and every group the databases list uid's user in now (its passwd
 * primary group and its supplementary groups). Throws ENOENT when uid has no user account. */
static napi_value group_membership(napi_env env, napi_callback_info info) {
  WIO_ARGS(env, info, 2, argv);
  uint32_t uid, gid;
  if (!wio_arg_u32(env, argv[0], &uid, "uid") || !wio_arg_u32(env, argv[1], &gid, "gid")) return NULL;
  struct passwd pw;
  char *buf = NULL;
  char detail[32];
  snprintf(detail, sizeof detail, "uid %u", uid);
  int err = user_by_uid(uid, &pw, &buf);
  if (err != 0) {
    free(buf);
    wio_throw_errno(env, err, "getpwuid_r", detail);
    return NULL;
  }
  gid_t *groups = NULL;
  int count = 0;
  for (int room = 32;;) { /* room - 1: one more is kept for gid */
    gid_t *grown = realloc(groups, (size_t)room * sizeof *groups);
    if (grown == NULL) {
      err = ENOMEM;
      break;
    }
    groups = grown;
    count = room - 1;
    /* On a short list it returns -1 and sets count to the number needed (glibc, musl). */
    if (getgrouplist(pw.pw_name, pw.pw_gid, groups, &count) >= 0) break;
    if (room >= GROUP_LIST_MAX) {
      err = E2BIG;
      break;
    }
    room = count + 1 > room ? count + 1 : room * 2;
    if (room > GROUP_LIST_MAX) room = GROUP_LIST_MAX;
  }
  free(buf);
  if (err != 0) {
    free(groups);
    wio_throw_errno(env, err, "getgrouplist", detail);
    return NULL;
  }
  bool listed = false;
  for (int i = 0; i < count; i++) listed = listed || groups[i] == gid;
  if (!listed) groups[count++] = gid;
  napi_value result;
  if (napi_create_array_with_length(env, (size_t)count, &result) != napi_ok) {
    free(groups);
    wio_throw_napi_status(env);
    return NULL;
  }
  for (int i = 0; i < count; i++) napi_set_element(env, result, (uint32_t)i, wio_u32(env, groups[i]));
  free(groups);
  return result;
}

/* userName(uid) -> the account's name, or null when uid has none. */
static napi_value user_name(napi_env env, napi_callback_info info) {
  WIO_ARGS(env, info, 1, argv);
  uint32_t uid;
  if (!wio_arg_u32(env, argv[0], &uid, "uid")) return NULL;
  struct passwd pw;
  char *buf = NULL;
  int err = user_by_uid(uid, &pw, &buf);
  napi_value result = NULL;
  if (err == 0) {
    result = wio_string(env, pw.pw_name);
  } else if (err == ENOENT) {
    napi_get_null(env, &result);
  } else {
    char detail[32];
    snprintf(detail, sizeof detail, "uid %u", uid);
    wio_throw_errno(env, err, "getpwuid_r", detail);
  }
  free(buf);
  return result;
}

/* groupId(name) -> the group's gid, or null when there is no such group. */
static napi_value group_id(napi_env env, napi_callback_info info) {
  WIO_ARGS(env, info, 1, argv);
  char name[256];
  if (!wio_arg_string(env, argv[0], name, sizeof name, "name")) return NULL;
  struct group gr;
  char *buf = NULL;
  int err = group_by_name(name, &gr, &buf);
  napi_value result = NULL;
  if (err == 0) {
    result = wio_u32(env, gr.gr_gid);
  } else if (err == ENOENT) {
    napi_get_null(env, &result);
  } else {
    wio_throw_errno(env, err, "getgrnam_r", name);
  }
  free(buf);
  return result;
}

void wio_register_peercred(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"peerCredentials", NULL, peer_credentials, NULL, NULL, NULL, napi_enumerable, NULL},
      {"groupMembership", NULL, group_membership, NULL, NULL, NULL, napi_enumerable, NULL},
      {"userName", NULL, user_name, NULL, NULL, NULL, napi_enumerable, NULL},
      {"groupId", NULL, group_id, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
