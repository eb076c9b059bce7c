// RUN: stai-opt %s --split-input-file -p 'select-kernels{kernels=stai}' | filecheck %s
// RUN: stai-opt %s --split-input-file -p 'select-kernels{kernels=cmsis-nn}' | filecheck %s --check-prefix=CMSIS

// CMSIS-NOT: mk.

// A 1x1 convolution (5 -> 3 channels, stride 1, no padding) becomes mk.conv1x1_s8. The
// weights w[o][i] = 1..15 (row o: 5o+1 .. 5o+5) are padded to 4 output channels and laid
// out in words of an output pair j and an input slot (a, b): w[2j][a], w[2j+1][a],
// w[2j][b], w[2j+1][b]. The slots of input channels 0..3 are (0, 2), (1, 3) (SXTB16 and
// SXTB16 ROR #8 of one input word), then (4, -); output pairs 0 and 1 alternate slot by
// slot (one LDRD): (0, s0) (1, s0) (0, s1) (1, s1) (0, s2) (1, s2). The effective bias is
// bias[o] + input_offset * sum(w[o]) = 10 + 2*15, 20 + 2*40, 30 + 2*65, then 0 (padding).
// The old constants go; the op keeps its attributes, parameters and clamp range.

// CHECK-LABEL: func.func @conv1x1
// CHECK-NOT:   arith.constant dense<{{.*}}> : tensor<3x1x1x5xi8>
// CHECK:       %[[W:.*]] = arith.constant dense<[1, 6, 3, 8, 11, 0, 13, 0, 2, 7, 4, 9, 12, 0, 14, 0, 5, 10, 0, 0, 15, 0, 0, 0]> : tensor<24xi8>
// CHECK-NEXT:  %[[B:.*]] = arith.constant dense<[40, 100, 160, 0]> : tensor<4xi32>
// CHECK-NEXT:  %[[Y:.*]] = mk.conv1x1_s8 ins(%x, %[[W]], %[[B]] : tensor<1x2x2x5xi8>, tensor<24xi8>, tensor<4xi32>)
// CHECK-SAME:  {nn.name = "conv", act = array<i32: -128, 127>, fast_requant = {{[0-2]}} : i64, params = #qnn.conv_s8<input_offset = 2, output_offset = -1, multipliers = array<i32: 1073741824, 1073741824, 1073741824>, shifts = array<i32: -1, -1, -1>>} -> tensor<1x2x2x3xi8>
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

// A depthwise 3x3 (2 channels, stride 1, padding 1) becomes mk.dwconv3x3_s8: 12 bytes per
// channel, w00 w10 w01 w11 w20 w02 w21 w12 w22 0 0 0 (w<y><x>; channel 0 holds 1..9 row by
// row, channel 1 all -1); bias + 128 * sum(w): 100 + 128*45, -100 + 128*(-9).

// CHECK-LABEL: func.func @depthwise
// CHECK:       %[[W:.*]] = arith.constant dense<[1, 4, 2, 5, 7, 3, 8, 6, 9, 0, 0, 0, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0]> : tensor<24xi8>
// CHECK-NEXT:  %[[B:.*]] = arith.constant dense<[5860, -1252]> : tensor<2xi32>
// CHECK-NEXT:  mk.dwconv3x3_s8 ins(%x, %[[W]], %[[B]] : tensor<1x4x4x2xi8>, tensor<24xi8>, tensor<2xi32>)
// CHECK-SAME:  fast_requant = {{[0-2]}} : i64, strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, params = #qnn.conv_s8<input_offset = 128,
// CHECK-SAME:  -> tensor<1x4x4x2xi8>
// CMSIS-LABEL: func.func @depthwise
// CMSIS:       qnn.depthwise_conv2d

