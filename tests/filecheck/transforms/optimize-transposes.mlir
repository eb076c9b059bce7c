// RUN: stai-opt %s -p optimize-transposes --split-input-file | filecheck %s

// Inverse transposes around an element-wise op cancel; the constant moves with them.
// CHECK-LABEL: func.func @cancel
// CHECK-NEXT:  %[[C:.*]] = nn.constant dense<{{\[\[\[\[}}1.000000e+00, 2.000000e+00]]]]> : tensor<1x1x1x2xf32>
// CHECK-NEXT:  %[[A:.*]] = nn.add %x, %[[C]] {activation = "none"} : (tensor<1x3x4x2xf32>, tensor<1x1x1x2xf32>) -> tensor<1x3x4x2xf32>
// CHECK-NEXT:  %[[R:.*]] = nn.relu %[[A]] : (tensor<1x3x4x2xf32>) -> tensor<1x3x4x2xf32>
// CHECK-NEXT:  func.return %[[R]]
func.func @cancel(%x: tensor<1x3x4x2xf32>) -> tensor<1x3x4x2xf32> {
  %t = nn.transpose %x {perm = array<i64: 0, 3, 1, 2>} : (tensor<1x3x4x2xf32>) -> tensor<1x2x3x4xf32>
  %c = nn.constant dense<[[[1.0]], [[2.0]]]> : tensor<2x1x1xf32> -> tensor<2x1x1xf32>
  %a = nn.add %t, %c {activation = "none"} : (tensor<1x2x3x4xf32>, tensor<2x1x1xf32>) -> tensor<1x2x3x4xf32>
  %r = nn.relu %a : (tensor<1x2x3x4xf32>) -> tensor<1x2x3x4xf32>
  %u = nn.transpose %r {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x2x3x4xf32>) -> tensor<1x3x4x2xf32>
  func.return %u : tensor<1x3x4x2xf32>
}

// -----

// A transpose that moves only size-1 dimensions is a reshape.
// CHECK-LABEL: func.func @unit
// CHECK-NEXT:  %[[R:.*]] = nn.reshape %x : (tensor<1x1x5x5xf32>) -> tensor<1x5x5x1xf32>
// CHECK-NEXT:  func.return %[[R]]
func.func @unit(%x: tensor<1x1x5x5xf32>) -> tensor<1x5x5x1xf32> {
  %t = nn.transpose %x {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x1x5x5xf32>) -> tensor<1x5x5x1xf32>
  func.return %t : tensor<1x5x5x1xf32>
}

// -----

// Flattening a transposed tensor into a dense layer: the weight columns are permuted
// instead (x is NHWC [1, 1, 2, 2]: the NCHW flatten order c0w0 c0w1 c1w0 c1w1 becomes
// w0c0 w0c1 w1c0 w1c1, so the columns 0 1 2 3 become 0 2 1 3).
// CHECK-LABEL: func.func @flatten
// CHECK:       %[[W:.*]] = nn.constant dense<{{\[}}[0.000000e+00, 2.000000e+00, 1.000000e+00, 3.000000e+00]]> : tensor<1x4xf32>
// CHECK:       %[[F:.*]] = nn.reshape %x : (tensor<1x1x2x2xf32>) -> tensor<1x4xf32>
// CHECK-NEXT:  nn.fully_connected %[[F]], %[[W]], %{{.*}}
// CHECK-NOT:   nn.transpose
func.func @flatten(%x: tensor<1x1x2x2xf32>) -> tensor<1x1xf32> {
  %t = nn.transpose %x {perm = array<i64: 0, 3, 1, 2>} : (tensor<1x1x2x2xf32>) -> tensor<1x2x1x2xf32>
  %f = nn.reshape %t : (tensor<1x2x1x2xf32>) -> tensor<1x4xf32>
  %w = nn.constant dense<[[0.0, 1.0, 2.0, 3.0]]> : tensor<1x4xf32> -> tensor<1x4xf32>
  %b = nn.constant dense<0.0> : tensor<1xf32> -> tensor<1xf32>
  %y = nn.fully_connected %f, %w, %b {activation = "none"} : (tensor<1x4xf32>, tensor<1x4xf32>, tensor<1xf32>) -> tensor<1x1xf32>
  func.return %y : tensor<1x1xf32>
}

// -----

// A constant added to a convolution's result along the channels is its bias.
// CHECK-LABEL: func.func @bias
// CHECK:       %[[B:.*]] = nn.constant dense<[1.500000e+00, 2.500000e+00]> : tensor<2xf32>
// CHECK:       %[[Y:.*]] = nn.conv2d %x, %{{.*}}, %[[B]]
// CHECK-NEXT:  func.return %[[Y]]
func.func @bias(%x: tensor<1x3x3x1xf32>) -> tensor<1x3x3x2xf32> {
  %w = nn.constant dense<1.0> : tensor<2x1x1x1xf32> -> tensor<2x1x1x1xf32>
  %b = nn.constant dense<[0.5, 0.5]> : tensor<2xf32> -> tensor<2xf32>
  %y = nn.conv2d %x, %w, %b {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, activation = "none"} : (tensor<1x3x3x1xf32>, tensor<2x1x1x1xf32>, tensor<2xf32>) -> tensor<1x3x3x2xf32>
  %c = nn.constant dense<[[[[1.0, 2.0]]]]> : tensor<1x1x1x2xf32> -> tensor<1x1x1x2xf32>
  %a = nn.add %y, %c {activation = "none"} : (tensor<1x3x3x2xf32>, tensor<1x1x1x2xf32>) -> tensor<1x3x3x2xf32>
  func.return %a : tensor<1x3x3x2xf32>
}

// -----

// A transpose that must move data stays.
// CHECK-LABEL: func.func @kept
// CHECK-NEXT:  nn.transpose %x {perm = array<i64: 0, 3, 1, 2>}
func.func @kept(%x: tensor<1x2x2x3xf32>) -> tensor<1x3x2x2xf32> {
  %t = nn.transpose %x {perm = array<i64: 0, 3, 1, 2>} : (tensor<1x2x2x3xf32>) -> tensor<1x3x2x2xf32>
  func.return %t : tensor<1x3x2x2xf32>
}
