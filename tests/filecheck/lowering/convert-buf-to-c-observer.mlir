// RUN: stai-opt %s -p 'convert-buf-to-c{name=net observer=true}' | stai-translate | filecheck %s
// RUN: stai-opt %s -p 'convert-buf-to-c{name=net}' | stai-translate | filecheck %s --check-prefix=OFF

// A fully connected and a softmax with the observer: hooks before and after each kernel,
// node tables, set_observer, all inside #if defined(STAI_OBSERVER).
buf.const @w dense<1> : memref<3x4xi8> {alignment = 4 : i64}
buf.const @b dense<0> : memref<3xi32> {alignment = 4 : i64}
func.func @main() attributes {buf.inputs = ["in"], buf.outputs = ["probs"]} {
  %arena = buf.arena {size = 32 : i64, alignment = 16 : i64} : memref<32xi8>
  %x = buf.view %arena[0] {role = "input", index = 0 : i64} : memref<32xi8> -> memref<1x4xi8>
  %w = buf.get_const @w : memref<3x4xi8>
  %b = buf.get_const @b : memref<3xi32>
  %y = buf.view %arena[16] {role = "tensor"} : memref<32xi8> -> memref<1x3xi8>
  qnn.fully_connected ins(%x, %w, %b : memref<1x4xi8>, memref<3x4xi8>, memref<3xi32>) outs(%y : memref<1x3xi8>) {nn.m_id = 4 : i64, nn.name = "fc \"out\"", nn.out_scale = 0.5 : f64, nn.out_zero_point = -3 : i64, act = array<i32: -128, 127>, params = #qnn.fully_connected_s8<input_offset = 0, filter_offset = 0, output_offset = -3, multipliers = array<i32: 1073741824>, shifts = array<i32: -1>>}
  %p = buf.view %arena[0] {role = "output", index = 0 : i64} : memref<32xi8> -> memref<1x3xi8>
  qnn.softmax ins(%y : memref<1x3xi8>) outs(%p : memref<1x3xi8>) {nn.m_id = 5 : i64, nn.name = "probs", nn.out_scale = 0.00390625 : f64, nn.out_zero_point = -128 : i64, params = #qnn.softmax_s8<multiplier = 1073741824, shift = 23, diff_min = -248>}
  func.return
}

// CHECK-LABEL: // ----- file: net.h
// CHECK:       #if defined(STAI_OBSERVER)
// CHECK-NEXT:  #include "stai_observer.h"
// CHECK:       #define STAI_NET_NODE_NUM 2
// CHECK:       int stai_net_set_observer(stai_observer_fn fn, void *user);
// CHECK-NEXT:  #endif /* STAI_OBSERVER */

// Rows: c_id, m_id, type name, tensor name (string offsets), type, bytes, zero point,
// rank, shape (6).
// CHECK-LABEL: // ----- file: net.c
// CHECK:       #if defined(STAI_OBSERVER)
// CHECK-NEXT:  static stai_observer_fn stai_net_observer_fn = NULL;
// CHECK-NEXT:  static void *stai_net_observer_user = NULL;
// CHECK-EMPTY:
// CHECK-NEXT:  static const int32_t stai_net_node_rows[28] = {
// CHECK-NEXT:      0, 4, 0, 16, 1, 3, -3, 2,
// CHECK-NEXT:      1, 3, 0, 0, 0, 0, 1, 5,
// CHECK-NEXT:      25, 33, 1, 3, -128, 2, 1, 3,
// CHECK-NEXT:      0, 0, 0, 0,
// CHECK-NEXT:  };
// CHECK:       static const float stai_net_node_scales[2] = {0.5f, 0.00390625f};
// CHECK:       static const char *const stai_net_node_strings = "fully_connected\000fc \042out\042\000softmax\000probs\000";
// CHECK:       int stai_net_set_observer(stai_observer_fn fn, void *user)
// CHECK:       static void stai_net_observe(stai_observer_event event, int32_t node, void *data)
// CHECK:           stai_observer_notify(stai_net_observer_fn,
// CHECK:       #endif /* STAI_OBSERVER */
// CHECK-LABEL: int stai_net_run(void)
// CHECK:           /* 0: fully_connected
// CHECK-NEXT:  #if defined(STAI_OBSERVER)
// CHECK-NEXT:          stai_net_observe(STAI_OBSERVER_BEFORE, 0, (void *)(int8_t *)(stai_net_arena + 16));
// CHECK-NEXT:  #endif /* STAI_OBSERVER */
// CHECK:           if (arm_fully_connected_s8(
// CHECK:       #if defined(STAI_OBSERVER)
// CHECK-NEXT:          stai_net_observe(STAI_OBSERVER_AFTER, 0, (void *)(int8_t *)(stai_net_arena + 16));
// CHECK-NEXT:  #endif /* STAI_OBSERVER */
// CHECK:           /* 1: softmax
// CHECK-NEXT:  #if defined(STAI_OBSERVER)
// CHECK-NEXT:          stai_net_observe(STAI_OBSERVER_BEFORE, 1, (void *)(int8_t *)stai_net_arena);
// CHECK:           arm_softmax_s8(
// CHECK:       #if defined(STAI_OBSERVER)
// CHECK-NEXT:          stai_net_observe(STAI_OBSERVER_AFTER, 1, (void *)(int8_t *)stai_net_arena);

// Without the option: no trace of the observer.
// OFF-NOT: OBSERVER
// OFF-NOT: observe
