// RUN: stai-opt %s -p convert-nn-to-qnn | filecheck %s

// 16x8 fully connected: int16 input and output (zero point 0), int8 per-channel weights,
// int64 bias. Multipliers of 0.5 * s_w[c] / 0.125 = 1.0 and 2.0 (2^30 with shifts 1, 2);
// relu6 on int16 outputs: [0, round(6 / 0.125)] = [0, 48].
// CHECK-LABEL: func.func @fc_s16
// CHECK-SAME:    (%x: tensor<1x4xi16> {nn.name = "in"}) -> (tensor<1x2xi16> {nn.name = "out"})
// CHECK-NEXT:    %w = arith.constant dense<1> : tensor<2x4xi8>
// CHECK-NEXT:    %b = arith.constant dense<[100, -3]> : tensor<2xi64>
// CHECK-NEXT:    %y = qnn.fully_connected ins(%x, %w, %b : tensor<1x4xi16>, tensor<2x4xi8>, tensor<2xi64>)
// CHECK-SAME:      {params = #qnn.fully_connected_s16<multipliers = array<i32: 1073741824, 1073741824>, shifts = array<i32: 1, 2>>, act = array<i32: 0, 48>} -> tensor<1x2xi16>
func.func @fc_s16(%x: tensor<1x4x!nn.q<i16, 0.5 : 0>> {nn.name = "in"}) -> (tensor<1x2x!nn.q<i16, 0.125 : 0>> {nn.name = "out"}) {
  %w = nn.constant dense<1> : tensor<2x4xi8> -> tensor<2x4x!nn.q<i8, axis 0, [0.25, 0.5] : [0, 0]>>
  %b = nn.constant dense<[100, -3]> : tensor<2xi64> -> tensor<2x!nn.q<i64, axis 0, [0.125, 0.25] : [0, 0]>>
  %y = nn.fully_connected %x, %w, %b {activation = "relu6"} : (tensor<1x4x!nn.q<i16, 0.5 : 0>>, tensor<2x4x!nn.q<i8, axis 0, [0.25, 0.5] : [0, 0]>>, tensor<2x!nn.q<i64, axis 0, [0.125, 0.25] : [0, 0]>>) -> tensor<1x2x!nn.q<i16, 0.125 : 0>>
  func.return %y : tensor<1x2x!nn.q<i16, 0.125 : 0>>
}

// float -> int16 is qnn.quantize; int16 -> int8 and int8 -> int16 are qnn.requantize with
// the multiplier of s_in / s_out (1/64: 2^30, shift -5; 32: 2^30, shift 6); int16 -> float
// is qnn.dequantize.
// CHECK-LABEL: func.func @conversions
// CHECK-NEXT:    %a = qnn.quantize ins(%x : tensor<1x8xf32>) {params = #qnn.quantization<scale = 0.0009765625, zero_point = 0>} -> tensor<1x8xi16>
// CHECK-NEXT:    %b = qnn.requantize ins(%a : tensor<1x8xi16>) {params = #qnn.requantize_s8<input_offset = 0, output_offset = -4, multiplier = 1073741824, shift = -5>} -> tensor<1x8xi8>
// CHECK-NEXT:    %c = qnn.requantize ins(%b : tensor<1x8xi8>) {params = #qnn.requantize_s8<input_offset = 4, output_offset = 0, multiplier = 1073741824, shift = 6>} -> tensor<1x8xi16>
// CHECK-NEXT:    %d = qnn.dequantize ins(%c : tensor<1x8xi16>) {params = #qnn.quantization<scale = 0.001953125, zero_point = 0>} -> tensor<1x8xf32>

func.func @conversions(%x: tensor<1x8xf32>) -> tensor<1x8xf32> {
  %a = nn.quantize %x : (tensor<1x8xf32>) -> tensor<1x8x!nn.q<i16, 0.0009765625 : 0>>
  %b = nn.quantize %a : (tensor<1x8x!nn.q<i16, 0.0009765625 : 0>>) -> tensor<1x8x!nn.q<i8, 0.0625 : -4>>
  %c = nn.quantize %b : (tensor<1x8x!nn.q<i8, 0.0625 : -4>>) -> tensor<1x8x!nn.q<i16, 0.001953125 : 0>>
  %d = nn.dequantize %c : (tensor<1x8x!nn.q<i16, 0.001953125 : 0>>) -> tensor<1x8xf32>
  func.return %d : tensor<1x8xf32>
}

