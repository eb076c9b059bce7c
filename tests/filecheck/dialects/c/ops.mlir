// RUN: stai-opt %s | filecheck %s
// RUN: stai-opt %s --print-op-generic | stai-opt | filecheck %s

// CHECK: c.file "network.h" guard "STAI_NETWORK_H" extern_c {
c.file "network.h" guard "STAI_NETWORK_H" extern_c {
  // CHECK-NEXT: c.include <"stdint.h">
  c.include <"stdint.h">
  // CHECK-NEXT: c.include "arm_nnfunctions.h"
  c.include "arm_nnfunctions.h"
  // CHECK-NEXT: c.define "STAI_NETWORK_IN_NUM" 1
  c.define "STAI_NETWORK_IN_NUM" 1
  // CHECK-NEXT: c.define "STAI_NETWORK_MASK" "(1u << 4)"
  c.define "STAI_NETWORK_MASK" "(1u << 4)"
  // CHECK-NEXT: c.comment "weights"
  c.comment "weights"
  // CHECK-NEXT: c.array @w : tensor<2x2xi8> {const}
  c.array @w : tensor<2x2xi8> {const}
  // CHECK-NEXT: c.func @stai_network_init(!c.type<"void *">) -> !c.type<"int"> attributes {arg_names = ["activations"]}
  c.func @stai_network_init(!c.type<"void *">) -> !c.type<"int"> attributes {arg_names = ["activations"]}
  // CHECK-NEXT: c.func @stai_network_run() -> !c.type<"int">
  c.func @stai_network_run() -> !c.type<"int">
}

