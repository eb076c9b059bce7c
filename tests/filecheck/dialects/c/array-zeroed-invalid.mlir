// RUN: stai-opt %s --split-input-file --verify-diagnostics | filecheck %s

// A zeroed c.array has no value and is not const.

c.file "a.c" {
  c.array @w : tensor<2xi8> {zeroed} = dense<1> : tensor<2xi8>
}
// CHECK: Operation does not verify: c.array: a zeroed array has no value and is not const

// -----

c.file "a.c" {
  c.array @w : tensor<2xi8> {const, zeroed}
}
// CHECK: Operation does not verify: c.array: a zeroed array has no value and is not const
