// RUN: stai-opt %s --split-input-file -p 'select-kernels{kernels=stai isa=mve}' | filecheck %s
// RUN: stai-opt %s --split-input-file -p 'select-kernels{kernels=cmsis-nn isa=mve}' | filecheck %s --check-prefix=CMSIS

// CMSIS-NOT: mk.

// On a Helium core (isa=mve) a 1x1 convolution (5 -> 3 channels) becomes
// mk.conv1x1_mve_s8: the output channels are padded to 4 and the input channels to 16
// (one vector), and for each output pair the 16 weights of its first channel precede the
// 16 of its second: pair 0 = rows 0 and 1 (1..5 and 6..10, each followed by 11 zeros),
// pair 1 = row 2 (11..15) and a zero row. The effective bias is bias[o] + input_offset *
// sum(w[o]) = 10 + 2*15, 20 + 2*40, 30 + 2*65, then 0 (padding). Every shift is a right
// shift of at least 1: fast_requant = 2. The old constants go.

// CHECK-LABEL: func.func @conv1x1
// CHECK-NOT:   arith.constant dense<{{.*}}> : tensor<3x1x1x5xi8>
// CHECK:       %[[W:.*]] = arith.constant dense<[1, 2, 3, 4, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 6, 7, 8, 9, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 11, 12, 13, 14, 15, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]> : tensor<64xi8>
// CHECK-NEXT:  %[[B:.*]] = arith.constant dense<[40, 100, 160, 0]> : tensor<4xi32>
// CHECK-NEXT:  %[[Y:.*]] = mk.conv1x1_mve_s8 ins(%x, %[[W]], %[[B]] : tensor<1x2x2x5xi8>, tensor<64xi8>, tensor<4xi32>)
// CHECK-SAME:  {nn.name = "conv", act = array<i32: -128, 127>, fast_requant = 2 : i64, params = #qnn.conv_s8<input_offset = 2, output_offset = -1, multipliers = array<i32: 1073741824, 1073741824, 1073741824>, shifts = array<i32: -1, -1, -1>>} -> tensor<1x2x2x3xi8>
// CHECK-NEXT:  func.return %[[Y]]
// CMSIS-LABEL: func.func @conv1x1
// CMSIS:       qnn.conv2d

