// RUN: stai-opt %s -p convert-nn-to-qnn | filecheck %s

// Signature and constants: machine types, nn.name kept; constants become arith.constant.
// int8 conv: input_offset = -zp_in, output_offset = zp_out, per-channel multipliers of
// 0.5 * s_w[c] / 0.25 (s_w = 0.1, 0.2, 0.3 as float32), relu range [max(-128, 1), 127].
// CHECK-LABEL: func.func @conv_int8
// CHECK-SAME:    (%x: tensor<1x4x4x2xi8> {nn.name = "in"}) -> (tensor<1x2x4x3xi8> {nn.name = "out"})
// CHECK-NEXT:    %w = arith.constant {nn.m_id = 0 : i64} dense<1> : tensor<3x1x1x2xi8>
// CHECK-NEXT:    %b = arith.constant dense<[1, 2, 3]> : tensor<3xi32>
// CHECK-NEXT:    %y = qnn.conv2d ins(%x, %w, %b : tensor<1x4x4x2xi8>, tensor<3x1x1x2xi8>, tensor<3xi32>)
// CHECK-SAME:      {nn.m_id = 0 : i64, nn.name = "y", strides = array<i64: 2, 1>, pads = array<i64: 0, 1, 0, 0>, dilations = array<i64: 1, 1>,
// CHECK-SAME:      params = #qnn.conv_s8<input_offset = 3, output_offset = 1, multipliers = array<i32: 1717986944, 1717986944, 1288490240>, shifts = array<i32: -2, -1, 0>>, act = array<i32: 1, 127>} -> tensor<1x2x4x3xi8>
// CHECK-NEXT:    func.return %y : tensor<1x2x4x3xi8>
func.func @conv_int8(%x: tensor<1x4x4x2x!nn.q<i8, 0.5 : -3>> {nn.name = "in"}) -> (tensor<1x2x4x3x!nn.q<i8, 0.25 : 1>> {nn.name = "out"}) {
  %w = nn.constant dense<1> : tensor<3x1x1x2xi8> {nn.m_id = 0 : i64} -> tensor<3x1x1x2x!nn.q<i8, axis 0, [0.10000000149011612, 0.20000000298023224, 0.30000001192092896] : [0, 0, 0]>>
  %b = nn.constant dense<[1, 2, 3]> : tensor<3xi32> -> tensor<3x!nn.q<i32, 0.05 : 0>>
  %y = nn.conv2d %x, %w, %b {nn.m_id = 0 : i64, nn.name = "y", strides = array<i64: 2, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 1, 0, 0>, activation = "relu"} : (tensor<1x4x4x2x!nn.q<i8, 0.5 : -3>>, tensor<3x1x1x2x!nn.q<i8, axis 0, [0.10000000149011612, 0.20000000298023224, 0.30000001192092896] : [0, 0, 0]>>, tensor<3x!nn.q<i32, 0.05 : 0>>) -> tensor<1x2x4x3x!nn.q<i8, 0.25 : 1>>
  func.return %y : tensor<1x2x4x3x!nn.q<i8, 0.25 : 1>>
}

