// RUN: stai-opt %s -p convert-nn-to-qnn | filecheck %s
//
// int8 leaky relu and hard swish get TFLite Micro's Prepare parameters: leaky relu the
// identity multiplier s_in / s_out (0.02 / 0.01 = 2: 2^30, shift 2) and the alpha one
// s_in * alpha / s_out with alpha as float32 (0.4: 1717986944, -1); hard swish the Q15
// multipliers of (s_in / 128) / s_out (0.0098 = 0.625 * 2^-6: 20480, -6) and
// (s_in / 128) / (3 / 32768) (0.853: 27962, 0).

// CHECK:      %l = qnn.leaky_relu ins(%x : tensor<1x8xi8>) {params = {input_offset = -5 : i32, output_offset = -3 : i32, identity_mult = 1073741824 : i32, identity_shift = 2 : i32, alpha_mult = 1717986944 : i32, alpha_shift = -1 : i32}} -> tensor<1x8xi8>
// CHECK-NEXT: %h = qnn.hard_swish ins(%l : tensor<1x8xi8>) {params = {input_zero_point = -3 : i32, output_zero_point = 7 : i32, output_multiplier = 20480 : i32, output_multiplier_exponent = -6 : i32, reluish_multiplier = 27962 : i32, reluish_multiplier_exponent = 0 : i32}} -> tensor<1x8xi8>
func.func @main(%x: tensor<1x8x!nn.q<i8, 0.02 : 5>>) -> tensor<1x8x!nn.q<i8, 0.008 : 7>> {
  %l = nn.leaky_relu %x {alpha = 0.2 : f32} : (tensor<1x8x!nn.q<i8, 0.02 : 5>>) -> tensor<1x8x!nn.q<i8, 0.01 : -3>>
  %h = nn.hard_swish %l : (tensor<1x8x!nn.q<i8, 0.01 : -3>>) -> tensor<1x8x!nn.q<i8, 0.008 : 7>>
  func.return %h : tensor<1x8x!nn.q<i8, 0.008 : 7>>
}
