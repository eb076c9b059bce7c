// RUN: stai-opt %s | filecheck %s
// RUN: stai-opt %s --print-op-generic | stai-opt | filecheck %s

// A zeroed c.array is a definition without an initialiser (a zero-filled buffer).

// CHECK: c.file "harness.h" {
// CHECK-NEXT: c.array @arena_0 : tensor<32xui8> {static, zeroed, alignment = 16 : i64}
// CHECK-NEXT: c.array @input_0 : tensor<4xui8> {zeroed}
// CHECK-NEXT: }
c.file "harness.h" {
  c.array @arena_0 : tensor<32xui8> {static, zeroed, alignment = 16 : i64}
  c.array @input_0 : tensor<4xui8> {zeroed}
}
