// RUN: stai-opt %s --split-input-file --verify-diagnostics | filecheck %s
//
// Verifier errors of nn.strided_slice and nn.maximum.

// CHECK: nn.strided_slice: dimension 1: 3 elements from 4 by 2 do not fit in 5
func.func @past_the_end(%x: tensor<1x5xf32>) -> tensor<1x3xf32> {
  %s = nn.strided_slice %x {begin = array<i64: 0, 4>, strides = array<i64: 1, 2>} : (tensor<1x5xf32>) -> tensor<1x3xf32>
  func.return %s : tensor<1x3xf32>
}

// -----

// CHECK: nn.strided_slice: begin, strides and the result need the input's rank 2
func.func @rank(%x: tensor<1x5xf32>) -> tensor<5xf32> {
  %s = nn.strided_slice %x {begin = array<i64: 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x5xf32>) -> tensor<5xf32>
  func.return %s : tensor<5xf32>
}

// -----

// CHECK: nn.maximum: operand shapes [1, 4] and [3] do not broadcast
func.func @no_broadcast(%x: tensor<1x4xf32>, %y: tensor<3xf32>) -> tensor<1x4xf32> {
  %m = nn.maximum %x, %y {activation = "none"} : (tensor<1x4xf32>, tensor<3xf32>) -> tensor<1x4xf32>
  func.return %m : tensor<1x4xf32>
}