// Depthwise with a per-tensor filter scale (broadcast to the 4 output channels),
// depth_multiplier 2, relu6: [max(-128, -10), min(127, -10 + round(6 / 0.0625))] = [-10, 86].
// CHECK-LABEL: func.func @depthwise_int8
// CHECK:         qnn.depthwise_conv2d ins(
// CHECK-SAME:      strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, depth_multiplier = 2 : i64,
// CHECK-SAME:      params = #qnn.conv_s8<input_offset = -5, output_offset = -10, multipliers = array<i32: 1073741824, 1073741824, 1073741824, 1073741824>, shifts = array<i32: -2, -2, -2, -2>>, act = array<i32: -10, 86>}
func.func @depthwise_int8(%x: tensor<1x3x3x2x!nn.q<i8, 0.125 : 5>>) -> tensor<1x3x3x4x!nn.q<i8, 0.0625 : -10>> {
  %w = nn.constant dense<1> : tensor<1x3x3x4xi8> -> tensor<1x3x3x4x!nn.q<i8, 0.0625 : 0>>
  %b = nn.constant dense<0> : tensor<4xi32> -> tensor<4x!nn.q<i32, 0.0078125 : 0>>
  %y = nn.depthwise_conv2d %x, %w, %b {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, activation = "relu6", depth_multiplier = 2 : i64} : (tensor<1x3x3x2x!nn.q<i8, 0.125 : 5>>, tensor<1x3x3x4x!nn.q<i8, 0.0625 : 0>>, tensor<4x!nn.q<i32, 0.0078125 : 0>>) -> tensor<1x3x3x4x!nn.q<i8, 0.0625 : -10>>
  func.return %y : tensor<1x3x3x4x!nn.q<i8, 0.0625 : -10>>
}

// Fully connected, per-tensor weights: one multiplier of 0.3 * 0.02 / 0.7 (float32 scales,
// float64 arithmetic) = 0.0085714288 = 1178048213 * 2^(-6-31); relu_n1_to_1:
// [max(-128, 4 + round(-1 / 0.7)), min(127, 4 + round(1 / 0.7))] = [3, 5].
// CHECK-LABEL: func.func @fully_connected_int8
// CHECK:         qnn.fully_connected ins(%x, %w, %b : tensor<2x3xi8>, tensor<5x3xi8>, tensor<5xi32>)
// CHECK-SAME:      params = #qnn.fully_connected_s8<input_offset = 7, filter_offset = 0, output_offset = 4, multipliers = array<i32: 1178048213>, shifts = array<i32: -6>>, act = array<i32: 3, 5>} -> tensor<2x5xi8>
func.func @fully_connected_int8(%x: tensor<2x3x!nn.q<i8, 0.30000001192092896 : -7>>) -> tensor<2x5x!nn.q<i8, 0.699999988079071 : 4>> {
  %w = nn.constant dense<1> : tensor<5x3xi8> -> tensor<5x3x!nn.q<i8, 0.019999999552965164 : 0>>
  %b = nn.constant dense<0> : tensor<5xi32> -> tensor<5x!nn.q<i32, 0.006000000052154064 : 0>>
  %y = nn.fully_connected %x, %w, %b {activation = "relu_n1_to_1"} : (tensor<2x3x!nn.q<i8, 0.30000001192092896 : -7>>, tensor<5x3x!nn.q<i8, 0.019999999552965164 : 0>>, tensor<5x!nn.q<i32, 0.006000000052154064 : 0>>) -> tensor<2x5x!nn.q<i8, 0.699999988079071 : 4>>
  func.return %y : tensor<2x5x!nn.q<i8, 0.699999988079071 : 4>>
}

