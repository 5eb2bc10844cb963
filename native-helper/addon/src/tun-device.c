#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "gso-split.h"
#include "tun.h"

#define WIO_TUN_MAX_READ 65535

static void tun_destroy(wio_object *obj) {
  wio_tun *t = (wio_tun *)obj;
  wio_gro_free(t->gro);
  free(t->scratch);
  free(t);
}

static void ifreq_name(struct ifreq *ifr, const char *name) {
  memset(ifr, 0, sizeof *ifr);
  size_t len = strnlen(name, IFNAMSIZ - 1);
  memcpy(ifr->ifr_name, name, len);
}

/* Interface ioctls need some socket; which family does not matter. */
static int ifreq_ioctl(unsigned long request, struct ifreq *ifr) {
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) s = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) return errno;
  int err = ioctl(s, request, ifr) < 0 ? errno : 0;
  close(s);
  return err;
}

static int set_link_flags(const char *name) {
  struct ifreq ifr;
  ifreq_name(&ifr, name);
  int err = ifreq_ioctl(SIOCGIFFLAGS, &ifr);
  if (err != 0) return err;
  ifr.ifr_flags = (short)((ifr.ifr_flags | IFF_POINTOPOINT | IFF_NOARP) & ~IFF_MULTICAST);
  return ifreq_ioctl(SIOCSIFFLAGS, &ifr);
}

int wio_tun_mtu(const wio_tun *t, uint32_t *mtu) {
  struct ifreq ifr;
  ifreq_name(&ifr, t->name);
  int err = ifreq_ioctl(SIOCGIFMTU, &ifr);
  if (err == 0) *mtu = (uint32_t)ifr.ifr_mtu;
  return err;
}

int wio_tun_set_mtu(const wio_tun *t, uint32_t mtu) {
  struct ifreq ifr;
  ifreq_name(&ifr, t->name);
  ifr.ifr_mtu = (int)mtu;
  return ifreq_ioctl(SIOCSIFMTU, &ifr);
}

/* TCP offloads date from 2.6; USO from 6.2: take what the kernel has, down to none (then reads are plain
 * packets behind a header that says so). */
static uint32_t enable_offloads(int fd) {
  static const unsigned int wanted[] = {
      TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_USO4 | TUN_F_USO6,
      TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6,
      TUN_F_CSUM,
  };
  for (size_t i = 0; i < sizeof wanted / sizeof wanted[0]; i++) {
    if (ioctl(fd, TUNSETOFFLOAD, wanted[i]) == 0) return wanted[i];
  }
  return 0;
}

static int fail(int fd, wio_tun *t, const char *call, const char **syscall) {
  int err = errno;
  *syscall = call;
  if (fd >= 0) close(fd);
  if (t != NULL) {
    wio_gro_free(t->gro);
    free(t->scratch);
    free(t);
  }
  return err;
}

int wio_tun_open(const char *name, bool vnet, uint32_t mtu, wio_tun **out, const char **syscall) {
  if (strlen(name) >= IFNAMSIZ) {
    *syscall = "TUNSETIFF";
    return ENAMETOOLONG;
  }
  int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return fail(-1, NULL, "open /dev/net/tun", syscall);
  struct ifreq ifr;
  ifreq_name(&ifr, name);
  ifr.ifr_flags = (short)(IFF_TUN | IFF_NO_PI | (vnet ? IFF_VNET_HDR : 0));
  if (ioctl(fd, TUNSETIFF, &ifr) < 0) return fail(fd, NULL, "TUNSETIFF", syscall);

  wio_tun *t = calloc(1, sizeof *t);
  if (t == NULL) return fail(fd, NULL, "calloc", syscall);
  memcpy(t->name, ifr.ifr_name, IFNAMSIZ);
  t->name[IFNAMSIZ - 1] = '\0';
  t->vnet = vnet;
  if (vnet) {
    int size = WIO_VNET_HDR_LEN;
    if (ioctl(fd, TUNSETVNETHDRSZ, &size) < 0) return fail(fd, t, "TUNSETVNETHDRSZ", syscall);
    t->offloads = enable_offloads(fd);
    t->scratch = malloc(WIO_VNET_HDR_LEN + WIO_TUN_MAX_READ);
    t->gro = wio_gro_new();
    if (t->scratch == NULL || t->gro == NULL) return fail(fd, t, "malloc", syscall);
  }
  int err = wio_tun_set_mtu(t, mtu);
  if (err == 0) err = set_link_flags(t->name);
  if (err != 0) {
    errno = err;
    return fail(fd, t, "SIOCSIFMTU", syscall);
  }
  err = wio_object_init(&t->base, WIO_KIND_TUN, fd, wio_tun_fill, "read", tun_destroy);
  if (err != 0) {
    errno = err;
    return fail(fd, t, "eventfd", syscall);
  }
  *out = t;
  return 0;
}

static int tun_writev(void *ctx, const struct iovec *iov, int iovcnt) {
  int fd = *(const int *)ctx;
  ssize_t n;
  do {
    n = writev(fd, iov, iovcnt);
  } while (n < 0 && errno == EINTR);
  return n < 0 ? errno : 0;
}

static void add_stat(atomic_uint_fast64_t *counter, uint64_t n) {
  if (n > 0) atomic_fetch_add_explicit(counter, n, memory_order_relaxed);
}

uint32_t wio_tun_write(wio_tun *t, const uint8_t *buf, const uint32_t *offsets, const uint32_t *lengths,
                       uint32_t count, int *first_err) {
  wio_gro_result r = {0};
  int fd = t->base.fd;
  if (t->vnet) {
    wio_gro_write(t->gro, t->offloads, buf, offsets, lengths, count, tun_writev, &fd, &r);
  } else {
    for (uint32_t i = 0; i < count; i++) {
      ssize_t n;
      do {
        n = write(fd, buf + offsets[i], lengths[i]);
      } while (n < 0 && errno == EINTR);
      r.calls++;
      if (n >= 0) {
        r.written++;
        continue;
      }
      if (r.first_err == 0) r.first_err = errno;
      if (errno == EBADFD || errno == EBADF) break; /* the device is gone: the rest would fail alike */
    }
  }
  add_stat(&t->stats.written, r.written);
  add_stat(&t->stats.write_calls, r.calls);
  add_stat(&t->stats.gro_frames, r.frames);
  add_stat(&t->stats.gro_packets, r.merged);
  add_stat(&t->stats.gro_fallbacks, r.fallbacks);
  *first_err = r.first_err;
  return r.written;
}
