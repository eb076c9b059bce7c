// RUN: stai-opt %s -p fuse-activations | filecheck %s

// int8 conv + relu with the same quantization: one conv with activation "relu", which
// keeps the conv's nn.m_id, takes the relu's nn.name and records the relu's m_id in
// nn.fused_m_ids.
// CHECK-LABEL: func.func @conv_relu
// CHECK-NEXT:    %w = nn.constant
// CHECK-NEXT:    %b = nn.constant
// CHECK-NEXT:    %y = nn.conv2d %x, %w, %b {nn.m_id = 0 : i64, nn.name = "relu_out", nn.fused_m_ids = [1 : i64], strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, activation = "relu"}
// CHECK-NEXT:    func.return %y
func.func @conv_relu(%x: tensor<1x4x4x2x!nn.q<i8, 0.5 : -3>>) -> tensor<1x4x4x3x!nn.q<i8, 0.25 : 1>> {
  %w = nn.constant dense<1> : tensor<3x1x1x2xi8> -> tensor<3x1x1x2x!nn.q<i8, axis 0, [0.1, 0.2, 0.3] : [0, 0, 0]>>
  %b = nn.constant dense<[1, 2, 3]> : tensor<3xi32> -> tensor<3x!nn.q<i32, 0.05 : 0>>
  %y = nn.conv2d %x, %w, %b {nn.m_id = 0 : i64, nn.name = "conv_out", strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, activation = "none"} : (tensor<1x4x4x2x!nn.q<i8, 0.5 : -3>>, tensor<3x1x1x2x!nn.q<i8, axis 0, [0.1, 0.2, 0.3] : [0, 0, 0]>>, tensor<3x!nn.q<i32, 0.05 : 0>>) -> tensor<1x4x4x3x!nn.q<i8, 0.25 : 1>>
  %r = nn.relu %y {nn.m_id = 1 : i64, nn.name = "relu_out"} : (tensor<1x4x4x3x!nn.q<i8, 0.25 : 1>>) -> tensor<1x4x4x3x!nn.q<i8, 0.25 : 1>>
  func.return %r : tensor<1x4x4x3x!nn.q<i8, 0.25 : 1>>
}