// Elementwise int8: add (left shift 20, inputs rescaled by s_i / (2 max(s1, s2)) = 1/2, 1/4,
// output by 2 max(s1, s2) / (2^20 s_out) = 2^-18), sub (same), mul (s1 s2 / s_out = 2);
// pools only clamp (avg pool relu6: [-128, -128 + round(6 / 0.125)] = [-128, -80]).
// CHECK-LABEL: func.func @elementwise_int8
// CHECK:         %a = qnn.add ins(%x, %z : tensor<1x2x2x4xi8>, tensor<1x1x1x4xi8>) {params = #qnn.add_sub_s8<left_shift = 20, input1_offset = 1, input1_multiplier = 1073741824, input1_shift = 0, input2_offset = -2, input2_multiplier = 1073741824, input2_shift = -1, output_offset = 0, output_multiplier = 1073741824, output_shift = -17>, act = array<i32: 0, 127>}
// CHECK-NEXT:    %s = qnn.sub ins(%x, %z : tensor<1x2x2x4xi8>, tensor<1x1x1x4xi8>) {params = #qnn.add_sub_s8<left_shift = 20, input1_offset = 1, input1_multiplier = 1073741824, input1_shift = 0, input2_offset = -2, input2_multiplier = 1073741824, input2_shift = -1, output_offset = 0, output_multiplier = 1073741824, output_shift = -17>, act = array<i32: -128, 127>}
// CHECK-NEXT:    %m = qnn.mul ins(%a, %s : tensor<1x2x2x4xi8>, tensor<1x2x2x4xi8>) {params = #qnn.mul_s8<input1_offset = 0, input2_offset = 0, output_offset = -128, output_multiplier = 1073741824, output_shift = 2>, act = array<i32: -128, 127>}
// CHECK-NEXT:    %p = qnn.max_pool2d ins(%m : tensor<1x2x2x4xi8>) {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, act = array<i32: -128, 127>} -> tensor<1x1x1x4xi8>
// CHECK-NEXT:    %q = qnn.avg_pool2d ins(%m : tensor<1x2x2x4xi8>) {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, act = array<i32: -128, -80>} -> tensor<1x1x1x4xi8>
func.func @elementwise_int8(%x: tensor<1x2x2x4x!nn.q<i8, 1.0 : -1>>, %z: tensor<1x1x1x4x!nn.q<i8, 0.5 : 2>>) -> (tensor<1x1x1x4x!nn.q<i8, 0.125 : -128>>, tensor<1x1x1x4x!nn.q<i8, 0.125 : -128>>) {
  %a = nn.add %x, %z {activation = "relu"} : (tensor<1x2x2x4x!nn.q<i8, 1.0 : -1>>, tensor<1x1x1x4x!nn.q<i8, 0.5 : 2>>) -> tensor<1x2x2x4x!nn.q<i8, 0.5 : 0>>
  %s = nn.sub %x, %z {activation = "none"} : (tensor<1x2x2x4x!nn.q<i8, 1.0 : -1>>, tensor<1x1x1x4x!nn.q<i8, 0.5 : 2>>) -> tensor<1x2x2x4x!nn.q<i8, 0.5 : 0>>
  %m = nn.mul %a, %s {activation = "none"} : (tensor<1x2x2x4x!nn.q<i8, 0.5 : 0>>, tensor<1x2x2x4x!nn.q<i8, 0.5 : 0>>) -> tensor<1x2x2x4x!nn.q<i8, 0.125 : -128>>
  %p = nn.max_pool2d %m {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, activation = "none"} : (tensor<1x2x2x4x!nn.q<i8, 0.125 : -128>>) -> tensor<1x1x1x4x!nn.q<i8, 0.125 : -128>>
  %q = nn.avg_pool2d %m {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, activation = "relu6"} : (tensor<1x2x2x4x!nn.q<i8, 0.125 : -128>>) -> tensor<1x1x1x4x!nn.q<i8, 0.125 : -128>>
  func.return %p, %q : tensor<1x1x1x4x!nn.q<i8, 0.125 : -128>>, tensor<1x1x1x4x!nn.q<i8, 0.125 : -128>>
}

