// RUN: stai-opt %s | filecheck %s
// RUN: stai-opt %s --print-op-generic | stai-opt | filecheck %s

// CHECK-LABEL: func.func @main
func.func @main(%x: tensor<1x4x4x2x!nn.q<i8, 0.5 : -3>>) -> tensor<1x2x2x3x!nn.q<i8, 0.25 : 1>> {
  // CHECK: nn.constant dense<1> : tensor<3x1x1x2xi8> -> tensor<3x1x1x2x!nn.q<i8, axis 0, [0.1, 0.2, 0.30000001192092896] : [0, 0, 0]>>
  %w = nn.constant dense<1> : tensor<3x1x1x2xi8> -> tensor<3x1x1x2x!nn.q<i8, axis 0, [0.1, 0.2, 0.30000001192092896] : [0, 0, 0]>>
  %b = nn.constant dense<[1, 2, 3]> : tensor<3xi32> -> tensor<3x!nn.q<i32, 0.05 : 0>>
  // CHECK: nn.conv2d %x, %w, %b {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, activation = "relu"}
  %y = nn.conv2d %x, %w, %b {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, activation = "relu"} : (tensor<1x4x4x2x!nn.q<i8, 0.5 : -3>>, tensor<3x1x1x2x!nn.q<i8, axis 0, [0.1, 0.2, 0.30000001192092896] : [0, 0, 0]>>, tensor<3x!nn.q<i32, 0.05 : 0>>) -> tensor<1x4x4x3x!nn.q<i8, 0.25 : 1>>
  // CHECK: nn.max_pool2d %y {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, activation = "none"}
  %p = nn.max_pool2d %y {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, activation = "none"} : (tensor<1x4x4x3x!nn.q<i8, 0.25 : 1>>) -> tensor<1x2x2x3x!nn.q<i8, 0.25 : 1>>
  // CHECK: nn.add %p, %p {activation = "none"}
  %s = nn.add %p, %p {activation = "none"} : (tensor<1x2x2x3x!nn.q<i8, 0.25 : 1>>, tensor<1x2x2x3x!nn.q<i8, 0.25 : 1>>) -> tensor<1x2x2x3x!nn.q<i8, 0.25 : 1>>
  // CHECK: nn.reshape %s : (tensor<1x2x2x3x!nn.q<i8, 0.25 : 1>>) -> tensor<1x12x!nn.q<i8, 0.25 : 1>>
  %r = nn.reshape %s : (tensor<1x2x2x3x!nn.q<i8, 0.25 : 1>>) -> tensor<1x12x!nn.q<i8, 0.25 : 1>>
  // CHECK: nn.softmax %r {beta = 1.000000e+00 : f32}
  %sm = nn.softmax %r {beta = 1.0 : f32} : (tensor<1x12x!nn.q<i8, 0.25 : 1>>) -> tensor<1x12x!nn.q<i8, 0.25 : 1>>
  func.return %p : tensor<1x2x2x3x!nn.q<i8, 0.25 : 1>>
}
