// RUN: stai-opt %s -p optimize-transposes | filecheck %s
//
// A strided slice between a transpose and its inverse (NCHW code around an NHWC model):
// the transpose moves below the slice (begin and strides follow their axes) and cancels.

// CHECK:      func.func @main(%x: tensor<1x4x5x6xf32>) -> tensor<1x2x5x3xf32> {
// CHECK-NEXT:   %{{.*}} = nn.strided_slice %x {begin = array<i64: 0, 1, 0, 5>, strides = array<i64: 1, 2, 1, -2>} : (tensor<1x4x5x6xf32>) -> tensor<1x2x5x3xf32>
// CHECK-NEXT:   func.return
// CHECK-NOT:  nn.transpose
func.func @main(%x: tensor<1x4x5x6xf32>) -> tensor<1x2x5x3xf32> {
  %t = nn.transpose %x {perm = array<i64: 0, 3, 1, 2>} : (tensor<1x4x5x6xf32>) -> tensor<1x6x4x5xf32>
  %s = nn.strided_slice %t {begin = array<i64: 0, 5, 1, 0>, strides = array<i64: 1, -2, 2, 1>} : (tensor<1x6x4x5xf32>) -> tensor<1x3x2x5xf32>
  %u = nn.transpose %s {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x3x2x5xf32>) -> tensor<1x2x5x3xf32>
  func.return %u : tensor<1x2x5x3xf32>
}