func.func @conv1x1(%x: tensor<1x2x2x5xi8>) -> tensor<1x2x2x3xi8> {
  %w = arith.constant dense<[[[[1, 2, 3, 4, 5]]], [[[6, 7, 8, 9, 10]]], [[[11, 12, 13, 14, 15]]]]> : tensor<3x1x1x5xi8>
  %b = arith.constant dense<[10, 20, 30]> : tensor<3xi32>
  %y = qnn.conv2d ins(%x, %w, %b : tensor<1x2x2x5xi8>, tensor<3x1x1x5xi8>, tensor<3xi32>) {nn.name = "conv", strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, act = array<i32: -128, 127>, params = #qnn.conv_s8<input_offset = 2, output_offset = -1, multipliers = array<i32: 1073741824, 1073741824, 1073741824>, shifts = array<i32: -1, -1, -1>>} -> tensor<1x2x2x3xi8>
  func.return %y : tensor<1x2x2x3xi8>
}

// -----

// A depthwise 3x3 (4 channels, stride 1, padding 1) becomes mk.dwconv3x3_mve_s8: for
// the group of channels 0..3, each tap t = 3 ky + kx gives the four channels' weights
// (channel 0 holds 1..9 row by row, channel 1 all -1, channels 2 and 3 all 2 and 0);
// bias + 128 * sum(w): 100 + 128*45, -100 + 128*(-9), 0 + 128*18, 0. A depthwise layer
// of 2 channels (not a multiple of 4) keeps its CMSIS-NN kernel.

// CHECK-LABEL: func.func @depthwise
// CHECK:       %[[W:.*]] = arith.constant dense<[1, -1, 2, 0, 2, -1, 2, 0, 3, -1, 2, 0, 4, -1, 2, 0, 5, -1, 2, 0, 6, -1, 2, 0, 7, -1, 2, 0, 8, -1, 2, 0, 9, -1, 2, 0]> : tensor<36xi8>
// CHECK-NEXT:  %[[B:.*]] = arith.constant dense<[5860, -1252, 2304, 0]> : tensor<4xi32>
// CHECK-NEXT:  mk.dwconv3x3_mve_s8 ins(%x, %[[W]], %[[B]] : tensor<1x4x4x4xi8>, tensor<36xi8>, tensor<4xi32>)
// CHECK-SAME:  fast_requant = 2 : i64, strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, params = #qnn.conv_s8<input_offset = 128,
// CHECK-SAME:  -> tensor<1x4x4x4xi8>
// CHECK:       qnn.depthwise_conv2d
// CHECK-SAME:  -> tensor<1x4x4x2xi8>
// CMSIS-LABEL: func.func @depthwise
// CMSIS:       qnn.depthwise_conv2d
// CMSIS:       qnn.depthwise_conv2d

func.func @depthwise(%x: tensor<1x4x4x4xi8>, %x2: tensor<1x4x4x2xi8>) -> (tensor<1x4x4x4xi8>, tensor<1x4x4x2xi8>) {
  %w = arith.constant dense<[[[[1, -1, 2, 0], [2, -1, 2, 0], [3, -1, 2, 0]], [[4, -1, 2, 0], [5, -1, 2, 0], [6, -1, 2, 0]], [[7, -1, 2, 0], [8, -1, 2, 0], [9, -1, 2, 0]]]]> : tensor<1x3x3x4xi8>
  %b = arith.constant dense<[100, -100, 0, 0]> : tensor<4xi32>
  %y = qnn.depthwise_conv2d ins(%x, %w, %b : tensor<1x4x4x4xi8>, tensor<1x3x3x4xi8>, tensor<4xi32>) {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, depth_multiplier = 1 : i64, act = array<i32: -128, 127>, params = #qnn.conv_s8<input_offset = 128, output_offset = 0, multipliers = array<i32: 1073741824, 1073741824, 1073741824, 1073741824>, shifts = array<i32: -3, -3, -3, -3>>} -> tensor<1x4x4x4xi8>
  %w2 = arith.constant dense<[[[[1, -1], [2, -1], [3, -1]], [[4, -1], [5, -1], [6, -1]], [[7, -1], [8, -1], [9, -1]]]]> : tensor<1x3x3x2xi8>
  %b2 = arith.constant dense<[100, -100]> : tensor<2xi32>
  %z = qnn.depthwise_conv2d ins(%x2, %w2, %b2 : tensor<1x4x4x2xi8>, tensor<1x3x3x2xi8>, tensor<2xi32>) {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, depth_multiplier = 1 : i64, act = array<i32: -128, 127>, params = #qnn.conv_s8<input_offset = 128, output_offset = 0, multipliers = array<i32: 1073741824, 1073741824>, shifts = array<i32: -3, -3>>} -> tensor<1x4x4x2xi8>
  func.return %y, %z : tensor<1x4x4x4xi8>, tensor<1x4x4x2xi8>
}

// -----

// A fully connected layer with filter offset 0 (2 outputs: fewer than the DSP kernel's
// four) runs as the Helium 1x1 kernel over its rows, its per-tensor multiplier and shift
// repeated per output; a left shift (1) leaves the general requantization
// (fast_requant = 0). Bias + (-5) * row sum = 1 - 5*2, 2 - 5*(-5). One whose filter
// offset is not 0 keeps its CMSIS-NN kernel.

// CHECK-LABEL: func.func @fully_connected
// CHECK:       %[[W:.*]] = arith.constant dense<[1, -2, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -4, 5, -6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]> : tensor<64xi8>
// CHECK-NEXT:  %[[B:.*]] = arith.constant dense<[-9, 27, 0, 0]> : tensor<4xi32>
// CHECK-NEXT:  mk.conv1x1_mve_s8 ins(%x, %[[W]], %[[B]] : tensor<1x3xi8>, tensor<64xi8>, tensor<4xi32>)
// CHECK-SAME:  act = array<i32: -100, 100>, fast_requant = 0 : i64, params = #qnn.conv_s8<input_offset = -5, output_offset = 7, multipliers = array<i32: 1500000000, 1500000000>, shifts = array<i32: 1, 1>>
// CHECK-SAME:  -> tensor<1x2xi8>
// CHECK:       qnn.fully_connected ins(%x, %{{.*}}, %{{.*}} : tensor<1x3xi8>, tensor<2x3xi8>, tensor<2xi32>)
// CHECK-SAME:  filter_offset = 1
// CMSIS-LABEL: func.func @fully_connected
// CMSIS:       qnn.fully_connected
// CMSIS:       qnn.fully_connected

func.func @fully_connected(%x: tensor<1x3xi8>) -> (tensor<1x2xi8>, tensor<1x2xi8>) {
  %w = arith.constant dense<[[1, -2, 3], [-4, 5, -6]]> : tensor<2x3xi8>
  %b = arith.constant dense<[1, 2]> : tensor<2xi32>
  %y = qnn.fully_connected ins(%x, %w, %b : tensor<1x3xi8>, tensor<2x3xi8>, tensor<2xi32>) {act = array<i32: -100, 100>, params = #qnn.fully_connected_s8<input_offset = -5, filter_offset = 0, output_offset = 7, multipliers = array<i32: 1500000000>, shifts = array<i32: 1>>} -> tensor<1x2xi8>
  %z = qnn.fully_connected ins(%x, %w, %b : tensor<1x3xi8>, tensor<2x3xi8>, tensor<2xi32>) {act = array<i32: -128, 127>, params = #qnn.fully_connected_s8<input_offset = -5, filter_offset = 1, output_offset = 7, multipliers = array<i32: 1500000000>, shifts = array<i32: 1>>} -> tensor<1x2xi8>
  func.return %y, %z : tensor<1x2xi8>, tensor<1x2xi8>
}

// -----

// Any other convolution (a 2x2 window over 2 channels, 3 outputs) becomes
// mk.conv_mve_s8: its (out, K) matrix (K = 2 * 2 * 2 in OHWI order: row o holds
// 8o+1 .. 8o+8) laid out as the 1x1 kernel's (input depth padded to 16, outputs to 4);
// bias + input_offset * sum(w[o]) = 36, 100, 164, then 0. A stride-2 1x1 convolution
// takes it too.

// CHECK-LABEL: func.func @conv
// CHECK:       %[[W:.*]] = arith.constant dense<[1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0, 0, 0, 0, 0, 9, 10, 11, 12, 13, 14, 15, 16, 0, 0, 0, 0, 0, 0, 0, 0, 17, 18, 19, 20, 21, 22, 23, 24, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]> : tensor<64xi8>
// CHECK-NEXT:  %[[B:.*]] = arith.constant dense<[36, 100, 164, 0]> : tensor<4xi32>
// CHECK-NEXT:  mk.conv_mve_s8 ins(%x, %[[W]], %[[B]] : tensor<1x3x3x2xi8>, tensor<64xi8>, tensor<4xi32>)
// CHECK-SAME:  kernel = array<i64: 2, 2>, strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>
// CHECK-SAME:  -> tensor<1x2x2x3xi8>
// CHECK:       mk.conv_mve_s8
// CHECK-SAME:  kernel = array<i64: 1, 1>, strides = array<i64: 2, 2>
// CMSIS-LABEL: func.func @conv
// CMSIS:       qnn.conv2d
// CMSIS:       qnn.conv2d

func.func @conv(%x: tensor<1x3x3x2xi8>) -> (tensor<1x2x2x3xi8>, tensor<1x2x2x3xi8>) {
  %w = arith.constant dense<[[[[1, 2], [3, 4]], [[5, 6], [7, 8]]], [[[9, 10], [11, 12]], [[13, 14], [15, 16]]], [[[17, 18], [19, 20]], [[21, 22], [23, 24]]]]> : tensor<3x2x2x2xi8>
  %b = arith.constant dense<0> : tensor<3xi32>
  %y = qnn.conv2d ins(%x, %w, %b : tensor<1x3x3x2xi8>, tensor<3x2x2x2xi8>, tensor<3xi32>) {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, act = array<i32: -128, 127>, params = #qnn.conv_s8<input_offset = 1, output_offset = 0, multipliers = array<i32: 1073741824, 1073741824, 1073741824>, shifts = array<i32: -4, -4, -4>>} -> tensor<1x2x2x3xi8>
  %w1 = arith.constant dense<[[[[1, 2]]], [[[3, 4]]], [[[5, 6]]]]> : tensor<3x1x1x2xi8>
  %z = qnn.conv2d ins(%x, %w1, %b : tensor<1x3x3x2xi8>, tensor<3x1x1x2xi8>, tensor<3xi32>) {strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, act = array<i32: -128, 127>, params = #qnn.conv_s8<input_offset = 1, output_offset = 0, multipliers = array<i32: 1073741824, 1073741824, 1073741824>, shifts = array<i32: -4, -4, -4>>} -> tensor<1x2x2x3xi8>
  func.return %y, %z : tensor<1x2x2x3xi8>, tensor<1x2x2x3xi8>
}

// -----

// An addition whose plan is linear (method 1: clamp((k0 + k1 x1 + k2 x2) >> kshift), exact
// on every input pair) becomes mk.add_mve_s8 with that plan; pooling has no Helium form of
// stai's and keeps its CMSIS-NN kernel.

// CHECK-LABEL: func.func @add_pool
// CHECK:       mk.add_mve_s8 ins(%x, %y : tensor<1x3x3x2xi8>, tensor<1x3x3x2xi8>)
// CHECK-SAME:  plan = array<i32: 1, {{-?[0-9]+}}, {{-?[0-9]+}}, {{-?[0-9]+}}, {{-?[0-9]+}}>
// CHECK-SAME:  params = #qnn.add_sub_s8<
// CHECK:       qnn.avg_pool2d
// CMSIS-LABEL: func.func @add_pool
// CMSIS:       qnn.add
// CMSIS:       qnn.avg_pool2d

func.func @add_pool(%x: tensor<1x3x3x2xi8>, %y: tensor<1x3x3x2xi8>) -> (tensor<1x3x3x2xi8>, tensor<1x1x1x2xi8>) {
  %s = qnn.add ins(%x, %y : tensor<1x3x3x2xi8>, tensor<1x3x3x2xi8>) {act = array<i32: -128, 127>, params = #qnn.add_sub_s8<left_shift = 20, input1_offset = 0, input1_multiplier = 1073741824, input1_shift = 0, input2_offset = 0, input2_multiplier = 1073741824, input2_shift = 0, output_offset = 0, output_multiplier = 1073741824, output_shift = -20>} -> tensor<1x3x3x2xi8>
  %a = qnn.avg_pool2d ins(%x : tensor<1x3x3x2xi8>) {kernel = array<i64: 3, 3>, strides = array<i64: 3, 3>, pads = array<i64: 0, 0, 0, 0>, act = array<i32: -128, 127>} -> tensor<1x1x1x2xi8>
  func.return %s, %a : tensor<1x3x3x2xi8>, tensor<1x1x1x2xi8>
}
