/* Offload constants newer than some kernel headers the addon may be built against (USO arrived in Linux 6.2);
 * the values are the kernel's ABI, so defining them here is safe where the headers lack them. */
#ifndef WIO_OFFLOAD_COMPAT_H
#define WIO_OFFLOAD_COMPAT_H

#include <linux/if_tun.h>
#include <linux/virtio_net.h>

#ifndef TUN_F_USO4
#define TUN_F_USO4 0x20
#endif
#ifndef TUN_F_USO6
#define TUN_F_USO6 0x40
#endif
#ifndef VIRTIO_NET_HDR_GSO_UDP_L4
#define VIRTIO_NET_HDR_GSO_UDP_L4 5
#endif

#endif
