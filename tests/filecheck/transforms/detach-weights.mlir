// RUN: stai-opt %s -p 'detach-weights{name=net}' | filecheck %s
// RUN: stai-opt %s -p 'detach-weights{name=net}' | stai-translate | filecheck %s --check-prefix=C
// RUN: not stai-opt %s -p 'detach-weights{name=other}' 2>&1 | filecheck %s --check-prefix=NONE

// The packed blob of convert-buf-to-c{weights=packed} leaves NAME_data.c for the binary
// file NAME_weights.bin (a c.file holding one c.bytes: a 32-byte header, the same 16
// bytes, then the parameter table: the c.trained literals -5 and 0.25f); NAME_weights
// becomes a pointer to the payload that stai_NAME_init(weights, size, ...) binds after
// checking the header (NULL or misaligned: 1, then magic, version, structure hash, sizes,
// CRC-32) and that stai_NAME_run checks (NULL: -2); the trained literals are read from
// the table; a static struct holding a read becomes an ordinary local.
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
      %offset = c.literal -5 {c.trained} : i32
      %params = c.struct static {bias = %b, offset = %offset} : (!c.type<"const int32_t *">, i32) -> !c.type<"bias_params">
      %p = c.addr %params : !c.type<"bias_params"> -> !c.type<"const bias_params *">
      %scale = c.literal 0.25 {c.trained} : f32
      %rows = c.literal 3 : i32
      c.call "kernel"(%p, %scale, %rows) {ok = "ARM_CMSIS_NN_SUCCESS", error_return = 1 : i64} : (!c.type<"const bias_params *">, f32, i32) -> ()
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
// CHECK:        c.define "STAI_NET_WEIGHTS_BAD_MAGIC" 2
// CHECK:        c.define "STAI_NET_WEIGHTS_BAD_VERSION" 3
// CHECK:        c.define "STAI_NET_WEIGHTS_BAD_STRUCTURE" 4
// CHECK:        c.define "STAI_NET_WEIGHTS_BAD_SIZE" 5
// CHECK:        c.define "STAI_NET_WEIGHTS_BAD_CRC" 6
// CHECK:        c.define "STAI_NET_NO_WEIGHTS" "(-2)"
// CHECK-NEXT:   c.comment "weights, size: the contents of net_weights.bin (STAI_NET_WEIGHTS_SIZE bytes in net_data.h), STAI_NET_WEIGHTS_ALIGNMENT-byte aligned, kept while the network is used; a refused file returns STAI_NET_WEIGHTS_BAD_* and leaves no file bound."
// CHECK-NEXT:   c.func @stai_net_init(!c.type<"const void *">, !c.type<"size_t">, !c.type<"void *">) -> !c.type<"int"> attributes {arg_names = ["weights", "size", "activations"]}
// CHECK:      c.file "net.c" {
// CHECK:        c.global static @net_weights : !c.type<"const uint8_t *"> = "NULL"
// CHECK-NEXT:   c.global static @stai_net_arena
// CHECK-NEXT:   c.func static @stai_net_crc32(%data: !c.type<"const uint8_t *">, %size: !c.type<"uint32_t">) -> !c.type<"uint32_t">
// CHECK:        c.func @stai_net_init(%weights: !c.type<"const void *">, %size: !c.type<"size_t">, %activations: !c.type<"void *">)
// CHECK:          c.assign_global @net_weights
// CHECK:        c.func @stai_net_run()
// CHECK:          c.if_return
// CHECK:          %offset = c.index %{{.*}}[%{{.*}}] : (!c.type<"const int32_t *">, !c.type<"int">) -> !c.type<"int32_t">
// CHECK:          %params = c.struct {bias = %b, offset = %offset} : (!c.type<"const int32_t *">, !c.type<"int32_t">) -> !c.type<"bias_params">
// CHECK:          %scale = c.index %{{.*}}[%{{.*}}] : (!c.type<"const float *">, !c.type<"int">) -> !c.type<"float">
// CHECK:          %rows = c.literal 3 : i32
// CHECK:      c.file "net_data.h"
// CHECK:        c.define "STAI_NET_WEIGHTS_SIZE" 56
// CHECK-NEXT:   c.comment "The weights file (STAI_NET_WEIGHTS_SIZE bytes) is passed to init, STAI_NET_WEIGHTS_ALIGNMENT-byte aligned; its header holds the format version, the structure hash and the payload's CRC-32."
// CHECK-NEXT:   c.define "STAI_NET_WEIGHTS_ALIGNMENT" 4
// CHECK-NEXT:   c.define "STAI_NET_WEIGHTS_VERSION" 1
// CHECK-NEXT:   c.define "STAI_NET_WEIGHTS_HASH" "0x{{[0-9a-f]+}}u"
// CHECK-NEXT:   c.define "STAI_NET_WEIGHTS_CRC32" "0xf682268bu"
// CHECK-NEXT: }
// CHECK:      c.file "net_data.c" {
// CHECK-NEXT:   c.include "net_data.h"
// CHECK-NEXT:   c.comment "The weights are in net_weights.bin (56 bytes), bound by stai_net_init."
// CHECK-NEXT: }
// CHECK-NEXT: c.file "net_weights.bin" {
// CHECK-NEXT:   c.bytes dense<[83, 84, 65, 87, 1, 0, 0, 0, {{[0-9]+, [0-9]+, [0-9]+, [0-9]+}}, 32, 0, 0, 0, 24, 0, 0, 0, 139, 38, 130, 246, 0, 0, 0, 0, 0, 0, 0, 0, 1, 255, 2, 254, 3, 253, 4, 252, 7, 0, 0, 0, 249, 255, 255, 255, 251, 255, 255, 255, 0, 0, 128, 62]> : tensor<56xui8>
// CHECK-NEXT: }

