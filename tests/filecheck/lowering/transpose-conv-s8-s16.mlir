// RUN: stai-opt %s -p convert-nn-to-qnn | filecheck %s --check-prefix=QNN
// RUN: stai-opt %s -p convert-nn-to-qnn,convert-qnn-to-buf,convert-buf-to-c | stai-translate | filecheck %s --check-prefix=C
//
// An int8 and a 16x8 nn.transpose_conv2d take a convolution's parameters: per-channel
// multipliers of s_in * s_w[c] / s_out (0.5 * 0.25 / 0.25 = 0.5 and 0.5 * 0.5 / 0.25 = 1.0:
// 2^30 with shifts 0 and 1), the input offset -zp_in, the output offset zp_out (16x8:
// both 0), the activation range, and the filter's channels along axis 0. Their C calls
// are stai_transpose_conv2d_s8 / _s16 with the CMSIS-NN conv structs.

// QNN:         qnn.transpose_conv2d ins(%x, %w, %b : tensor<1x2x2x3xi8>, tensor<2x3x3x3xi8>, tensor<2xi32>)
// QNN-SAME:      params = #qnn.conv_s8<input_offset = 3, output_offset = -5, multipliers = array<i32: 1073741824, 1073741824>, shifts = array<i32: 0, 1>>, act = array<i32: -5, 127>}
// QNN:         qnn.transpose_conv2d ins(%x16, %w, %b16 : tensor<1x2x2x3xi16>, tensor<2x3x3x3xi8>, tensor<2xi64>)
// QNN-SAME:      params = #qnn.conv_s8<input_offset = 0, output_offset = 0, multipliers = array<i32: 1073741824, 1073741824>, shifts = array<i32: 0, 1>>, act = array<i32: -32768, 32767>}

// C:      if (stai_transpose_conv2d_s8(&conv_params,
// C-NEXT:     &quant_params,
// C-NEXT:     &input_dims,
// C-NEXT:     (int8_t *)
// C:      if (stai_transpose_conv2d_s16(&conv_params,
// C-NEXT:     &quant_params,
// C-NEXT:     &input_dims,
// C-NEXT:     (int16_t *)
// C:      const int64_t network_transpose_conv2d_input3_1[2] = {7, -9};

func.func @main(%x: tensor<1x2x2x3x!nn.q<i8, 0.5 : -3>>, %x16: tensor<1x2x2x3x!nn.q<i16, 0.5 : 0>>) -> (tensor<1x4x4x2x!nn.q<i8, 0.25 : -5>>, tensor<1x4x4x2x!nn.q<i16, 0.25 : 0>>) {
  %w = nn.constant dense<1> : tensor<2x3x3x3xi8> -> tensor<2x3x3x3x!nn.q<i8, axis 0, [0.25, 0.5] : [0, 0]>>
  %b = nn.constant dense<[7, -9]> : tensor<2xi32> -> tensor<2x!nn.q<i32, axis 0, [0.125, 0.25] : [0, 0]>>
  %y = nn.transpose_conv2d %x, %w, %b {strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 1, 0, 1>, activation = "relu"} : (tensor<1x2x2x3x!nn.q<i8, 0.5 : -3>>, tensor<2x3x3x3x!nn.q<i8, axis 0, [0.25, 0.5] : [0, 0]>>, tensor<2x!nn.q<i32, axis 0, [0.125, 0.25] : [0, 0]>>) -> tensor<1x4x4x2x!nn.q<i8, 0.25 : -5>>
  %b16 = nn.constant dense<[7, -9]> : tensor<2xi64> -> tensor<2x!nn.q<i64, axis 0, [0.125, 0.25] : [0, 0]>>
  %y16 = nn.transpose_conv2d %x16, %w, %b16 {strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 1, 0, 1>, activation = "none"} : (tensor<1x2x2x3x!nn.q<i16, 0.5 : 0>>, tensor<2x3x3x3x!nn.q<i8, axis 0, [0.25, 0.5] : [0, 0]>>, tensor<2x!nn.q<i64, axis 0, [0.125, 0.25] : [0, 0]>>) -> tensor<1x4x4x2x!nn.q<i16, 0.25 : 0>>
  func.return %y, %y16 : tensor<1x4x4x2x!nn.q<i8, 0.25 : -5>>, tensor<1x4x4x2x!nn.q<i16, 0.25 : 0>>
}