// 16x8 add and sub (same shapes): the int8 ADD / SUB parameters with TFLite Micro's int16
// left shift of 15 and the int16 clamp range. add: twice_max = 1.0, input multipliers
// 0.5 and 0.25 (2^30 with shifts 0, -1), output 1 / 2^15 (2^30, shift -14), relu [0, 32767];
// sub: twice_max = 2.0, 0.5 and 0.125 (shifts 0, -2), output 2 / 2^15 (shift -13).
// CHECK-LABEL: func.func @add_sub_s16
// CHECK-NEXT:    %s = qnn.add ins(%a, %b : tensor<1x8xi16>, tensor<1x8xi16>) {params = #qnn.add_sub_s8<left_shift = 15, input1_offset = 0, input1_multiplier = 1073741824, input1_shift = 0, input2_offset = 0, input2_multiplier = 1073741824, input2_shift = -1, output_offset = 0, output_multiplier = 1073741824, output_shift = -14>, act = array<i32: 0, 32767>} -> tensor<1x8xi16>
// CHECK-NEXT:    %d = qnn.sub ins(%s, %b : tensor<1x8xi16>, tensor<1x8xi16>) {params = #qnn.add_sub_s8<left_shift = 15, input1_offset = 0, input1_multiplier = 1073741824, input1_shift = 0, input2_offset = 0, input2_multiplier = 1073741824, input2_shift = -2, output_offset = 0, output_multiplier = 1073741824, output_shift = -13>, act = array<i32: -32768, 32767>} -> tensor<1x8xi16>
func.func @add_sub_s16(%a: tensor<1x8x!nn.q<i16, 0.5 : 0>>, %b: tensor<1x8x!nn.q<i16, 0.25 : 0>>) -> tensor<1x8x!nn.q<i16, 1.0 : 0>> {
  %s = nn.add %a, %b {activation = "relu"} : (tensor<1x8x!nn.q<i16, 0.5 : 0>>, tensor<1x8x!nn.q<i16, 0.25 : 0>>) -> tensor<1x8x!nn.q<i16, 1.0 : 0>>
  %d = nn.sub %s, %b {activation = "none"} : (tensor<1x8x!nn.q<i16, 1.0 : 0>>, tensor<1x8x!nn.q<i16, 0.25 : 0>>) -> tensor<1x8x!nn.q<i16, 1.0 : 0>>
  func.return %d : tensor<1x8x!nn.q<i16, 1.0 : 0>>
}

// 16x8 conv and depthwise: the int8 conv parameter family with offsets 0, per-channel
// multipliers of 0.5 * s_w[c] / 0.25 (0.5 and 1.0: 2^30 with shifts 0, 1), int64 biases,
// relu on int16 outputs [0, 32767], relu6 [0, round(6 / 0.25)] = [0, 24].
// CHECK-LABEL: func.func @conv_s16
// CHECK:         %y = qnn.conv2d ins(%x, %w, %b : tensor<1x4x4x2xi16>, tensor<2x3x3x2xi8>, tensor<2xi64>)
// CHECK-SAME:      params = #qnn.conv_s8<input_offset = 0, output_offset = 0, multipliers = array<i32: 1073741824, 1073741824>, shifts = array<i32: 0, 1>>, act = array<i32: 0, 32767>} -> tensor<1x4x4x2xi16>
// CHECK-LABEL: func.func @dw_s16
// CHECK:         %y = qnn.depthwise_conv2d ins(%x, %w, %b : tensor<1x4x4x2xi16>, tensor<1x3x3x4xi8>, tensor<4xi64>)
// CHECK-SAME:      params = #qnn.conv_s8<input_offset = 0, output_offset = 0, multipliers = array<i32: 1073741824, 1073741824, 1073741824, 1073741824>, shifts = array<i32: 0, 1, 0, 1>>, act = array<i32: 0, 24>} -> tensor<1x4x4x4xi16>
func.func @conv_s16(%x: tensor<1x4x4x2x!nn.q<i16, 0.5 : 0>>) -> tensor<1x4x4x2x!nn.q<i16, 0.25 : 0>> {
  %w = nn.constant dense<1> : tensor<2x3x3x2xi8> -> tensor<2x3x3x2x!nn.q<i8, axis 0, [0.25, 0.5] : [0, 0]>>
  %b = nn.constant dense<[7, -9]> : tensor<2xi64> -> tensor<2x!nn.q<i64, axis 0, [0.125, 0.25] : [0, 0]>>
  %y = nn.conv2d %x, %w, %b {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, activation = "relu"} : (tensor<1x4x4x2x!nn.q<i16, 0.5 : 0>>, tensor<2x3x3x2x!nn.q<i8, axis 0, [0.25, 0.5] : [0, 0]>>, tensor<2x!nn.q<i64, axis 0, [0.125, 0.25] : [0, 0]>>) -> tensor<1x4x4x2x!nn.q<i16, 0.25 : 0>>
  func.return %y : tensor<1x4x4x2x!nn.q<i16, 0.25 : 0>>
}

