// RUN: stai-opt %s -p convert-nn-to-qnn | filecheck %s
//
// int8 leaky relu and hard swish get TFLite Micro's Prepare parameters: leaky relu the
// identity multiplier s_in / s_out (0.02 / 0.01 = 2: 2^30, shift 2) and the alpha one
// s_in * alpha / s_out with alpha as float32 (0.4: 1717986944, -1); hard swish the Q15
// multipliers of (s_in / 128) / s_out (0.0098 = 0.625 * 2^-6: 20480, -6) and
// (s_in / 128) / (3 / 32768) (0.853: 27962, 0).

// CHECK:      %l = qnn.leaky_relu ins(%x : tensor<1x8xi8>) {params = #qnn.leaky_relu_s8<input_offset = -5, output_offset = -3, identity_mult = 1073741824, identity_shift = 2, alpha_mult = 1717986944, alpha_shift = -1>} -> tensor<1x8xi8>
// CHECK-NEXT: %h = qnn.hard_swish ins(%l : tensor<1x8xi8>) {params = #qnn.hard_swish_s8<input_zero_point = -3, output_zero_point = 7, output_multiplier = 20480, output_multiplier_exponent = -6, reluish_multiplier = 27962, reluish_multiplier_exponent = 0>} -> tensor<1x8xi8>
func.func @main(%x: tensor<1x8x!nn.q<i8, 0.02 : 5>>) -> tensor<1x8x!nn.q<i8, 0.008 : 7>> {
  %l = nn.leaky_relu %x {alpha = 0.2 : f32} : (tensor<1x8x!nn.q<i8, 0.02 : 5>>) -> tensor<1x8x!nn.q<i8, 0.01 : -3>>
  %h = nn.hard_swish %l : (tensor<1x8x!nn.q<i8, 0.01 : -3>>) -> tensor<1x8x!nn.q<i8, 0.008 : 7>>
  func.return %h : tensor<1x8x!nn.q<i8, 0.008 : 7>>
}
