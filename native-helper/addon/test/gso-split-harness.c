/* Runs one frame through wio_gso_parse, wio_gso_cost and wio_gso_split as the TUN reader does, for
 * native-helper/io/gso-split-asan.test.ts, which builds it with AddressSanitizer and UBSan. Every buffer is
 * allocated at exactly the size the code may touch (the frame as read, the slot as the cost says), so a read or
 * write outside them is reported instead of landing in a neighbour.
 *
 * stdin: the frame (vnet header, then the packet). stdout: "<parse result> <segments> <written>". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/gso-split.h"

#define MAX_FRAME (1u << 20)

int main(void) {
  uint8_t *in = malloc(MAX_FRAME);
  size_t frame_len = in == NULL ? 0 : fread(in, 1, MAX_FRAME, stdin);
  if (in == NULL || ferror(stdin)) return 2;
  uint8_t *frame = malloc(frame_len > 0 ? frame_len : 1);
  if (frame == NULL) return 2;
  memcpy(frame, in, frame_len);
  free(in);

  wio_gso g;
  int rc = wio_gso_parse(frame, frame_len, &g);
  uint32_t written = 0;
  if (rc == 0) {
    size_t packet_len = frame_len - WIO_VNET_HDR_LEN;
    wio_slot slot = {.capacity = g.segments};
    wio_pack pack = {.slot = &slot, .headroom = 16, .tailroom = 16};
    uint64_t cost = wio_gso_cost(&g, &pack, packet_len);
    if (cost > UINT32_MAX) return 3;
    slot.data_len = (uint32_t)cost;
    slot.data = malloc(cost);
    slot.offsets = calloc(g.segments, sizeof *slot.offsets);
    slot.lengths = calloc(g.segments, sizeof *slot.lengths);
    if (slot.data == NULL || slot.offsets == NULL || slot.lengths == NULL) return 2;
    written = wio_gso_split(&g, frame + WIO_VNET_HDR_LEN, packet_len, &pack);
    free(slot.data);
    free(slot.offsets);
    free(slot.lengths);
  }
  free(frame);
  printf("%d %u %u\n", rc, rc == 0 ? g.segments : 0, written);
  return 0;
}
