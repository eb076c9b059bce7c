// RUN: stai-opt %s -p convert-nn-to-qnn | filecheck %s --check-prefix=QNN
// RUN: stai-opt %s -p convert-nn-to-qnn,convert-qnn-to-buf,convert-buf-to-c | stai-translate | filecheck %s --check-prefix=C
//
// Quantized ABS: int8 and 16x8 nn.abs become qnn.abs with TensorFlow Lite Micro's
// parameters (minus the input zero point, the output zero point, the multiplier of
// s_in / s_out = 2: 2^30 with shift 2), and stai_abs_s8 / stai_abs_s16 calls; float32
// nn.abs stays qnn.math.

// QNN:      qnn.abs ins(%x : tensor<2x3xi8>) {params = #qnn.requantize_s8<input_offset = 3, output_offset = -128, multiplier = 1073741824, shift = 2>} -> tensor<2x3xi8>
// QNN:      qnn.abs ins(%z : tensor<4xi16>) {params = #qnn.requantize_s8<input_offset = 0, output_offset = 0, multiplier = 1073741824, shift = 1>} -> tensor<4xi16>
// QNN:      qnn.math ins(%f : tensor<5xf32>) {function = "abs"} -> tensor<5xf32>

// C:      if (stai_abs_s8((int8_t *)
// C-NEXT:     (int8_t *)
// C-NEXT:     6,
// C-NEXT:     3,
// C-NEXT:     -128,
// C-NEXT:     1073741824,
// C-NEXT:     2) != ARM_CMSIS_NN_SUCCESS) {
// C:      if (stai_abs_s16((int16_t *)
// C-NEXT:     (int16_t *)
// C-NEXT:     4,
// C-NEXT:     0,
// C-NEXT:     0,
// C-NEXT:     1073741824,
// C-NEXT:     1) != ARM_CMSIS_NN_SUCCESS) {
// C:      if (stai_abs_f32(

func.func @main(%x: tensor<2x3x!nn.q<i8, 0.02 : -3>>, %z: tensor<4x!nn.q<i16, 0.001 : 0>>, %f: tensor<5xf32>) -> (tensor<2x3x!nn.q<i8, 0.01 : -128>>, tensor<4x!nn.q<i16, 0.001 : 0>>, tensor<5xf32>) {
  %a = nn.abs %x : (tensor<2x3x!nn.q<i8, 0.02 : -3>>) -> tensor<2x3x!nn.q<i8, 0.01 : -128>>
  %b = nn.abs %z : (tensor<4x!nn.q<i16, 0.001 : 0>>) -> tensor<4x!nn.q<i16, 0.001 : 0>>
  %c = nn.abs %f : (tensor<5xf32>) -> tensor<5xf32>
  func.return %a, %b, %c : tensor<2x3x!nn.q<i8, 0.01 : -128>>, tensor<4x!nn.q<i16, 0.001 : 0>>, tensor<5xf32>
}