// C:      int stai_net_init(const void *weights, size_t size, void *activations);
// C:      static const uint8_t *net_weights = NULL;
// C:      static uint32_t stai_net_crc32(const uint8_t *data, uint32_t size)
// C-NEXT: {
// C-NEXT:     uint32_t crc = (uint32_t)4294967295;
// C-NEXT:     for (uint32_t i = 0; i < size; i++) {
// C-NEXT:         crc = crc ^ data[i];
// C-NEXT:         for (uint32_t bit = 0; bit < 8; bit++) {
// C-NEXT:             crc = (crc >> 1) ^ ((uint32_t)3988292384 & (0 - (crc & 1)));
// C-NEXT:         }
// C-NEXT:     }
// C-NEXT:     return crc ^ (uint32_t)4294967295;
// C-NEXT: }
// C:      int stai_net_init(const void *weights, size_t size, void *activations)
// C-NEXT: {
// C-NEXT:     net_weights = NULL;
// C-NEXT:     if ((weights == NULL) || (((uintptr_t)weights & 3) != 0)) {
// C-NEXT:         return 1;
// C-NEXT:     }
// C-NEXT:     if (size < 32) {
// C-NEXT:         return STAI_NET_WEIGHTS_BAD_SIZE;
// C-NEXT:     }
// C-NEXT:     if (((const uint32_t *)weights)[0] != (uint32_t)1463899219) {
// C-NEXT:         return STAI_NET_WEIGHTS_BAD_MAGIC;
// C-NEXT:     }
// C-NEXT:     if (((const uint32_t *)weights)[1] != STAI_NET_WEIGHTS_VERSION) {
// C-NEXT:         return STAI_NET_WEIGHTS_BAD_VERSION;
// C-NEXT:     }
// C-NEXT:     if (((const uint32_t *)weights)[2] != STAI_NET_WEIGHTS_HASH) {
// C-NEXT:         return STAI_NET_WEIGHTS_BAD_STRUCTURE;
// C-NEXT:     }
// C-NEXT:     if (((((const uint32_t *)weights)[3] != (uint32_t)32) || (((const uint32_t *)weights)[4] != (uint32_t)24)) || (size < 56)) {
// C-NEXT:         return STAI_NET_WEIGHTS_BAD_SIZE;
// C-NEXT:     }
// C-NEXT:     uint32_t crc = stai_net_crc32((const uint8_t *)((const uint8_t *)weights + 32), (uint32_t)24);
// C-NEXT:     if (crc != ((const uint32_t *)weights)[5]) {
// C-NEXT:         return STAI_NET_WEIGHTS_BAD_CRC;
// C-NEXT:     }
// C:          net_weights = (const uint8_t *)((const uint8_t *)weights + 32);
// C-NEXT:     return 0;
// C:      int stai_net_run(void)
// C-NEXT: {
// C-NEXT:     if (net_weights == NULL) {
// C-NEXT:         return STAI_NET_NO_WEIGHTS;
// C-NEXT:     }
// C-NEXT:     {
// C-NEXT:         const bias_params params = {
// C-NEXT:             .bias = (const int32_t *)(net_weights + 8),
// C-NEXT:             .offset = ((const int32_t *)(net_weights + 16))[0],
// C-NEXT:         };
// C-NEXT:         if (kernel(&params, ((const float *)(net_weights + 16))[1], 3) != ARM_CMSIS_NN_SUCCESS) {
// C:      #define STAI_NET_WEIGHTS_CRC32 0xf682268bu
// C:      // ----- file: net_weights.bin (56 bytes of binary data)

// NONE: detach-weights: the generated code has no other_data.c
