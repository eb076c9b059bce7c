// RUN: stai-opt %s --split-input-file | filecheck %s
//
// nn.strided_slice (begin and stride per input dimension, the result's shape gives the
// counts) and nn.maximum / nn.minimum (broadcasting binary ops) parse and print back.

// CHECK: nn.strided_slice %x {begin = array<i64: 0, 4, 1>, strides = array<i64: 1, -2, 3>} : (tensor<1x5x6xf32>) -> tensor<1x3x2xf32>
// CHECK: nn.maximum %s, %y {activation = "none"} : (tensor<1x3x2xf32>, tensor<2xf32>) -> tensor<1x3x2xf32>
// CHECK: nn.minimum %s, %y {activation = "none"} : (tensor<1x3x2xf32>, tensor<2xf32>) -> tensor<1x3x2xf32>
func.func @ok(%x: tensor<1x5x6xf32>, %y: tensor<2xf32>) -> (tensor<1x3x2xf32>, tensor<1x3x2xf32>) {
  %s = nn.strided_slice %x {begin = array<i64: 0, 4, 1>, strides = array<i64: 1, -2, 3>} : (tensor<1x5x6xf32>) -> tensor<1x3x2xf32>
  %hi = nn.maximum %s, %y {activation = "none"} : (tensor<1x3x2xf32>, tensor<2xf32>) -> tensor<1x3x2xf32>
  %lo = nn.minimum %s, %y {activation = "none"} : (tensor<1x3x2xf32>, tensor<2xf32>) -> tensor<1x3x2xf32>
  func.return %hi, %lo : tensor<1x3x2xf32>, tensor<1x3x2xf32>
}