// Standalone int8 activations are qnn.clamp: relu requantizes 0.5 -> 0.25 (multiplier 2.0)
// and clamps at max(-128, zp_out) = -20; relu6 keeps the input codes (identity multiplier,
// output_offset = zp_in) and clamps to [zp_in, zp_in + round(6 / 0.5)] = [3, 15].
// logistic/tanh: 0.5 * 2^27 = 2^30 * 2^(27-31), radius floor(15 * 2^27 / 2^27) = 15;
// softmax: 1.0 * 0.5 * 2^26 = 2^30 * 2^(26-31), diff_min = -floor(31 * 2^26 / 2^26).
// CHECK-LABEL: func.func @activations_int8
// CHECK:         %r = qnn.clamp ins(%x : tensor<8xi8>) {params = #qnn.requantize_s8<input_offset = -3, output_offset = -20, multiplier = 1073741824, shift = 2>, act = array<i32: -20, 127>} -> tensor<8xi8>
// CHECK-NEXT:    %r6 = qnn.clamp ins(%x : tensor<8xi8>) {params = #qnn.requantize_s8<input_offset = -3, output_offset = 3, multiplier = 1073741824, shift = 1>, act = array<i32: 3, 15>} -> tensor<8xi8>
// CHECK-NEXT:    %l = qnn.logistic ins(%x : tensor<8xi8>) {params = #qnn.logistic_tanh_s8<input_zero_point = 3, input_range_radius = 15, input_multiplier = 1073741824, input_left_shift = 27>} -> tensor<8xi8>
// CHECK-NEXT:    %t = qnn.tanh ins(%x : tensor<8xi8>) {params = #qnn.logistic_tanh_s8<input_zero_point = 3, input_range_radius = 15, input_multiplier = 1073741824, input_left_shift = 27>} -> tensor<8xi8>
// CHECK-NEXT:    %sm = qnn.softmax ins(%x : tensor<8xi8>) {params = #qnn.softmax_s8<multiplier = 1073741824, shift = 26, diff_min = -31>} -> tensor<8xi8>
func.func @activations_int8(%x: tensor<8x!nn.q<i8, 0.5 : 3>>) -> (tensor<8x!nn.q<i8, 0.25 : -20>>, tensor<8x!nn.q<i8, 0.5 : 3>>, tensor<8x!nn.q<i8, 0.00390625 : -128>>, tensor<8x!nn.q<i8, 0.0078125 : 0>>, tensor<8x!nn.q<i8, 0.00390625 : -128>>) {
  %r = nn.relu %x : (tensor<8x!nn.q<i8, 0.5 : 3>>) -> tensor<8x!nn.q<i8, 0.25 : -20>>
  %r6 = nn.relu6 %x : (tensor<8x!nn.q<i8, 0.5 : 3>>) -> tensor<8x!nn.q<i8, 0.5 : 3>>
  %l = nn.logistic %x : (tensor<8x!nn.q<i8, 0.5 : 3>>) -> tensor<8x!nn.q<i8, 0.00390625 : -128>>
  %t = nn.tanh %x : (tensor<8x!nn.q<i8, 0.5 : 3>>) -> tensor<8x!nn.q<i8, 0.0078125 : 0>>
  %sm = nn.softmax %x {beta = 1.0 : f32} : (tensor<8x!nn.q<i8, 0.5 : 3>>) -> tensor<8x!nn.q<i8, 0.00390625 : -128>>
  func.return %r, %r6, %l, %t, %sm : tensor<8x!nn.q<i8, 0.25 : -20>>, tensor<8x!nn.q<i8, 0.5 : 3>>, tensor<8x!nn.q<i8, 0.00390625 : -128>>, tensor<8x!nn.q<i8, 0.0078125 : 0>>, tensor<8x!nn.q<i8, 0.00390625 : -128>>
}