// CHECK: c.file "network.c" {
c.file "network.c" {
  // CHECK-NEXT: c.array @w : tensor<2x2xi8> {const, alignment = 16 : i64, section = ".rodata"} = dense<{{\[\[}}1, -2], [3, 4]]> : tensor<2x2xi8>
  c.array @w : tensor<2x2xi8> {const, alignment = 16 : i64, section = ".rodata"} = dense<[[1, -2], [3, 4]]> : tensor<2x2xi8>
  // CHECK-NEXT: c.array @m : tensor<2xi32> {static} = dense<[1073741824, -5]> : tensor<2xi32>
  c.array @m : tensor<2xi32> {static} = dense<[1073741824, -5]> : tensor<2xi32>
  // CHECK-NEXT: c.global static @arena : !c.type<"uint8_t *"> = "NULL"
  c.global static @arena : !c.type<"uint8_t *"> = "NULL"
  // CHECK-NEXT: c.global @counter : i32 = 0 : i64
  c.global @counter : i32 = 0 : i64
  // CHECK-NEXT: c.func static @helper(%x: !c.type<"int">) -> !c.type<"int"> {
  c.func static @helper(%x: !c.type<"int">) -> !c.type<"int"> {
    // CHECK-NEXT: c.return %x : !c.type<"int">
    c.return %x : !c.type<"int">
  }
  // CHECK: c.func @stai_network_init(%activations: !c.type<"void *">) -> !c.type<"int"> {
  c.func @stai_network_init(%activations: !c.type<"void *">) -> !c.type<"int"> {
    // CHECK-NEXT: %null = c.literal "NULL" : !c.type<"void *">
    %null = c.literal "NULL" : !c.type<"void *">
    // CHECK-NEXT: %one = c.literal 1 : !c.type<"int">
    %one = c.literal 1 : !c.type<"int">
    // CHECK-NEXT: %is_null = c.binary "==" %activations, %null : (!c.type<"void *">, !c.type<"void *">) -> !c.type<"int">
    %is_null = c.binary "==" %activations, %null : (!c.type<"void *">, !c.type<"void *">) -> !c.type<"int">
    // CHECK-NEXT: c.if_return %is_null, %one : !c.type<"int">, !c.type<"int">
    c.if_return %is_null, %one : !c.type<"int">, !c.type<"int">
    // CHECK-NEXT: %bytes = c.cast %activations : !c.type<"void *"> -> !c.type<"uint8_t *">
    %bytes = c.cast %activations : !c.type<"void *"> -> !c.type<"uint8_t *">
    // CHECK-NEXT: c.assign_global @arena = %bytes : !c.type<"uint8_t *">
    c.assign_global @arena = %bytes : !c.type<"uint8_t *">
    // CHECK-NEXT: %zero = c.literal 0 : !c.type<"int">
    %zero = c.literal 0 : !c.type<"int">
    // CHECK-NEXT: c.return %zero : !c.type<"int">
    c.return %zero : !c.type<"int">
  }
  // CHECK: c.func @stai_network_input_size(%i: !c.type<"int">) -> !c.type<"size_t"> {
  c.func @stai_network_input_size(%i: !c.type<"int">) -> !c.type<"size_t"> {
    %a = c.literal 16 : !c.type<"size_t">
    %d = c.literal 0 : !c.type<"size_t">
    // CHECK: c.switch_return %i : !c.type<"int"> [0 : %a] default %d : !c.type<"size_t">
    c.switch_return %i : !c.type<"int"> [0 : %a] default %d : !c.type<"size_t">
  }
  // CHECK: c.func @stai_network_run() -> i32 {
  c.func @stai_network_run() -> i32 {
    // CHECK-NEXT: c.scope {
    c.scope {
      // CHECK-NEXT: %arena = c.get_global @arena : !c.type<"uint8_t *">
      %arena = c.get_global @arena : !c.type<"uint8_t *">
      // CHECK-NEXT: %x = c.offset_ptr %arena[64] : !c.type<"uint8_t *"> -> !c.type<"int8_t *">
      %x = c.offset_ptr %arena[64] : !c.type<"uint8_t *"> -> !c.type<"int8_t *">
      // CHECK-NEXT: %dims = c.struct static {n = 1, h = 2, w = 2, c = 1} : !c.type<"cmsis_nn_dims">
      %dims = c.struct static {n = 1, h = 2, w = 2, c = 1} : !c.type<"cmsis_nn_dims">
      // CHECK-NEXT: %ctx = c.struct {buf = %x, size = 64, scale = 0.5 : f32, lo = -1.5, name = "NULL", t = {w = 1, h = 2}} : (!c.type<"int8_t *">) -> !c.type<"cmsis_nn_context">
      %ctx = c.struct {buf = %x, size = 64, scale = 0.5 : f32, lo = -1.5, name = "NULL", t = {w = 1, h = 2}} : (!c.type<"int8_t *">) -> !c.type<"cmsis_nn_context">
      // CHECK-NEXT: %pd = c.addr %dims : !c.type<"cmsis_nn_dims"> -> !c.type<"const cmsis_nn_dims *">
      %pd = c.addr %dims : !c.type<"cmsis_nn_dims"> -> !c.type<"const cmsis_nn_dims *">
      // CHECK-NEXT: %pc = c.addr %ctx : !c.type<"cmsis_nn_context"> -> !c.type<"const cmsis_nn_context *">
      %pc = c.addr %ctx : !c.type<"cmsis_nn_context"> -> !c.type<"const cmsis_nn_context *">
      // CHECK-NEXT: c.call "kernel"(%pc, %pd, %x) {ok = "ARM_CMSIS_NN_SUCCESS", error_return = 1 : i64} : (!c.type<"const cmsis_nn_context *">, !c.type<"const cmsis_nn_dims *">, !c.type<"int8_t *">) -> ()
      c.call "kernel"(%pc, %pd, %x) {ok = "ARM_CMSIS_NN_SUCCESS", error_return = 1 : i64} : (!c.type<"const cmsis_nn_context *">, !c.type<"const cmsis_nn_dims *">, !c.type<"int8_t *">) -> ()
      // CHECK-NEXT: %n = c.call "count"() : () -> i32
      %n = c.call "count"() : () -> i32
      // CHECK-NEXT: %table = c.get_global array @m : !c.type<"const int32_t *">
      %table = c.get_global array @m : !c.type<"const int32_t *">
      // CHECK-NEXT: %q = c.struct static {multiplier = %table} : (!c.type<"const int32_t *">) -> !c.type<"quant">
      %q = c.struct static {multiplier = %table} : (!c.type<"const int32_t *">) -> !c.type<"quant">
    }
    %zero = c.literal 0 : i32
    // CHECK: c.return %zero : i32
    c.return %zero : i32
  }
}
