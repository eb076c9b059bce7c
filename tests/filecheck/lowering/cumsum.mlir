// RUN: stai-opt %s -p convert-nn-to-qnn | filecheck %s --check-prefix=QNN
// RUN: stai-opt %s -p convert-nn-to-qnn,convert-qnn-to-buf,convert-buf-to-c | stai-translate | filecheck %s --check-prefix=C
//
// nn.cumsum becomes qnn.cumsum: int8 with TFLite Micro's CUMSUM parameters in the
// addition's family (left shift 20, the input scaled by 1/2, the output multiplier
// 2 s_in / (2^20 s_out), minus the input zero point, the output one), float with none. The
// C call passes the tensor as [before, depth, after] around the axis and the two flags.

// QNN:      %y = qnn.cumsum ins(%a : tensor<2x6x3xi8>) {axis = 1 : i64, exclusive = 0 : i64, reverse = 1 : i64, params = #qnn.add_sub_s8<left_shift = 20, input1_offset = 3, input1_multiplier = 1073741824, input1_shift = 0, input2_offset = 0, input2_multiplier = 0, input2_shift = 0, output_offset = 5, output_multiplier = 1717986918, output_shift = -21>} -> tensor<2x6x3xi8>
// QNN-NEXT: %z = qnn.cumsum ins(%f : tensor<4x5xf32>) {axis = 0 : i64, exclusive = 1 : i64, reverse = 0 : i64} -> tensor<4x5xf32>

// C:      if (stai_cumsum_s8((int8_t *)
// C-NEXT:     (int8_t *)
// C-NEXT:     2,
// C-NEXT:     6,
// C-NEXT:     3,
// C-NEXT:     0,
// C-NEXT:     1,
// C-NEXT:     20,
// C-NEXT:     3,
// C-NEXT:     1073741824,
// C-NEXT:     0,
// C-NEXT:     5,
// C-NEXT:     1717986918,
// C-NEXT:     -21) != ARM_CMSIS_NN_SUCCESS) {
// C:      if (stai_cumsum_f32((float *)
// C-NEXT:     (float *)
// C-NEXT:     1,
// C-NEXT:     4,
// C-NEXT:     5,
// C-NEXT:     1,
// C-NEXT:     0) != ARM_CMSIS_NN_SUCCESS) {

func.func @main(%a: tensor<2x6x3x!nn.q<i8, 0.02 : -3>>, %f: tensor<4x5xf32>) -> (tensor<2x6x3x!nn.q<i8, 0.1 : 5>>, tensor<4x5xf32>) {
  %y = nn.cumsum %a {axis = 1 : i64, exclusive = 0 : i64, reverse = 1 : i64} : (tensor<2x6x3x!nn.q<i8, 0.02 : -3>>) -> tensor<2x6x3x!nn.q<i8, 0.1 : 5>>
  %z = nn.cumsum %f {axis = 0 : i64, exclusive = 1 : i64, reverse = 0 : i64} : (tensor<4x5xf32>) -> tensor<4x5xf32>
  func.return %y, %z : tensor<2x6x3x!nn.q<i8, 0.1 : 5>>, tensor<4x5xf32>
}