// Quantize f32 -> int8, requantize int8 -> int8 (multiplier 0.5 / 0.25 = 2), dequantize;
// mean over H, W (multiplier 0.25 / 0.5 with 1 / 4 folded in: 2^30 * 2^(-2-31) = 1/8), pad
// with the zero point, reshape.
// CHECK-LABEL: func.func @data_int8
// CHECK-SAME:    (%f: tensor<1x2x2x3xf32>) -> (tensor<1x1x1x3xi8>, tensor<12xf32>, tensor<1x4x4x3xi8>)
// CHECK-NEXT:    %q = qnn.quantize ins(%f : tensor<1x2x2x3xf32>) {params = #qnn.quantization<scale = 5.000000e-01, zero_point = 3>} -> tensor<1x2x2x3xi8>
// CHECK-NEXT:    %rq = qnn.requantize ins(%q : tensor<1x2x2x3xi8>) {params = #qnn.requantize_s8<input_offset = -3, output_offset = -1, multiplier = 1073741824, shift = 2>} -> tensor<1x2x2x3xi8>
// CHECK-NEXT:    %mn = qnn.mean ins(%rq : tensor<1x2x2x3xi8>) {params = #qnn.requantize_s8<input_offset = 1, output_offset = 2, multiplier = 1073741824, shift = -2>} -> tensor<1x1x1x3xi8>
// CHECK-NEXT:    %rs = qnn.reshape ins(%rq : tensor<1x2x2x3xi8>) -> tensor<12xi8>
// CHECK-NEXT:    %dq = qnn.dequantize ins(%rs : tensor<12xi8>) {params = #qnn.quantization<scale = 2.500000e-01, zero_point = -1>} -> tensor<12xf32>
// CHECK-NEXT:    %pd = qnn.pad ins(%rq : tensor<1x2x2x3xi8>) {pads = array<i64: 0, 0, 1, 1, 1, 1, 0, 0>, params = #qnn.pad_s8<pad_value = -1>} -> tensor<1x4x4x3xi8>
// CHECK-NEXT:    func.return %mn, %dq, %pd : tensor<1x1x1x3xi8>, tensor<12xf32>, tensor<1x4x4x3xi8>
func.func @data_int8(%f: tensor<1x2x2x3xf32>) -> (tensor<1x1x1x3x!nn.q<i8, 0.5 : 2>>, tensor<12xf32>, tensor<1x4x4x3x!nn.q<i8, 0.25 : -1>>) {
  %q = nn.quantize %f : (tensor<1x2x2x3xf32>) -> tensor<1x2x2x3x!nn.q<i8, 0.5 : 3>>
  %rq = nn.quantize %q : (tensor<1x2x2x3x!nn.q<i8, 0.5 : 3>>) -> tensor<1x2x2x3x!nn.q<i8, 0.25 : -1>>
  %mn = nn.mean %rq {axes = array<i64: 1, 2>, keep_dims = 1 : i64} : (tensor<1x2x2x3x!nn.q<i8, 0.25 : -1>>) -> tensor<1x1x1x3x!nn.q<i8, 0.5 : 2>>
  %rs = nn.reshape %rq : (tensor<1x2x2x3x!nn.q<i8, 0.25 : -1>>) -> tensor<12x!nn.q<i8, 0.25 : -1>>
  %dq = nn.dequantize %rs : (tensor<12x!nn.q<i8, 0.25 : -1>>) -> tensor<12xf32>
  %pd = nn.pad %rq {pads = array<i64: 0, 0, 1, 1, 1, 1, 0, 0>} : (tensor<1x2x2x3x!nn.q<i8, 0.25 : -1>>) -> tensor<1x4x4x3x!nn.q<i8, 0.25 : -1>>
  func.return %mn, %dq, %pd : tensor<1x1x1x3x!nn.q<i8, 0.5 : 2>>, tensor<12xf32>, tensor<1x4x4x3x!nn.q<i8, 0.25 : -1>>
}