func.func @dw_s16(%x: tensor<1x4x4x2x!nn.q<i16, 0.5 : 0>>) -> tensor<1x4x4x4x!nn.q<i16, 0.25 : 0>> {
  %w = nn.constant dense<1> : tensor<1x3x3x4xi8> -> tensor<1x3x3x4x!nn.q<i8, axis 3, [0.25, 0.5, 0.25, 0.5] : [0, 0, 0, 0]>>
  %b = nn.constant dense<[1, 2, 3, 4]> : tensor<4xi64> -> tensor<4x!nn.q<i64, axis 0, [0.125, 0.25, 0.125, 0.25] : [0, 0, 0, 0]>>
  %y = nn.depthwise_conv2d %x, %w, %b {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, depth_multiplier = 2 : i64, activation = "relu6"} : (tensor<1x4x4x2x!nn.q<i16, 0.5 : 0>>, tensor<1x3x3x4x!nn.q<i8, axis 3, [0.25, 0.5, 0.25, 0.5] : [0, 0, 0, 0]>>, tensor<4x!nn.q<i64, axis 0, [0.125, 0.25, 0.125, 0.25] : [0, 0, 0, 0]>>) -> tensor<1x4x4x4x!nn.q<i16, 0.25 : 0>>
  func.return %y : tensor<1x4x4x4x!nn.q<i16, 0.25 : 0>>
}

// 16x8 softmax: the differences' multiplier of s_in * beta / (10 / 65535) (here
// 2^-12 * 65535 / 10 = 1.59998: 0.79999 * 2^31, shift 1); the output 1/32768 : 0.
// CHECK-LABEL: func.func @softmax_s16
// CHECK-NEXT:    %y = qnn.softmax ins(%x : tensor<2x10xi16>) {params = #qnn.softmax_s16<multiplier = 1717960704, shift = 1>} -> tensor<2x10xi16>
func.func @softmax_s16(%x: tensor<2x10x!nn.q<i16, 0.000244140625 : 0>>) -> tensor<2x10x!nn.q<i16, 3.0517578125e-05 : 0>> {
  %y = nn.softmax %x {beta = 1.0 : f32} : (tensor<2x10x!nn.q<i16, 0.000244140625 : 0>>) -> tensor<2x10x!nn.q<i16, 3.0517578125e-05 : 0>>
  func.return %y : tensor<2x10x!nn.q<i16, 3.0517578125e-05 : 0>>
}

// 16x8 logistic and tanh: a power-of-two input scale whose shift 12 + log2(s_in) is 0
// (logistic: 2^-12) or 0 or 1 (tanh: 2^-11) takes multiplier 0; another scale (0.001) is
// rescaled by s_in * 3 * 4096 = 12.288, doubled 11 times: 25165 (truncated), shift 11.
// CHECK-LABEL: func.func @sigmoids_s16
// CHECK-NEXT:    %a = qnn.logistic ins(%x : tensor<1x8xi16>) {params = #qnn.logistic_tanh_s16<input_multiplier = 0, input_left_shift = 0>} -> tensor<1x8xi16>
// CHECK-NEXT:    %b = qnn.tanh ins(%y : tensor<1x8xi16>) {params = #qnn.logistic_tanh_s16<input_multiplier = 0, input_left_shift = 1>} -> tensor<1x8xi16>
// CHECK-NEXT:    %c = qnn.tanh ins(%z : tensor<1x8xi16>) {params = #qnn.logistic_tanh_s16<input_multiplier = 25165, input_left_shift = 11>} -> tensor<1x8xi16>
func.func @sigmoids_s16(%x: tensor<1x8x!nn.q<i16, 0.000244140625 : 0>>, %y: tensor<1x8x!nn.q<i16, 0.00048828125 : 0>>, %z: tensor<1x8x!nn.q<i16, 0.001 : 0>>) -> (tensor<1x8x!nn.q<i16, 3.0517578125e-05 : 0>>, tensor<1x8x!nn.q<i16, 3.0517578125e-05 : 0>>, tensor<1x8x!nn.q<i16, 3.0517578125e-05 : 0>>) {
  %a = nn.logistic %x : (tensor<1x8x!nn.q<i16, 0.000244140625 : 0>>) -> tensor<1x8x!nn.q<i16, 3.0517578125e-05 : 0>>
  %b = nn.tanh %y : (tensor<1x8x!nn.q<i16, 0.00048828125 : 0>>) -> tensor<1x8x!nn.q<i16, 3.0517578125e-05 : 0>>
  %c = nn.tanh %z : (tensor<1x8x!nn.q<i16, 0.001 : 0>>) -> tensor<1x8x!nn.q<i16, 3.0517578125e-05 : 0>>
  func.return %a, %b, %c : tensor<1x8x!nn.q<i16, 3.0517578125e-05 : 0>>, tensor<1x8x!nn.q<i16, 3.0517578125e-05 : 0>>, tensor<1x8x!nn.q<i16, 3.0517578125e-05 : 0>>
}