// float: relu6 into a fully connected, relu_n1_to_1 into an add, relu into a max pool,
// a concat, a sub, a mul, a depthwise and an average pool.
// CHECK-LABEL: func.func @float_chain
// CHECK:         nn.fully_connected %x, %w, %b {activation = "relu6"}
// CHECK-NEXT:    nn.add {{.*}} {activation = "relu_n1_to_1"}
// CHECK-NEXT:    nn.sub {{.*}} {activation = "relu"}
// CHECK-NEXT:    nn.mul {{.*}} {activation = "relu6"}
// CHECK-NEXT:    nn.concat {{.*}} {axis = 1 : i64, activation = "relu"}
// CHECK-NEXT:    func.return
func.func @float_chain(%x: tensor<1x4xf32>) -> tensor<1x8xf32> {
  %w = nn.constant dense<1.0> : tensor<4x4xf32> -> tensor<4x4xf32>
  %b = nn.constant dense<0.0> : tensor<4xf32> -> tensor<4xf32>
  %f = nn.fully_connected %x, %w, %b {activation = "none"} : (tensor<1x4xf32>, tensor<4x4xf32>, tensor<4xf32>) -> tensor<1x4xf32>
  %f6 = nn.relu6 %f : (tensor<1x4xf32>) -> tensor<1x4xf32>
  %a = nn.add %f6, %x {activation = "none"} : (tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<1x4xf32>
  %a1 = nn.relu_n1_to_1 %a : (tensor<1x4xf32>) -> tensor<1x4xf32>
  %s = nn.sub %a1, %x {activation = "none"} : (tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<1x4xf32>
  %s1 = nn.relu %s : (tensor<1x4xf32>) -> tensor<1x4xf32>
  %m = nn.mul %s1, %x {activation = "none"} : (tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<1x4xf32>
  %m1 = nn.relu6 %m : (tensor<1x4xf32>) -> tensor<1x4xf32>
  %c = nn.concat %m1, %x {axis = 1 : i64, activation = "none"} : (tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<1x8xf32>
  %c1 = nn.relu %c : (tensor<1x8xf32>) -> tensor<1x8xf32>
  func.return %c1 : tensor<1x8xf32>
}

// CHECK-LABEL: func.func @pools_and_depthwise
// CHECK:         nn.depthwise_conv2d {{.*}} activation = "relu6", depth_multiplier = 1 : i64}
// CHECK-NEXT:    nn.max_pool2d {{.*}} activation = "relu"}
// CHECK-NEXT:    nn.avg_pool2d {{.*}} activation = "relu_n1_to_1"}
// CHECK-NEXT:    func.return
func.func @pools_and_depthwise(%x: tensor<1x4x4x2xf32>) -> tensor<1x1x1x2xf32> {
  %w = nn.constant dense<1.0> : tensor<1x1x1x2xf32> -> tensor<1x1x1x2xf32>
  %b = nn.constant dense<0.0> : tensor<2xf32> -> tensor<2xf32>
  %d = nn.depthwise_conv2d %x, %w, %b {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, activation = "none", depth_multiplier = 1 : i64} : (tensor<1x4x4x2xf32>, tensor<1x1x1x2xf32>, tensor<2xf32>) -> tensor<1x4x4x2xf32>
  %d1 = nn.relu6 %d : (tensor<1x4x4x2xf32>) -> tensor<1x4x4x2xf32>
  %p = nn.max_pool2d %d1 {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, activation = "none"} : (tensor<1x4x4x2xf32>) -> tensor<1x2x2x2xf32>
  %p1 = nn.relu %p : (tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %q = nn.avg_pool2d %p1 {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, activation = "none"} : (tensor<1x2x2x2xf32>) -> tensor<1x1x1x2xf32>
  %q1 = nn.relu_n1_to_1 %q : (tensor<1x1x1x2xf32>) -> tensor<1x1x1x2xf32>
  func.return %q1 : tensor<1x1x1x2xf32>
}

// Not fused: the relu requantizes (int8), the producer has another user, the producer
// already has an activation, the producer is not fusible.
// CHECK-LABEL: func.func @not_fused
// CHECK:         %a = nn.add %x, %x {activation = "none"}
// CHECK-NEXT:    %r1 = nn.relu %a
// CHECK-NEXT:    %m = nn.mul %x, %x {activation = "none"}
// CHECK-NEXT:    %r2 = nn.relu %m
// CHECK-NEXT:    %s = nn.sub %x, %x {activation = "relu"}
// CHECK-NEXT:    %r3 = nn.relu6 %s
// CHECK-NEXT:    %t = nn.reshape %x
// CHECK-NEXT:    %r4 = nn.relu %t
func.func @not_fused(%x: tensor<4x!nn.q<i8, 0.5 : -3>>) -> (tensor<4x!nn.q<i8, 0.25 : -3>>, tensor<4x!nn.q<i8, 0.5 : -3>>, tensor<4x!nn.q<i8, 0.5 : -3>>, tensor<4x!nn.q<i8, 0.5 : -3>>, tensor<4x!nn.q<i8, 0.5 : -3>>) {
  %a = nn.add %x, %x {activation = "none"} : (tensor<4x!nn.q<i8, 0.5 : -3>>, tensor<4x!nn.q<i8, 0.5 : -3>>) -> tensor<4x!nn.q<i8, 0.5 : -3>>
  %r1 = nn.relu %a : (tensor<4x!nn.q<i8, 0.5 : -3>>) -> tensor<4x!nn.q<i8, 0.25 : -3>>
  %m = nn.mul %x, %x {activation = "none"} : (tensor<4x!nn.q<i8, 0.5 : -3>>, tensor<4x!nn.q<i8, 0.5 : -3>>) -> tensor<4x!nn.q<i8, 0.5 : -3>>
  %r2 = nn.relu %m : (tensor<4x!nn.q<i8, 0.5 : -3>>) -> tensor<4x!nn.q<i8, 0.5 : -3>>
  %s = nn.sub %x, %x {activation = "relu"} : (tensor<4x!nn.q<i8, 0.5 : -3>>, tensor<4x!nn.q<i8, 0.5 : -3>>) -> tensor<4x!nn.q<i8, 0.5 : -3>>
  %r3 = nn.relu6 %s : (tensor<4x!nn.q<i8, 0.5 : -3>>) -> tensor<4x!nn.q<i8, 0.5 : -3>>
  %t = nn.reshape %x : (tensor<4x!nn.q<i8, 0.5 : -3>>) -> tensor<4x!nn.q<i8, 0.5 : -3>>
  %r4 = nn.relu %t : (tensor<4x!nn.q<i8, 0.5 : -3>>) -> tensor<4x!nn.q<i8, 0.5 : -3>>
  func.return %r1, %m, %r2, %r3, %r4 : tensor<4x!nn.q<i8, 0.25 : -3>>, tensor<4x!nn.q<i8, 0.5 : -3>>, tensor<4x!nn.q<i8, 0.5 : -3>>, tensor<4x!nn.q<i8, 0.5 : -3>>, tensor<4x!nn.q<i8, 0.5 : -3>>
}
