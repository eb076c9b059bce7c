// RUN: stai-opt %s -p 'detach-weights{name=net}' | filecheck %s
// RUN: stai-opt %s -p 'detach-weights{name=net}' | stai-translate | filecheck %s --check-prefix=C
// RUN: not stai-opt %s -p 'detach-weights{name=other}' 2>&1 | filecheck %s --check-prefix=NONE

// The packed blob of convert-buf-to-c{weights=packed} leaves NAME_data.c for the binary
// file NAME_weights.bin (a c.file holding one c.bytes: the same 16 bytes); NAME_weights
// becomes a pointer that stai_NAME_init binds (NULL or misaligned: 1) and that
// stai_NAME_run checks (NULL: -1); a static struct holding it becomes an ordinary local.
c.file "net.h" guard "STAI_NET_H" extern_c {
  c.define "STAI_NET_ACTIVATIONS_SIZE" 32
  c.func @stai_net_init(!c.type<"void *">) -> !c.type<"int"> attributes {arg_names = ["activations"]}
  c.func @stai_net_run() -> !c.type<"int">
}
c.file "net.c" {
  c.include "net.h"
  c.include "net_data.h"
  c.global static @stai_net_arena : !c.type<"uint8_t *"> = "NULL"
  c.func @stai_net_init(%activations: !c.type<"void *">) -> !c.type<"int"> {
    %0 = c.cast %activations : !c.type<"void *"> -> !c.type<"uint8_t *">
    c.assign_global @stai_net_arena = %0 : !c.type<"uint8_t *">
    %1 = c.literal 0 : !c.type<"int">
    c.return %1 : !c.type<"int">
  }
  c.func @stai_net_run() -> !c.type<"int"> {
    c.scope {
      %w = c.get_global array @net_weights : !c.type<"const uint8_t *">
      %b = c.offset_ptr %w[8] : !c.type<"const uint8_t *"> -> !c.type<"const int32_t *">
      %params = c.struct static {bias = %b} : (!c.type<"const int32_t *">) -> !c.type<"bias_params">
      %p = c.addr %params : !c.type<"bias_params"> -> !c.type<"const bias_params *">
      c.call "kernel"(%p) {ok = "ARM_CMSIS_NN_SUCCESS", error_return = 1 : i64} : (!c.type<"const bias_params *">) -> ()
    }
    %0 = c.literal 0 : !c.type<"int">
    c.return %0 : !c.type<"int">
  }
}
c.file "net_data.h" guard "STAI_NET_DATA_H" extern_c {
  c.include <"stdint.h">
  c.define "STAI_NET_WEIGHTS_SIZE" 16
  c.array @net_weights : tensor<16xui8> {const}
}
c.file "net_data.c" {
  c.include "net_data.h"
  c.array @net_weights : tensor<16xui8> {const, alignment = 4 : i64} = dense<[1, 255, 2, 254, 3, 253, 4, 252, 7, 0, 0, 0, 249, 255, 255, 255]> : tensor<16xui8>
}

// CHECK:      c.file "net.h"
// CHECK:        c.comment "weights: the contents of net_weights.bin (STAI_NET_WEIGHTS_SIZE bytes in net_data.h), STAI_NET_WEIGHTS_ALIGNMENT-byte aligned, kept while the network is used."
// CHECK-NEXT:   c.func @stai_net_init(!c.type<"const void *">, !c.type<"void *">) -> !c.type<"int"> attributes {arg_names = ["weights", "activations"]}
// CHECK:      c.file "net.c" {
// CHECK:        c.global static @net_weights : !c.type<"const uint8_t *"> = "NULL"
// CHECK-NEXT:   c.global static @stai_net_arena
// CHECK:        c.func @stai_net_init(%weights: !c.type<"const void *">, %activations: !c.type<"void *">)
// CHECK:          c.assign_global @net_weights
// CHECK:        c.func @stai_net_run()
// CHECK:          c.if_return
// CHECK:          %{{.*}} = c.get_global @net_weights : !c.type<"const uint8_t *">
// CHECK:          %params = c.struct {bias = %{{.*}}} : (!c.type<"const int32_t *">) -> !c.type<"bias_params">
// CHECK:      c.file "net_data.h"
// CHECK:        c.define "STAI_NET_WEIGHTS_SIZE" 16
// CHECK-NEXT:   c.comment "The weights file (STAI_NET_WEIGHTS_SIZE bytes, CRC-32 STAI_NET_WEIGHTS_CRC32) is passed to init, STAI_NET_WEIGHTS_ALIGNMENT-byte aligned."
// CHECK-NEXT:   c.define "STAI_NET_WEIGHTS_ALIGNMENT" 4
// CHECK-NEXT:   c.define "STAI_NET_WEIGHTS_CRC32" [[CRC:[0-9]+]]
// CHECK-NEXT: }
// CHECK:      c.file "net_data.c" {
// CHECK-NEXT:   c.include "net_data.h"
// CHECK-NEXT:   c.comment "The weights are in net_weights.bin (16 bytes), bound by stai_net_init."
// CHECK-NEXT: }
// CHECK-NEXT: c.file "net_weights.bin" {
// CHECK-NEXT:   c.bytes dense<[1, 255, 2, 254, 3, 253, 4, 252, 7, 0, 0, 0, 249, 255, 255, 255]> : tensor<16xui8>
// CHECK-NEXT: }

// C:      int stai_net_init(const void *weights, void *activations);
// C:      static const uint8_t *net_weights = NULL;
// C:      int stai_net_init(const void *weights, void *activations)
// C-NEXT: {
// C-NEXT:     if ((weights == NULL) || (((uintptr_t)weights & 3) != 0)) {
// C-NEXT:         return 1;
// C-NEXT:     }
// C:          net_weights = (const uint8_t *)weights;
// C-NEXT:     return 0;
// C:      int stai_net_run(void)
// C-NEXT: {
// C-NEXT:     if (net_weights == NULL) {
// C-NEXT:         return -1;
// C-NEXT:     }
// C-NEXT:     {
// C-NEXT:         const bias_params params = {.bias = (const int32_t *)(net_weights + 8)};
// C:      #define STAI_NET_WEIGHTS_CRC32 {{[0-9]+}}
// C:      // ----- file: net_weights.bin (16 bytes of binary data)

// NONE: detach-weights: the generated code has no other_data.c