// 16x8 mul with broadcasting: the multiplier of 0.5 * 0.25 / 1.0 (2^30, shift -2);
// relu (input 0.5, output 0.25: multiplier 2.0, 2^30 shift 2) and relu6 (a clamp of the
// input codes to [0, round(6 / 0.5)] = [0, 12]) as qnn.clamp; leaky relu with int8's
// multipliers (input 1.0, output 0.25: identity 4.0, 2^30 shift 3; alpha float32(0.2) * 4).
// CHECK-LABEL: func.func @mul_activations_s16
// CHECK-NEXT:    %m = qnn.mul ins(%a, %b : tensor<1x4x8xi16>, tensor<1x1x8xi16>) {params = #qnn.mul_s8<input1_offset = 0, input2_offset = 0, output_offset = 0, output_multiplier = 1073741824, output_shift = -2>, act = array<i32: -32768, 32767>} -> tensor<1x4x8xi16>
// CHECK-NEXT:    %r = qnn.clamp ins(%a : tensor<1x4x8xi16>) {params = #qnn.requantize_s8<input_offset = 0, output_offset = 0, multiplier = 1073741824, shift = 2>, act = array<i32: 0, 32767>} -> tensor<1x4x8xi16>
// CHECK-NEXT:    %s = qnn.clamp ins(%a : tensor<1x4x8xi16>) {params = #qnn.requantize_s8<input_offset = 0, output_offset = 0, multiplier = 1073741824, shift = 1>, act = array<i32: 0, 12>} -> tensor<1x4x8xi16>
// CHECK-NEXT:    %l = qnn.leaky_relu ins(%m : tensor<1x4x8xi16>) {params = #qnn.leaky_relu_s8<input_offset = 0, output_offset = 0, identity_mult = 1073741824, identity_shift = 3, alpha_mult = 1717986944, alpha_shift = 0>} -> tensor<1x4x8xi16>
func.func @mul_activations_s16(%a: tensor<1x4x8x!nn.q<i16, 0.5 : 0>>, %b: tensor<1x1x8x!nn.q<i16, 0.25 : 0>>) -> (tensor<1x4x8x!nn.q<i16, 0.25 : 0>>, tensor<1x4x8x!nn.q<i16, 0.25 : 0>>, tensor<1x4x8x!nn.q<i16, 0.5 : 0>>) {
  %m = nn.mul %a, %b {activation = "none"} : (tensor<1x4x8x!nn.q<i16, 0.5 : 0>>, tensor<1x1x8x!nn.q<i16, 0.25 : 0>>) -> tensor<1x4x8x!nn.q<i16, 1.0 : 0>>
  %r = nn.relu %a : (tensor<1x4x8x!nn.q<i16, 0.5 : 0>>) -> tensor<1x4x8x!nn.q<i16, 0.25 : 0>>
  %s = nn.relu6 %a : (tensor<1x4x8x!nn.q<i16, 0.5 : 0>>) -> tensor<1x4x8x!nn.q<i16, 0.5 : 0>>
  %l = nn.leaky_relu %m {alpha = 0.2 : f32} : (tensor<1x4x8x!nn.q<i16, 1.0 : 0>>) -> tensor<1x4x8x!nn.q<i16, 0.25 : 0>>
  func.return %r, %l, %s : tensor<1x4x8x!nn.q<i16, 0.25 : 0>>, tensor<1x4x8x!nn.q<i16, 0.25 : 0>>, tensor<1x4x8x!nn.q<i16, 0.5 : 0>>
}
