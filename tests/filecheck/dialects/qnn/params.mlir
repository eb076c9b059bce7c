// RUN: stai-opt %s | filecheck %s
// RUN: stai-opt %s --print-op-generic | stai-opt | filecheck %s
//
// Every kernel parameter family (#qnn.<family><field = value, ...>) round-trips: scalars
// i32 or f32 (printed as the f32 attribute would be), per-channel lists array<i32/f32: ...>.

// CHECK-LABEL: func.func @int8
func.func @int8(%x: tensor<1x4x4x2xi8>, %w: tensor<2x1x1x2xi8>, %b: tensor<2xi32>, %v: tensor<1x8xi8>, %fw: tensor<3x8xi8>, %fb: tensor<3xi32>) -> (tensor<1x4x4x2xi8>, tensor<1x3xi8>, tensor<1x8xi8>) {
  // CHECK-NEXT: %c = qnn.conv2d ins(%x, %w, %b : tensor<1x4x4x2xi8>, tensor<2x1x1x2xi8>, tensor<2xi32>) {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, act = array<i32: -128, 127>, params = #qnn.conv_s8<input_offset = 128, output_offset = -5, multipliers = array<i32: 1073741824, 1717986944>, shifts = array<i32: -2, 0>>} -> tensor<1x4x4x2xi8>
  %c = qnn.conv2d ins(%x, %w, %b : tensor<1x4x4x2xi8>, tensor<2x1x1x2xi8>, tensor<2xi32>) {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, act = array<i32: -128, 127>, params = #qnn.conv_s8<input_offset = 128, output_offset = -5, multipliers = array<i32: 1073741824, 1717986944>, shifts = array<i32: -2, 0>>} -> tensor<1x4x4x2xi8>
  // CHECK-NEXT: %f = qnn.fully_connected ins(%v, %fw, %fb : tensor<1x8xi8>, tensor<3x8xi8>, tensor<3xi32>) {act = array<i32: -128, 127>, params = #qnn.fully_connected_s8<input_offset = 3, filter_offset = 0, output_offset = 5, multipliers = array<i32: 1073741824>, shifts = array<i32: -2>>} -> tensor<1x3xi8>
  %f = qnn.fully_connected ins(%v, %fw, %fb : tensor<1x8xi8>, tensor<3x8xi8>, tensor<3xi32>) {act = array<i32: -128, 127>, params = #qnn.fully_connected_s8<input_offset = 3, filter_offset = 0, output_offset = 5, multipliers = array<i32: 1073741824>, shifts = array<i32: -2>>} -> tensor<1x3xi8>
  // CHECK-NEXT: %a = qnn.add ins(%v, %v : tensor<1x8xi8>, tensor<1x8xi8>) {act = array<i32: -128, 127>, params = #qnn.add_sub_s8<left_shift = 20, input1_offset = 1, input1_multiplier = 1073741824, input1_shift = 0, input2_offset = -2, input2_multiplier = 1073741824, input2_shift = -1, output_offset = 0, output_multiplier = 1073741824, output_shift = -19>} -> tensor<1x8xi8>
  %a = qnn.add ins(%v, %v : tensor<1x8xi8>, tensor<1x8xi8>) {act = array<i32: -128, 127>, params = #qnn.add_sub_s8<left_shift = 20, input1_offset = 1, input1_multiplier = 1073741824, input1_shift = 0, input2_offset = -2, input2_multiplier = 1073741824, input2_shift = -1, output_offset = 0, output_multiplier = 1073741824, output_shift = -19>} -> tensor<1x8xi8>
  // CHECK-NEXT: %m = qnn.mul ins(%a, %v : tensor<1x8xi8>, tensor<1x8xi8>) {act = array<i32: -128, 127>, params = #qnn.mul_s8<input1_offset = 0, input2_offset = 0, output_offset = -128, output_multiplier = 1073741824, output_shift = 2>} -> tensor<1x8xi8>
  %m = qnn.mul ins(%a, %v : tensor<1x8xi8>, tensor<1x8xi8>) {act = array<i32: -128, 127>, params = #qnn.mul_s8<input1_offset = 0, input2_offset = 0, output_offset = -128, output_multiplier = 1073741824, output_shift = 2>} -> tensor<1x8xi8>
  // CHECK-NEXT: %s = qnn.softmax ins(%m : tensor<1x8xi8>) {params = #qnn.softmax_s8<multiplier = 1073741824, shift = 26, diff_min = -31>} -> tensor<1x8xi8>
  %s = qnn.softmax ins(%m : tensor<1x8xi8>) {params = #qnn.softmax_s8<multiplier = 1073741824, shift = 26, diff_min = -31>} -> tensor<1x8xi8>
  // CHECK-NEXT: %r = qnn.clamp ins(%s : tensor<1x8xi8>) {act = array<i32: -20, 127>, params = #qnn.requantize_s8<input_offset = -3, output_offset = -20, multiplier = 1073741824, shift = 2>} -> tensor<1x8xi8>
  %r = qnn.clamp ins(%s : tensor<1x8xi8>) {act = array<i32: -20, 127>, params = #qnn.requantize_s8<input_offset = -3, output_offset = -20, multiplier = 1073741824, shift = 2>} -> tensor<1x8xi8>
  // CHECK-NEXT: %l = qnn.logistic ins(%r : tensor<1x8xi8>) {params = #qnn.logistic_tanh_s8<input_zero_point = 3, input_range_radius = 15, input_multiplier = 1073741824, input_left_shift = 27>} -> tensor<1x8xi8>
  %l = qnn.logistic ins(%r : tensor<1x8xi8>) {params = #qnn.logistic_tanh_s8<input_zero_point = 3, input_range_radius = 15, input_multiplier = 1073741824, input_left_shift = 27>} -> tensor<1x8xi8>
  // CHECK-NEXT: %k = qnn.leaky_relu ins(%l : tensor<1x8xi8>) {params = #qnn.leaky_relu_s8<input_offset = -5, output_offset = -3, identity_mult = 1073741824, identity_shift = 2, alpha_mult = 1717986944, alpha_shift = -1>} -> tensor<1x8xi8>
  %k = qnn.leaky_relu ins(%l : tensor<1x8xi8>) {params = #qnn.leaky_relu_s8<input_offset = -5, output_offset = -3, identity_mult = 1073741824, identity_shift = 2, alpha_mult = 1717986944, alpha_shift = -1>} -> tensor<1x8xi8>
  // CHECK-NEXT: %h = qnn.hard_swish ins(%k : tensor<1x8xi8>) {params = #qnn.hard_swish_s8<input_zero_point = -3, output_zero_point = 7, output_multiplier = 20480, output_multiplier_exponent = -6, reluish_multiplier = 27962, reluish_multiplier_exponent = 0>} -> tensor<1x8xi8>
  %h = qnn.hard_swish ins(%k : tensor<1x8xi8>) {params = #qnn.hard_swish_s8<input_zero_point = -3, output_zero_point = 7, output_multiplier = 20480, output_multiplier_exponent = -6, reluish_multiplier = 27962, reluish_multiplier_exponent = 0>} -> tensor<1x8xi8>
  // CHECK-NEXT: %p = qnn.prelu ins(%h, %v : tensor<1x8xi8>, tensor<1x8xi8>) {params = #qnn.prelu_s8<input_offset = -5, alpha_offset = 0, output_offset = -20, identity_mult = 1431655765, identity_shift = 1, alpha_mult = 1466015573, alpha_shift = -7>} -> tensor<1x8xi8>
  %p = qnn.prelu ins(%h, %v : tensor<1x8xi8>, tensor<1x8xi8>) {params = #qnn.prelu_s8<input_offset = -5, alpha_offset = 0, output_offset = -20, identity_mult = 1431655765, identity_shift = 1, alpha_mult = 1466015573, alpha_shift = -7>} -> tensor<1x8xi8>
  // CHECK-NEXT: %pd = qnn.pad ins(%p : tensor<1x8xi8>) {pads = array<i64: 0, 0, 0, 0, 0, 0, 0, 0>, params = #qnn.pad_s8<pad_value = -128>} -> tensor<1x8xi8>
  %pd = qnn.pad ins(%p : tensor<1x8xi8>) {pads = array<i64: 0, 0, 0, 0, 0, 0, 0, 0>, params = #qnn.pad_s8<pad_value = -128>} -> tensor<1x8xi8>
  func.return %c, %f, %pd : tensor<1x4x4x2xi8>, tensor<1x3xi8>, tensor<1x8xi8>
}

// CHECK-LABEL: func.func @float
func.func @float(%x: tensor<1x8xf32>, %q: tensor<1x8xi8>, %w: tensor<3x8xi8>, %b: tensor<3xf32>, %i: tensor<1x4x4x2xf32>, %cw: tensor<2x1x1x2xi8>, %cb: tensor<2xf32>) -> (tensor<1x8xi8>, tensor<1x8xf32>, tensor<1x3xf32>, tensor<1x4x4x2xf32>) {
  // CHECK-NEXT: %qz = qnn.quantize ins(%x : tensor<1x8xf32>) {params = #qnn.quantization<scale = 5.000000e-01, zero_point = 3>} -> tensor<1x8xi8>
  %qz = qnn.quantize ins(%x : tensor<1x8xf32>) {params = #qnn.quantization<scale = 5.000000e-01, zero_point = 3>} -> tensor<1x8xi8>
  // CHECK-NEXT: %dq = qnn.dequantize ins(%q : tensor<1x8xi8>) {params = #qnn.quantization<scale = 3.906250e-03, zero_point = -128>} -> tensor<1x8xf32>
  %dq = qnn.dequantize ins(%q : tensor<1x8xi8>) {params = #qnn.quantization<scale = 0.00390625, zero_point = -128>} -> tensor<1x8xf32>
  // CHECK-NEXT: %s = qnn.softmax ins(%dq : tensor<1x8xf32>) {params = #qnn.softmax_f32<beta = 1.000000e+00>} -> tensor<1x8xf32>
  %s = qnn.softmax ins(%dq : tensor<1x8xf32>) {params = #qnn.softmax_f32<beta = 1.0>} -> tensor<1x8xf32>
  // CHECK-NEXT: %l = qnn.leaky_relu ins(%s : tensor<1x8xf32>) {params = #qnn.leaky_relu_f32<alpha = 2.000000e-01>} -> tensor<1x8xf32>
  %l = qnn.leaky_relu ins(%s : tensor<1x8xf32>) {params = #qnn.leaky_relu_f32<alpha = 0.2>} -> tensor<1x8xf32>
  // CHECK-NEXT: %h = qnn.hard_sigmoid ins(%l : tensor<1x8xf32>) {params = #qnn.hard_sigmoid_f32<alpha = 0.166666672, beta = 5.000000e-01>} -> tensor<1x8xf32>
  %h = qnn.hard_sigmoid ins(%l : tensor<1x8xf32>) {params = #qnn.hard_sigmoid_f32<alpha = 0.166666672, beta = 5.000000e-01>} -> tensor<1x8xf32>
  // CHECK-NEXT: %p = qnn.pad ins(%h : tensor<1x8xf32>) {pads = array<i64: 0, 0, 0, 0, 0, 0, 0, 0>, params = #qnn.pad_f32<pad_value = -1.500000e+00>} -> tensor<1x8xf32>
  %p = qnn.pad ins(%h : tensor<1x8xf32>) {pads = array<i64: 0, 0, 0, 0, 0, 0, 0, 0>, params = #qnn.pad_f32<pad_value = -1.5>} -> tensor<1x8xf32>
  // CHECK-NEXT: %fc = qnn.hybrid_fully_connected ins(%x, %w, %b : tensor<1x8xf32>, tensor<3x8xi8>, tensor<3xf32>) {act = array<f32: -1.000000e+00, 1.000000e+00>, params = #qnn.hybrid_fully_connected<filter_scales = array<f32: 1.000000e-01, 2.500000e-01, 1.250000e-01>, asymmetric_inputs = 1>} -> tensor<1x3xf32>
  %fc = qnn.hybrid_fully_connected ins(%x, %w, %b : tensor<1x8xf32>, tensor<3x8xi8>, tensor<3xf32>) {act = array<f32: -1.0, 1.0>, params = #qnn.hybrid_fully_connected<filter_scales = array<f32: 1.0e-01, 2.5e-01, 1.25e-01>, asymmetric_inputs = 1>} -> tensor<1x3xf32>
  // CHECK-NEXT: %c = qnn.hybrid_conv2d ins(%i, %cw, %cb : tensor<1x4x4x2xf32>, tensor<2x1x1x2xi8>, tensor<2xf32>) {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, act = array<f32: 0.000000e+00, 6.000000e+00>, params = #qnn.hybrid_conv<filter_scales = array<f32: 5.000000e-01>>} -> tensor<1x4x4x2xf32>
  %c = qnn.hybrid_conv2d ins(%i, %cw, %cb : tensor<1x4x4x2xf32>, tensor<2x1x1x2xi8>, tensor<2xf32>) {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, act = array<f32: 0.0, 6.0>, params = #qnn.hybrid_conv<filter_scales = array<f32: 0.5>>} -> tensor<1x4x4x2xf32>
  func.return %qz, %p, %fc, %c : tensor<1x8xi8>, tensor<1x8xf32>, tensor<1x3xf32>, tensor<1x4x4x2xf32>
}
