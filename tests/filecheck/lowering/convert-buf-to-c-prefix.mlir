// RUN: stai-opt %s -p 'convert-buf-to-c{name=net prefix="acme" observer=true target="cortex-m4"}' | stai-translate | filecheck %s
// RUN: stai-opt %s -p 'convert-buf-to-c{name=net prefix="acme" observer=true target="cortex-m4"}' | stai-translate | filecheck %s --check-prefix=NONE
// RUN: stai-opt %s -p 'convert-buf-to-c{name=net weights="packed"}' | stai-translate | filecheck %s --check-prefix=DEFAULT
// RUN: not stai-opt %s -p 'convert-buf-to-c{prefix="9x"}' 2>&1 | filecheck %s --check-prefix=BAD

// With prefix=acme every name the folder defines starts with acme_net_ / ACME_NET_: the API,
// the pool and caller-buffer globals, the observer, the data arrays and the target check.
// The runtime's kernels and the observer's own API (stai_observer_*) keep their names.
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
// CHECK:       #ifndef ACME_NET_H
// CHECK:       #define ACME_NET_ACTIVATIONS_SIZE 32
// CHECK:       #define ACME_NET_IN_NUM 1
// CHECK:       #define ACME_NET_POOL_NUM 1
// CHECK:       #define ACME_NET_INPUTS_IN_ACTIVATIONS 0
// CHECK:       int acme_net_set_input(int index, void *data);
// CHECK:       int acme_net_init(void *activations);
// CHECK:       int acme_net_run(void);
// CHECK:       #define ACME_NET_NODE_NUM 2
// CHECK:       int acme_net_set_observer(stai_observer_fn fn, void *user);
// CHECK-LABEL: // ----- file: net.c
// CHECK:       static uint8_t *acme_net_arena = NULL;
// CHECK:       static uint8_t *acme_net_input_0 = NULL;
// CHECK:       int acme_net_init(void *activations)
// CHECK:       static void acme_net_observe(
// CHECK:       stai_observer_notify(
// CHECK:       int acme_net_run(void)
// CHECK:       acme_net_observe(STAI_OBSERVER_BEFORE, 0,
// CHECK:       arm_fully_connected_s8(
// CHECK:       (int8_t *)acme_net_input_0,
// CHECK:       acme_net_w,
// CHECK-LABEL: // ----- file: net_data.h
// CHECK:       #ifndef ACME_NET_DATA_H
// CHECK:       extern const int8_t acme_net_w[12];
// CHECK-LABEL: // ----- file: net_data.c
// CHECK:       const int8_t acme_net_w[12]
// CHECK-LABEL: // ----- file: net_target.h
// CHECK:       #ifndef ACME_NET_TARGET_H
// CHECK:       #define ACME_NET_TARGET "cortex-m4"

// NONE-NOT: stai_net
// NONE-NOT: STAI_NET

// DEFAULT:     int stai_net_run(void);
// DEFAULT:     #define STAI_NET_WEIGHTS_SIZE
// DEFAULT:     extern const uint8_t net_weights[

// BAD: C prefix '9x' is not a C identifier that starts with a letter
