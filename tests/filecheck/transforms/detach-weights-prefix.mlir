// RUN: stai-opt %s -p 'convert-buf-to-c{name=net prefix="acme" weights="packed"},detach-weights{name=net prefix="acme"}' | stai-translate | filecheck %s
// RUN: stai-opt %s -p 'convert-buf-to-c{name=net prefix="acme" weights="packed"},detach-weights{name=net prefix="acme"}' | stai-translate | filecheck %s --check-prefix=NONE
// RUN: not stai-opt %s -p 'convert-buf-to-c{name=net prefix="acme" weights="packed"},detach-weights{name=net}' 2>&1 | filecheck %s --check-prefix=OTHER

// detach-weights{prefix=acme} after convert-buf-to-c{prefix=acme}: the blob it detaches is
// acme_net_weights (convert-buf-to-c's name for the packed array under another prefix),
// bound by acme_net_init (with its header's checks) and checked by acme_net_run; the
// macros are ACME_NET_WEIGHTS_*; the conv's offsets and clamp bounds are read from the
// file's parameter table (after the 24 bytes of weights and bias).
// The files keep the network's name (net_weights.bin). With a prefix other than the one
// convert-buf-to-c used, the pass names the function it cannot find.
buf.const @w dense<1> : memref<3x4xi8> {alignment = 4 : i64}
buf.const @b dense<0> : memref<3xi32> {alignment = 4 : i64}
func.func @main() attributes {buf.inputs = ["in"], buf.outputs = ["probs"]} {
  %arena = buf.arena {size = 32 : i64, alignment = 16 : i64} : memref<32xi8>
  %x = buf.extern {role = "input", index = 0 : i64, alignment = 1 : i64} : memref<1x4xi8>
  %w = buf.get_const @w : memref<3x4xi8>
  %b = buf.get_const @b : memref<3xi32>
  %y = buf.view %arena[16] {role = "tensor"} : memref<32xi8> -> memref<1x3xi8>
  qnn.fully_connected ins(%x, %w, %b : memref<1x4xi8>, memref<3x4xi8>, memref<3xi32>) outs(%y : memref<1x3xi8>) {nn.m_id = 4 : i64, nn.name = "fc", nn.out_scale = 0.5 : f64, nn.out_zero_point = -3 : i64, act = array<i32: -128, 127>, params = #qnn.fully_connected_s8<input_offset = 0, filter_offset = 0, output_offset = -3, multipliers = array<i32: 1073741824>, shifts = array<i32: -1>>}
  %p = buf.view %arena[0] {role = "output", index = 0 : i64} : memref<32xi8> -> memref<1x3xi8>
  qnn.softmax ins(%y : memref<1x3xi8>) outs(%p : memref<1x3xi8>) {nn.m_id = 5 : i64, nn.name = "probs", nn.out_scale = 0.00390625 : f64, nn.out_zero_point = -128 : i64, params = #qnn.softmax_s8<multiplier = 1073741824, shift = 23, diff_min = -248>}
  func.return
}

// CHECK-LABEL: // ----- file: net.h
// CHECK:       #define ACME_NET_WEIGHTS_BAD_MAGIC 2
// CHECK:       #define ACME_NET_NO_WEIGHTS (-2)
// CHECK:       /* weights, size: the contents of net_weights.bin (ACME_NET_WEIGHTS_SIZE bytes in net_data.h), ACME_NET_WEIGHTS_ALIGNMENT-byte aligned, kept while the network is used; a refused file returns ACME_NET_WEIGHTS_BAD_* and leaves no file bound. */
// CHECK-NEXT:  int acme_net_init(const void *weights, size_t size, void *activations);
// CHECK-LABEL: // ----- file: net.c
// CHECK:       static const uint8_t *acme_net_weights = NULL;
// CHECK:       static uint32_t acme_net_crc32(const uint8_t *data, uint32_t size)
// CHECK:       int acme_net_init(const void *weights, size_t size, void *activations)
// CHECK-NEXT:  {
// CHECK-NEXT:      acme_net_weights = NULL;
// CHECK-NEXT:      if ((weights == NULL) || (((uintptr_t)weights & 3) != 0)) {
// CHECK-NEXT:          return 1;
// CHECK-NEXT:      }
// CHECK:           if (((const uint32_t *)weights)[2] != ACME_NET_WEIGHTS_HASH) {
// CHECK-NEXT:          return ACME_NET_WEIGHTS_BAD_STRUCTURE;
// CHECK:           uint32_t crc = acme_net_crc32(
// CHECK:           acme_net_weights = (const uint8_t *)((const uint8_t *)weights + 32);
// CHECK-NEXT:      return 0;
// CHECK:       int acme_net_run(void)
// CHECK-NEXT:  {
// CHECK-NEXT:      if (acme_net_weights == NULL) {
// CHECK-NEXT:          return ACME_NET_NO_WEIGHTS;
// CHECK-NEXT:      }
// CHECK:           .input_offset = ((const int32_t *)(acme_net_weights + 24))[0],
// CHECK:           (const int8_t *)acme_net_weights,
// CHECK:           (const int32_t *)(acme_net_weights + 12),
// CHECK-LABEL: // ----- file: net_data.h
// CHECK:       #define ACME_NET_WEIGHTS_SIZE 96
// CHECK-NEXT:  {{^$}}
// CHECK-NEXT:  /* The weights file (ACME_NET_WEIGHTS_SIZE bytes) is passed to init, ACME_NET_WEIGHTS_ALIGNMENT-byte aligned; its header holds the format version, the structure hash and the payload's CRC-32. */
// CHECK-NEXT:  #define ACME_NET_WEIGHTS_ALIGNMENT 4
// CHECK-NEXT:  #define ACME_NET_WEIGHTS_VERSION 1
// CHECK-NEXT:  #define ACME_NET_WEIGHTS_HASH 0x{{[0-9a-f]+}}u
// CHECK-NEXT:  #define ACME_NET_WEIGHTS_CRC32 0x{{[0-9a-f]+}}u
// CHECK-LABEL: // ----- file: net_data.c
// CHECK:       /* The weights are in net_weights.bin (96 bytes), bound by acme_net_init. */
// CHECK-NEXT:  // ----- file: net_weights.bin (96 bytes of binary data)

// NONE-NOT: stai_net
// NONE-NOT: STAI_NET
// NONE-NOT: {{[^_]}}net_weights[

// OTHER: detach-weights: net.c has no stai_net_init