// Float: no params except softmax beta, leaky relu alpha and the pad value; clamp ranges
// are float (none = [-FLT_MAX, FLT_MAX], relu = [0, FLT_MAX], relu6 = [0, 6]); a concat
// with a fused activation is a qnn.concat followed by a qnn.clamp.
// CHECK-LABEL: func.func @float_ops
// CHECK-NEXT:    %w = arith.constant dense<1.000000e+00> : tensor<4x1x1x2xf32>
// CHECK-NEXT:    %b = arith.constant dense<0.000000e+00> : tensor<4xf32>
// CHECK-NEXT:    %c = qnn.conv2d ins(%x, %w, %b : tensor<1x2x2x2xf32>, tensor<4x1x1x2xf32>, tensor<4xf32>) {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, act = array<f32: 0.000000e+00, 6.000000e+00>} -> tensor<1x2x2x4xf32>
// CHECK-NEXT:    %a = qnn.add ins(%c, %c : tensor<1x2x2x4xf32>, tensor<1x2x2x4xf32>) {act = array<f32: -3.40282347e+38, 3.40282347e+38>} -> tensor<1x2x2x4xf32>
// CHECK-NEXT:    %d = qnn.div ins(%a, %c : tensor<1x2x2x4xf32>, tensor<1x2x2x4xf32>) {act = array<f32: -1.000000e+00, 1.000000e+00>} -> tensor<1x2x2x4xf32>
// CHECK-NEXT:    %r = qnn.clamp ins(%d : tensor<1x2x2x4xf32>) {act = array<f32: 0.000000e+00, 3.40282347e+38>} -> tensor<1x2x2x4xf32>
// CHECK-NEXT:    %lk = qnn.leaky_relu ins(%r : tensor<1x2x2x4xf32>) {params = #qnn.leaky_relu_f32<alpha = 2.000000e-01>} -> tensor<1x2x2x4xf32>
// CHECK-NEXT:    %hs = qnn.hard_swish ins(%lk : tensor<1x2x2x4xf32>) -> tensor<1x2x2x4xf32>
// CHECK-NEXT:    %[[CAT:.*]] = qnn.concat ins(%hs, %x : tensor<1x2x2x4xf32>, tensor<1x2x2x2xf32>) {axis = 3 : i64} -> tensor<1x2x2x6xf32>
// CHECK-NEXT:    %cc = qnn.clamp ins(%[[CAT]] : tensor<1x2x2x6xf32>) {act = array<f32: 0.000000e+00, 3.40282347e+38>} -> tensor<1x2x2x6xf32>
// CHECK-NEXT:    %pd = qnn.pad ins(%cc : tensor<1x2x2x6xf32>) {pads = array<i64: 0, 0, 0, 0, 0, 0, 1, 1>, params = #qnn.pad_f32<pad_value = 0.000000e+00>} -> tensor<1x2x2x8xf32>
// CHECK-NEXT:    %mn = qnn.mean ins(%pd : tensor<1x2x2x8xf32>) -> tensor<1x8xf32>
// CHECK-NEXT:    %sm = qnn.softmax ins(%mn : tensor<1x8xf32>) {params = #qnn.softmax_f32<beta = 5.000000e-01>} -> tensor<1x8xf32>
func.func @float_ops(%x: tensor<1x2x2x2xf32>) -> tensor<1x8xf32> {
  %w = nn.constant dense<1.0> : tensor<4x1x1x2xf32> -> tensor<4x1x1x2xf32>
  %b = nn.constant dense<0.0> : tensor<4xf32> -> tensor<4xf32>
  %c = nn.conv2d %x, %w, %b {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, activation = "relu6"} : (tensor<1x2x2x2xf32>, tensor<4x1x1x2xf32>, tensor<4xf32>) -> tensor<1x2x2x4xf32>
  %a = nn.add %c, %c {activation = "none"} : (tensor<1x2x2x4xf32>, tensor<1x2x2x4xf32>) -> tensor<1x2x2x4xf32>
  %d = nn.div %a, %c {activation = "relu_n1_to_1"} : (tensor<1x2x2x4xf32>, tensor<1x2x2x4xf32>) -> tensor<1x2x2x4xf32>
  %r = nn.relu %d : (tensor<1x2x2x4xf32>) -> tensor<1x2x2x4xf32>
  %lk = nn.leaky_relu %r {alpha = 0.2 : f32} : (tensor<1x2x2x4xf32>) -> tensor<1x2x2x4xf32>
  %hs = nn.hard_swish %lk : (tensor<1x2x2x4xf32>) -> tensor<1x2x2x4xf32>
  %cc = nn.concat %hs, %x {axis = 3 : i64, activation = "relu"} : (tensor<1x2x2x4xf32>, tensor<1x2x2x2xf32>) -> tensor<1x2x2x6xf32>
  %pd = nn.pad %cc {pads = array<i64: 0, 0, 0, 0, 0, 0, 1, 1>} : (tensor<1x2x2x6xf32>) -> tensor<1x2x2x8xf32>
  %mn = nn.mean %pd {axes = array<i64: 1, 2>, keep_dims = 0 : i64} : (tensor<1x2x2x8xf32>) -> tensor<1x8xf32>
  %sm = nn.softmax %mn {beta = 0.5 : f32} : (tensor<1x8xf32>) -> tensor<1x8xf32>
  func.return %sm : tensor<1x8xf32>
}