func.func @depthwise(%x: tensor<1x4x4x2xi8>) -> tensor<1x4x4x2xi8> {
  %w = arith.constant dense<[[[[1, -1], [2, -1], [3, -1]], [[4, -1], [5, -1], [6, -1]], [[7, -1], [8, -1], [9, -1]]]]> : tensor<1x3x3x2xi8>
  %b = arith.constant dense<[100, -100]> : tensor<2xi32>
  %y = qnn.depthwise_conv2d ins(%x, %w, %b : tensor<1x4x4x2xi8>, tensor<1x3x3x2xi8>, tensor<2xi32>) {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, depth_multiplier = 1 : i64, act = array<i32: -128, 127>, params = #qnn.conv_s8<input_offset = 128, output_offset = 0, multipliers = array<i32: 1073741824, 1073741824>, shifts = array<i32: -3, -3>>} -> tensor<1x4x4x2xi8>
  func.return %y : tensor<1x4x4x2xi8>
}

// -----

// A fully connected layer with filter offset 0 runs as a 1x1 convolution over its rows:
// its per-tensor multiplier and shift are repeated for each output; bias + (-5) * row sum
// = 1 - 5*2, 2 - 5*(-5). One whose filter offset is not 0 keeps its CMSIS-NN kernel, and
// the weights they share stay for it.

// CHECK-LABEL: func.func @fully_connected
// CHECK:       %[[W:.*]] = arith.constant dense<[1, -4, -2, 5, 3, -6, 0, 0]> : tensor<8xi8>
// CHECK-NEXT:  %[[B:.*]] = arith.constant dense<[-9, 27]> : tensor<2xi32>
// CHECK-NEXT:  mk.conv1x1_s8 ins(%x, %[[W]], %[[B]] : tensor<2x3xi8>, tensor<8xi8>, tensor<2xi32>)
// CHECK-SAME:  act = array<i32: -100, 100>, fast_requant = {{[0-2]}} : i64, params = #qnn.conv_s8<input_offset = -5, output_offset = 7, multipliers = array<i32: 1500000000, 1500000000>, shifts = array<i32: -4, -4>>
// CHECK-SAME:  -> tensor<2x2xi8>
// CHECK:       qnn.fully_connected ins(%x, %{{.*}}, %{{.*}} : tensor<2x3xi8>, tensor<2x3xi8>, tensor<2xi32>)
// CHECK-SAME:  filter_offset = 1
// CMSIS-LABEL: func.func @fully_connected
// CMSIS:       qnn.fully_connected
// CMSIS:       qnn.fully_connected

func.func @fully_connected(%x: tensor<2x3xi8>) -> (tensor<2x2xi8>, tensor<2x2xi8>) {
  %w = arith.constant dense<[[1, -2, 3], [-4, 5, -6]]> : tensor<2x3xi8>
  %b = arith.constant dense<[1, 2]> : tensor<2xi32>
  %y = qnn.fully_connected ins(%x, %w, %b : tensor<2x3xi8>, tensor<2x3xi8>, tensor<2xi32>) {act = array<i32: -100, 100>, params = #qnn.fully_connected_s8<input_offset = -5, filter_offset = 0, output_offset = 7, multipliers = array<i32: 1500000000>, shifts = array<i32: -4>>} -> tensor<2x2xi8>
  %z = qnn.fully_connected ins(%x, %w, %b : tensor<2x3xi8>, tensor<2x3xi8>, tensor<2xi32>) {act = array<i32: -128, 127>, params = #qnn.fully_connected_s8<input_offset = -5, filter_offset = 1, output_offset = 7, multipliers = array<i32: 1500000000>, shifts = array<i32: -4>>} -> tensor<2x2xi8>
  func.return %y, %z : tensor<2x2xi8>, tensor<2x2xi8>
}

// -----

// A 3x3 convolution of stride 2 becomes mk.conv_s8: each output channel's window, row by
// row (3 x 1 values, padded to 4), 12 values, laid out as the 1x1 kernel's (one channel
// pair, 6 value pairs: 24 bytes); bias + 3 * sum(w) = 5 + 3*9, -5 + 3*(-9).
// Average and max pooling become mk.avgpool_s8 / mk.maxpool_s8 (no constants), an
// addition of same-shape tensors mk.add_s8 with its plan.

// CHECK-LABEL: func.func @general
// CHECK:       %[[W:.*]] = arith.constant dense<[1, -1, 1, -1, 1, -1, 0, 0, 1, -1, 1, -1, 1, -1, 0, 0, 1, -1, 1, -1, 1, -1, 0, 0]> : tensor<24xi8>
// CHECK-NEXT:  %[[B:.*]] = arith.constant dense<[32, -32]> : tensor<2xi32>
// CHECK-NEXT:  %[[C:.*]] = mk.conv_s8 ins(%x, %[[W]], %[[B]] : tensor<1x5x5x1xi8>, tensor<24xi8>, tensor<2xi32>)
// CHECK-SAME:  kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>
// CHECK-SAME:  -> tensor<1x3x3x2xi8>
// CHECK-NEXT:  %[[A:.*]] = mk.avgpool_s8 ins(%[[C]] : tensor<1x3x3x2xi8>) {act = array<i32: -128, 127>, kernel = array<i64: 3, 3>, strides = array<i64: 3, 3>, pads = array<i64: 0, 0, 0, 0>} -> tensor<1x1x1x2xi8>
// CHECK-NEXT:  %[[M:.*]] = mk.maxpool_s8 ins(%[[C]] : tensor<1x3x3x2xi8>) {act = array<i32: -128, 127>, kernel = array<i64: 2, 2>, strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} -> tensor<1x2x2x2xi8>
// CHECK-NEXT:  %[[S:.*]] = mk.add_s8 ins(%[[C]], %[[C]] : tensor<1x3x3x2xi8>, tensor<1x3x3x2xi8>)
// CHECK-SAME:  plan = array<i32: {{-?[0-9]+}}, {{-?[0-9]+}}, {{-?[0-9]+}}, {{-?[0-9]+}}, {{-?[0-9]+}}>
// CHECK-SAME:  params = #qnn.add_sub_s8<
// CMSIS-LABEL: func.func @general
// CMSIS:       qnn.conv2d
// CMSIS:       qnn.avg_pool2d
// CMSIS:       qnn.max_pool2d
// CMSIS:       qnn.add

func.func @general(%x: tensor<1x5x5x1xi8>) -> (tensor<1x1x1x2xi8>, tensor<1x2x2x2xi8>, tensor<1x3x3x2xi8>) {
  %w = arith.constant dense<[[[[1], [1], [1]], [[1], [1], [1]], [[1], [1], [1]]], [[[-1], [-1], [-1]], [[-1], [-1], [-1]], [[-1], [-1], [-1]]]]> : tensor<2x3x3x1xi8>
  %b = arith.constant dense<[5, -5]> : tensor<2xi32>
  %c = qnn.conv2d ins(%x, %w, %b : tensor<1x5x5x1xi8>, tensor<2x3x3x1xi8>, tensor<2xi32>) {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, act = array<i32: -128, 127>, params = #qnn.conv_s8<input_offset = 3, output_offset = 0, multipliers = array<i32: 1073741824, 1073741824>, shifts = array<i32: -2, -2>>} -> tensor<1x3x3x2xi8>
  %a = qnn.avg_pool2d ins(%c : tensor<1x3x3x2xi8>) {kernel = array<i64: 3, 3>, strides = array<i64: 3, 3>, pads = array<i64: 0, 0, 0, 0>, act = array<i32: -128, 127>} -> tensor<1x1x1x2xi8>
  %m = qnn.max_pool2d ins(%c : tensor<1x3x3x2xi8>) {kernel = array<i64: 2, 2>, strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, act = array<i32: -128, 127>} -> tensor<1x2x2x2xi8>
  %s = qnn.add ins(%c, %c : tensor<1x3x3x2xi8>, tensor<1x3x3x2xi8>) {act = array<i32: -128, 127>, params = #qnn.add_sub_s8<left_shift = 20, input1_offset = 0, input1_multiplier = 1073741824, input1_shift = 0, input2_offset = 0, input2_multiplier = 1073741824, input2_shift = 0, output_offset = 0, output_multiplier = 1073741824, output_shift = -20>} -> tensor<1x3x3x2xi8>
  func.return %a, %m, %s : tensor<1x1x1x2xi8>, tensor<1x2x2x2xi8>, tensor<1x3x3x2xi8>
}

// -----

// Layers no kernel of stai's fits keep their qnn op (and so their CMSIS-NN call): a
// dilated convolution, a depthwise convolution with a channel multiplier of 2, a
// depthwise 5x5 convolution, an addition with broadcasting and a float 1x1 convolution.

// CHECK-LABEL: func.func @fallback
// CHECK-NOT:   mk.
// CHECK:       qnn.conv2d {{.*}} tensor<4x3x3x3xi8>
// CHECK:       qnn.depthwise_conv2d {{.*}} tensor<1x3x3x6xi8>
// CHECK:       qnn.depthwise_conv2d {{.*}} tensor<1x5x5x3xi8>
// CHECK:       qnn.add
// CHECK:       qnn.conv2d {{.*}} tensor<4x1x1x3xf32>
// CHECK-NOT:   mk.

func.func @fallback(%x: tensor<1x4x4x3xi8>, %z: tensor<1x1x1x3xi8>, %f: tensor<1x4x4x3xf32>) -> (tensor<1x0x0x4xi8>, tensor<1x4x4x6xi8>, tensor<1x4x4x3xi8>, tensor<1x4x4x3xi8>, tensor<1x4x4x4xf32>) {
  %w = arith.constant dense<1> : tensor<4x3x3x3xi8>
  %dw = arith.constant dense<1> : tensor<1x3x3x6xi8>
  %dw5 = arith.constant dense<1> : tensor<1x5x5x3xi8>
  %wf = arith.constant dense<1.0> : tensor<4x1x1x3xf32>
  %b = arith.constant dense<0> : tensor<4xi32>
  %b3 = arith.constant dense<0> : tensor<3xi32>
  %b6 = arith.constant dense<0> : tensor<6xi32>
  %bf = arith.constant dense<0.0> : tensor<4xf32>
  %y = qnn.conv2d ins(%x, %w, %b : tensor<1x4x4x3xi8>, tensor<4x3x3x3xi8>, tensor<4xi32>) {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 2, 2>, act = array<i32: -128, 127>, params = #qnn.conv_s8<input_offset = 0, output_offset = 0, multipliers = array<i32: 1073741824, 1073741824, 1073741824, 1073741824>, shifts = array<i32: 0, 0, 0, 0>>} -> tensor<1x0x0x4xi8>
  %d = qnn.depthwise_conv2d ins(%x, %dw, %b6 : tensor<1x4x4x3xi8>, tensor<1x3x3x6xi8>, tensor<6xi32>) {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, depth_multiplier = 2 : i64, act = array<i32: -128, 127>, params = #qnn.conv_s8<input_offset = 0, output_offset = 0, multipliers = array<i32: 1073741824, 1073741824, 1073741824, 1073741824, 1073741824, 1073741824>, shifts = array<i32: 0, 0, 0, 0, 0, 0>>} -> tensor<1x4x4x6xi8>
  %d5 = qnn.depthwise_conv2d ins(%x, %dw5, %b3 : tensor<1x4x4x3xi8>, tensor<1x5x5x3xi8>, tensor<3xi32>) {strides = array<i64: 1, 1>, pads = array<i64: 2, 2, 2, 2>, dilations = array<i64: 1, 1>, depth_multiplier = 1 : i64, act = array<i32: -128, 127>, params = #qnn.conv_s8<input_offset = 0, output_offset = 0, multipliers = array<i32: 1073741824, 1073741824, 1073741824>, shifts = array<i32: 0, 0, 0>>} -> tensor<1x4x4x3xi8>
  %s = qnn.add ins(%x, %z : tensor<1x4x4x3xi8>, tensor<1x1x1x3xi8>) {act = array<i32: -128, 127>, params = #qnn.add_sub_s8<left_shift = 20, input1_offset = 0, input1_multiplier = 1073741824, input1_shift = 0, input2_offset = 0, input2_multiplier = 1073741824, input2_shift = 0, output_offset = 0, output_multiplier = 1073741824, output_shift = -20>} -> tensor<1x4x4x3xi8>
  %g = qnn.conv2d ins(%f, %wf, %bf : tensor<1x4x4x3xf32>, tensor<4x1x1x3xf32>, tensor<4xf32>) {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, act = array<f32: -3.0e38, 3.0e38>} -> tensor<1x4x4x4xf32>
  func.return %y, %d, %d5, %s, %g : tensor<1x0x0x4xi8>, tensor<1x4x4x6xi8>, tensor<1x4x4x3xi8>, tensor<1x4x4x3xi8>, tensor<1x4x4x4xf32>
}

// -----

// A fully connected layer of one row with fewer than 4 outputs keeps CMSIS-NN: the 1x1
// kernel's fast loop takes two output-channel pairs at a time. With 4 it runs the 1x1
// kernel (no scratch for one row).

// CHECK-LABEL: func.func @thin_fully_connected
// CHECK:       qnn.fully_connected {{.*}} -> tensor<1x3xi8>
// CHECK:       mk.conv1x1_s8 {{.*}} tensor<256xi8>, tensor<4xi32>
// CHECK-SAME:  -> tensor<1x4xi8>

func.func @thin_fully_connected(%x: tensor<1x64xi8>) -> (tensor<1x3xi8>, tensor<1x4xi8>) {
  %w3 = arith.constant dense<3> : tensor<3x64xi8>
  %b3 = arith.constant dense<1> : tensor<3xi32>
  %w = arith.constant dense<3> : tensor<4x64xi8>
  %b = arith.constant dense<1> : tensor<4xi32>
  %y = qnn.fully_connected ins(%x, %w3, %b3 : tensor<1x64xi8>, tensor<3x64xi8>, tensor<3xi32>) {act = array<i32: -128, 127>, params = #qnn.fully_connected_s8<input_offset = 1, filter_offset = 0, output_offset = 0, multipliers = array<i32: 1500000000>, shifts = array<i32: -8>>} -> tensor<1x3xi8>
  %z = qnn.fully_connected ins(%x, %w, %b : tensor<1x64xi8>, tensor<4x64xi8>, tensor<4xi32>) {act = array<i32: -128, 127>, params = #qnn.fully_connected_s8<input_offset = 1, filter_offset = 0, output_offset = 0, multipliers = array<i32: 1500000000>, shifts = array<i32: -8>>} -> tensor<1x4xi8>
  func.return %y, %z : tensor<1x3xi8>, tensor<1x4xi8>
}

// -----

// A multiplication of same-shape tensors becomes mk.mul_s8, with the requantization path
// its offsets and shift allow; a broadcasting one keeps CMSIS-NN's kernel.

// CHECK-LABEL: func.func @mul
// CHECK:       mk.mul_s8 ins(%x, %x : tensor<1x4x4x3xi8>, tensor<1x4x4x3xi8>) {act = array<i32: -128, 127>, fast_requant = {{[0-3]}} : i64, params = #qnn.mul_s8<input1_offset = 3, input2_offset = 3, output_offset = -1, output_multiplier = 1073741824, output_shift = -7>} -> tensor<1x4x4x3xi8>
// CHECK:       qnn.mul ins(%x, %z
// CMSIS-LABEL: func.func @mul
// CMSIS:       qnn.mul
// CMSIS:       qnn.mul

func.func @mul(%x: tensor<1x4x4x3xi8>, %z: tensor<1x1x1x3xi8>) -> (tensor<1x4x4x3xi8>, tensor<1x4x4x3xi8>) {
  %m = qnn.mul ins(%x, %x : tensor<1x4x4x3xi8>, tensor<1x4x4x3xi8>) {act = array<i32: -128, 127>, params = #qnn.mul_s8<input1_offset = 3, input2_offset = 3, output_offset = -1, output_multiplier = 1073741824, output_shift = -7>} -> tensor<1x4x4x3xi8>
  %b = qnn.mul ins(%x, %z : tensor<1x4x4x3xi8>, tensor<1x1x1x3xi8>) {act = array<i32: -128, 127>, params = #qnn.mul_s8<input1_offset = 3, input2_offset = 3, output_offset = -1, output_multiplier = 1073741824, output_shift = -7>} -> tensor<1x4x4x3xi8>
  func.return %m, %b : tensor<1x4x4x3xi8>, tensor<1x4x4x3xi8>
}
