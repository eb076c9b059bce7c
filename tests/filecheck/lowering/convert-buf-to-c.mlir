// RUN: stai-opt %s -p 'convert-buf-to-c{name=kws}' | filecheck %s
// RUN: stai-opt %s -p 'convert-buf-to-c{name=kws}' | stai-translate | filecheck %s --check-prefix=C

// An int8 conv (with a scratch buffer, stride 2, padding) and a softmax, in buffer form.
buf.const @conv_weights dense<[[[[1, -1]]], [[[2, -2]]], [[[3, -3]]]]> : memref<3x1x1x2xi8> {alignment = 16 : i64}
buf.const @conv_bias dense<[10, 20, 30]> : memref<3xi32> {alignment = 4 : i64}
func.func @main() attributes {buf.inputs = ["in"], buf.outputs = ["probs"]} {
  %arena = buf.arena {size = 160 : i64, alignment = 16 : i64} : memref<160xi8>
  %x = buf.view %arena[128] {role = "input", index = 0 : i64} : memref<160xi8> -> memref<1x4x4x2xi8>
  %w = buf.get_const @conv_weights : memref<3x1x1x2xi8>
  %b = buf.get_const @conv_bias : memref<3xi32>
  %y = buf.view %arena[64] {role = "tensor"} : memref<160xi8> -> memref<1x2x2x3xi8>
  %s = buf.view %arena[0] {role = "scratch"} : memref<160xi8> -> memref<16xi8>
  qnn.conv2d ins(%x, %w, %b : memref<1x4x4x2xi8>, memref<3x1x1x2xi8>, memref<3xi32>) outs(%y : memref<1x2x2x3xi8>) scratch(%s : memref<16xi8>) {nn.name = "conv", nn.m_id = 0 : i64, strides = array<i64: 2, 2>, pads = array<i64: 0, 1, 0, 1>, dilations = array<i64: 1, 1>, act = array<i32: -128, 127>, params = #qnn.conv_s8<input_offset = 3, output_offset = -1, multipliers = array<i32: 1073741824, 1518500250, 2147483647>, shifts = array<i32: -1, -2, -3>>}
  %p = buf.view %arena[0] {role = "output", index = 0 : i64} : memref<160xi8> -> memref<4x3xi8>
  %r = buf.view %arena[64] {role = "tensor"} : memref<160xi8> -> memref<4x3xi8>
  qnn.softmax ins(%r : memref<4x3xi8>) outs(%p : memref<4x3xi8>) {nn.name = "probs", params = #qnn.softmax_s8<multiplier = 1073741824, shift = 23, diff_min = -248>}
  func.return
}

// The IR: four files; weights and tables leave the function; buf ops are gone.
// CHECK:     c.file "kws.h" guard "STAI_KWS_H" extern_c {
// CHECK:       c.define "STAI_KWS_ACTIVATIONS_SIZE" 160
// CHECK:     c.file "kws.c" {
// CHECK:       c.global static @stai_kws_arena : !c.type<"uint8_t *"> = "NULL"
// CHECK:       c.func @stai_kws_run() -> !c.type<"int"> {
// CHECK:         c.scope {
// CHECK:           %conv_params = c.struct static {input_offset = 3, output_offset = -1, stride = {w = 2, h = 2}, padding = {w = 0, h = 0}, dilation = {w = 1, h = 1}, activation = {min = -128, max = 127}} : !c.type<"cmsis_nn_conv_params">
// CHECK:           c.call "arm_convolve_wrapper_s8"({{.*}}) {ok = "ARM_CMSIS_NN_SUCCESS", error_return = 1 : i64}
// CHECK:         c.scope {
// CHECK:           c.call "arm_softmax_s8"
// CHECK-NOT:       ok =
// CHECK:     c.file "kws_data.h" guard "STAI_KWS_DATA_H" extern_c {
// CHECK:     c.file "kws_data.c" {
// CHECK-NOT: buf.
// CHECK-NOT: qnn.

// The API header.
// C-LABEL: // ----- file: kws.h
// C:       #define STAI_KWS_ACTIVATIONS_SIZE 160
// C-NEXT:  #define STAI_KWS_ACTIVATIONS_ALIGNMENT 16
// C-NEXT:  #define STAI_KWS_IN_NUM 1
// C-NEXT:  #define STAI_KWS_OUT_NUM 1
// C-NEXT:  #define STAI_KWS_IN_0_SIZE 32
// C-NEXT:  #define STAI_KWS_OUT_0_SIZE 12
// C:       int stai_kws_init(void *activations);
// C:       void *stai_kws_input_ptr(int index);
// C-NEXT:  size_t stai_kws_input_size(int index);
// C-NEXT:  void *stai_kws_output_ptr(int index);
// C-NEXT:  size_t stai_kws_output_size(int index);
// C:       int stai_kws_run(void);
// C:       #endif /* STAI_KWS_H */

// The implementation: the arena pointer is the only mutable global.
// C-LABEL: // ----- file: kws.c
// C:       #include "kws.h"
// C-NEXT:  #include "kws_data.h"
// C-NEXT:  #include "arm_nnfunctions.h"
// C-EMPTY:
// C-NEXT:  static uint8_t *stai_kws_arena = NULL;
// C-LABEL: int stai_kws_init(void *activations)
// C:           if ((activations == NULL) || (((uintptr_t)activations & 15) != 0)) {
// C-NEXT:          return 1;
// C:           stai_kws_arena = (uint8_t *)activations;
// C-NEXT:      return 0;
// C-LABEL: void *stai_kws_input_ptr(int index)
// C:           if (stai_kws_arena == NULL) {
// C-NEXT:          return NULL;
// C:           case 0:
// C-NEXT:          return (void *)(stai_kws_arena + 128);
// C-NEXT:      default:
// C-NEXT:          return NULL;
// C-LABEL: size_t stai_kws_output_size(int index)
// C:           case 0:
// C-NEXT:          return 12;

// One block per kernel; the conv gets its scratch view, per-channel tables, dims, and
// pads as {w = left, h = top}; its status is checked.
// C-LABEL: int stai_kws_run(void)
// C:           if (stai_kws_arena == NULL) {
// C-NEXT:          return -1;
// C-NEXT:      }
// C-NEXT:      {
// C-NEXT:          /* 0: conv2d conv (s8) */
// C-NEXT:          static const cmsis_nn_dims input_dims = {.n = 1, .h = 4, .w = 4, .c = 2};
// C-NEXT:          static const cmsis_nn_dims filter_dims = {.n = 3, .h = 1, .w = 1, .c = 2};
// C-NEXT:          static const cmsis_nn_dims bias_dims = {.n = 1, .h = 1, .w = 1, .c = 3};
// C-NEXT:          static const cmsis_nn_dims output_dims = {.n = 1, .h = 2, .w = 2, .c = 3};
// C-NEXT:          const cmsis_nn_context ctx = {.buf = (void *)stai_kws_arena, .size = 16};
// C-NEXT:          static const cmsis_nn_conv_params conv_params = {
// C-NEXT:              .input_offset = 3,
// C-NEXT:              .output_offset = -1,
// C-NEXT:              .stride = {.w = 2, .h = 2},
// C-NEXT:              .padding = {.w = 0, .h = 0},
// C-NEXT:              .dilation = {.w = 1, .h = 1},
// C-NEXT:              .activation = {.min = -128, .max = 127},
// C-NEXT:          };
// C-NEXT:          static const cmsis_nn_per_channel_quant_params quant_params = {
// C-NEXT:              .multiplier = (int32_t *)[[MULT:kws_conv2d_0_multipliers]],
// C-NEXT:              .shift = (int32_t *)[[SHIFT:kws_conv2d_0_shifts]],
// C-NEXT:          };
// C-NEXT:          if (arm_convolve_wrapper_s8(&ctx,
// C-NEXT:                                      &conv_params,
// C-NEXT:                                      &quant_params,
// C-NEXT:                                      &input_dims,
// C-NEXT:                                      (int8_t *)(stai_kws_arena + 128),
// C-NEXT:                                      &filter_dims,
// C-NEXT:                                      [[W:kws_conv_weights]],
// C-NEXT:                                      &bias_dims,
// C-NEXT:                                      [[B:kws_conv_bias]],
// C-NEXT:                                      &output_dims,
// C-NEXT:                                      (int8_t *)(stai_kws_arena + 64)) != ARM_CMSIS_NN_SUCCESS) {
// C-NEXT:              return 1;
// C-NEXT:          }
// C-NEXT:      }
// The softmax: rows x depth, its input multiplier, shift and diff_min (it returns void).
// C-NEXT:      {
// C-NEXT:          /* 1: softmax probs (s8) */
// C-NEXT:          arm_softmax_s8((int8_t *)(stai_kws_arena + 64),
// C-NEXT:                         4,
// C-NEXT:                         3,
// C-NEXT:                         1073741824,
// C-NEXT:                         23,
// C-NEXT:                         -248,
// C-NEXT:                         (int8_t *)stai_kws_arena);
// C-NEXT:      }
// C-NEXT:      return 0;
// C-NEXT:  }

// The data: declarations in the header, definitions (with the requested alignment).
// C-LABEL: // ----- file: kws_data.h
// C:       extern const int8_t [[W]][6];
// C-NEXT:  extern const int32_t [[B]][3];
// C-NEXT:  extern const int32_t [[MULT]][3];
// C-NEXT:  extern const int32_t [[SHIFT]][3];
// C-LABEL: // ----- file: kws_data.c
// C:       #include "kws_data.h"
// C:       const int8_t [[W]][6] __attribute__((aligned(16))) = {1, -1, 2, -2, 3, -3};
// C:       const int32_t [[B]][3] = {10, 20, 30};
// C:       const int32_t [[MULT]][3] = {1073741824, 1518500250, 2147483647};
// C:       const int32_t [[SHIFT]][3] = {-1, -2, -3};