// Hybrid conv (f32 activations, int8 filter): qnn.hybrid_conv2d with the int8 weights and
// the filter scales as float32 (distinct per-channel scales: one per output channel, the
// asymmetric run-time input quantization); per-channel scales that are all equal give one
// scale (the symmetric, per-tensor path), as LiteRT's reference.
// CHECK-LABEL: func.func @hybrid_conv
// CHECK-NEXT:    %w = arith.constant dense<[{{\[\[\[}}1, -2]]], {{\[\[\[}}3, 4]]]]> : tensor<2x1x1x2xi8>
// CHECK-NEXT:    %b = arith.constant dense<[5.000000e-01, -1.000000e+00]> : tensor<2xf32>
// CHECK-NEXT:    %y = qnn.hybrid_conv2d ins(%x, %w, %b : tensor<1x3x3x2xf32>, tensor<2x1x1x2xi8>, tensor<2xf32>)
// CHECK-SAME:      {strides = array<i64: 2, 2>, pads = array<i64: 0, 1, 0, 1>, dilations = array<i64: 1, 1>, act = array<f32: 0.000000e+00, 3.40282347e+38>, params = #qnn.hybrid_conv<filter_scales = array<f32: 1.000000e-01, 2.500000e-01>>} -> tensor<1x2x2x2xf32>
// CHECK-NEXT:    %w2 = arith.constant
// CHECK-NEXT:    %z = qnn.hybrid_conv2d ins(%y, %w2, %b : {{.*}}) {{.*}}params = #qnn.hybrid_conv<filter_scales = array<f32: 1.250000e-01>>} -> tensor<1x2x2x2xf32>
func.func @hybrid_conv(%x: tensor<1x3x3x2xf32>) -> tensor<1x2x2x2xf32> {
  %w = nn.constant dense<[[[[1, -2]]], [[[3, 4]]]]> : tensor<2x1x1x2xi8> -> tensor<2x1x1x2x!nn.q<i8, axis 0, [0.10000000149011612, 0.25] : [0, 0]>>
  %b = nn.constant dense<[0.5, -1.0]> : tensor<2xf32> -> tensor<2xf32>
  %y = nn.conv2d %x, %w, %b {strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 1, 0, 1>, activation = "relu"} : (tensor<1x3x3x2xf32>, tensor<2x1x1x2x!nn.q<i8, axis 0, [0.10000000149011612, 0.25] : [0, 0]>>, tensor<2xf32>) -> tensor<1x2x2x2xf32>
  %w2 = nn.constant dense<[[[[1, -2]]], [[[3, 4]]]]> : tensor<2x1x1x2xi8> -> tensor<2x1x1x2x!nn.q<i8, axis 0, [0.125, 0.125] : [0, 0]>>
  %z = nn.conv2d %y, %w2, %b {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, activation = "none"} : (tensor<1x2x2x2xf32>, tensor<2x1x1x2x!nn.q<i8, axis 0, [0.125, 0.125] : [0, 0]>>, tensor<2xf32>) -> tensor<1x2x2x2xf32>
  func.return %z : tensor<1x2x2x2xf32>
}

// Hybrid fully connected (f32 activations, int8 weights): qnn.hybrid_fully_connected with
// the int8 weights, the filter scales (one per output, or one per tensor) and the run-time
// input quantization: asymmetric_inputs = 1 when the nn op has the property, else 0.
// CHECK-LABEL: func.func @hybrid_fc
// CHECK-NEXT:    %w = arith.constant dense<{{\[\[}}1, -2], [3, 4]]> : tensor<2x2xi8>
// CHECK-NEXT:    %b = arith.constant
// CHECK-NEXT:    %y = qnn.hybrid_fully_connected ins(%x, %w, %b : tensor<3x2xf32>, tensor<2x2xi8>, tensor<2xf32>)
// CHECK-SAME:      {act = array<f32: 0.000000e+00, 3.40282347e+38>, params = #qnn.hybrid_fully_connected<filter_scales = array<f32: 1.000000e-01, 2.500000e-01>, asymmetric_inputs = 1>} -> tensor<3x2xf32>
// CHECK-NEXT:    %w2 = arith.constant
// CHECK-NEXT:    %z = qnn.hybrid_fully_connected ins(%y, %w2, %b : {{.*}}) {{.*}}params = #qnn.hybrid_fully_connected<filter_scales = array<f32: 1.250000e-01>, asymmetric_inputs = 0>} -> tensor<3x2xf32>
func.func @hybrid_fc(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w = nn.constant dense<[[1, -2], [3, 4]]> : tensor<2x2xi8> -> tensor<2x2x!nn.q<i8, axis 0, [0.10000000149011612, 0.25] : [0, 0]>>
  %b = nn.constant dense<[0.5, -1.0]> : tensor<2xf32> -> tensor<2xf32>
  %y = nn.fully_connected %x, %w, %b {activation = "relu", asymmetric_inputs} : (tensor<3x2xf32>, tensor<2x2x!nn.q<i8, axis 0, [0.10000000149011612, 0.25] : [0, 0]>>, tensor<2xf32>) -> tensor<3x2xf32>
  %w2 = nn.constant dense<[[1, -2], [3, 4]]> : tensor<2x2xi8> -> tensor<2x2x!nn.q<i8, 0.125 : 0>>
  %z = nn.fully_connected %y, %w2, %b {activation = "none"} : (tensor<3x2xf32>, tensor<2x2x!nn.q<i8, 0.125 : 0>>, tensor<2xf32>) -> tensor<3x2xf32>
  func.return %z : tensor<3x2xf32>
}

// Hybrid depthwise conv: qnn.hybrid_depthwise_conv2d with the int8 filter and one scale
// per output channel (axis 3); the input is always quantized asymmetrically.
// CHECK-LABEL: func.func @hybrid_depthwise
// CHECK:         %y = qnn.hybrid_depthwise_conv2d ins(%x, %w, %b : tensor<1x3x3x2xf32>, tensor<1x1x1x4xi8>, tensor<4xf32>)
// CHECK-SAME:      {strides = array<i64: 2, 2>, pads = array<i64: 0, 1, 0, 1>, dilations = array<i64: 1, 1>, depth_multiplier = 2 : i64, act = array<f32: 0.000000e+00, 6.000000e+00>, params = #qnn.hybrid_conv<filter_scales = array<f32: 5.000000e-01, 2.500000e-01, 1.250000e-01, 1.000000e+00>>} -> tensor<1x2x2x4xf32>
func.func @hybrid_depthwise(%x: tensor<1x3x3x2xf32>) -> tensor<1x2x2x4xf32> {
  %w = nn.constant dense<[[[[1, -2, 3, 4]]]]> : tensor<1x1x1x4xi8> -> tensor<1x1x1x4x!nn.q<i8, axis 3, [0.5, 0.25, 0.125, 1.0] : [0, 0, 0, 0]>>
  %b = nn.constant dense<[0.5, -1.0, 0.0, 2.0]> : tensor<4xf32> -> tensor<4xf32>
  %y = nn.depthwise_conv2d %x, %w, %b {strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 1, 0, 1>, activation = "relu6", depth_multiplier = 2 : i64} : (tensor<1x3x3x2xf32>, tensor<1x1x1x4x!nn.q<i8, axis 3, [0.5, 0.25, 0.125, 1.0] : [0, 0, 0, 0]>>, tensor<4xf32>) -> tensor<1x2x2x4xf32>
  func.return %y : tensor<1x2x2x4xf32>
}
