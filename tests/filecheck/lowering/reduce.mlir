// RUN: stai-opt %s -p convert-nn-to-qnn | filecheck %s --check-prefix=QNN
// RUN: stai-opt %s -p convert-nn-to-qnn,convert-qnn-to-buf,convert-buf-to-c | stai-translate | filecheck %s --check-prefix=C
//
// Reductions: max / min become qnn.reduce with their function, sum qnn.reduce_sum (int8:
// the requantization by s_in / s_out = 0.25, the input zero point as an offset); the C
// call takes the dims with leading 1s and the mask of reduced axes (bit 0: n ... 3: c).

// QNN:      %m = qnn.reduce ins(%x : tensor<2x5x3xi8>) {axes = array<i64: 1>, function = "max"} -> tensor<2x3xi8>
// QNN-NEXT: %s = qnn.reduce_sum ins(%x : tensor<2x5x3xi8>) {axes = array<i64: 0, 2>, params = #qnn.requantize_s8<input_offset = -3, output_offset = 1, multiplier = 1073741824, shift = -1>} -> tensor<1x5x1xi8>
// QNN-NEXT: %n = qnn.reduce ins(%f : tensor<4x6xf32>) {axes = array<i64: 0>, function = "min"} -> tensor<6xf32>

// C:      if (stai_reduce_max_s8(
// C-NEXT:     &input_dims,
// C-NEXT:     4,
// C:      static const cmsis_nn_dims input_dims = {.n = 1, .h = 2, .w = 5, .c = 3};
// C-NEXT: if (stai_reduce_sum_s8(
// C-NEXT:     &input_dims,
// C-NEXT:     10,
// C-NEXT:     (int8_t *)
// C-NEXT:     -3,
// C-NEXT:     1073741824,
// C-NEXT:     -1,
// C-NEXT:     1) != ARM_CMSIS_NN_SUCCESS) {
// C:      if (stai_reduce_min_f32(
// C-NEXT:     &input_dims,
// C-NEXT:     4,

func.func @main(%x: tensor<2x5x3x!nn.q<i8, 0.5 : 3>>, %f: tensor<4x6xf32>)
    -> (tensor<2x3x!nn.q<i8, 0.5 : 3>>, tensor<1x5x1x!nn.q<i8, 2.0 : 1>>, tensor<6xf32>) {
  %m = nn.reduce_max %x {axes = array<i64: 1>, keep_dims = 0 : i64} : (tensor<2x5x3x!nn.q<i8, 0.5 : 3>>) -> tensor<2x3x!nn.q<i8, 0.5 : 3>>
  %s = nn.reduce_sum %x {axes = array<i64: 0, 2>, keep_dims = 1 : i64} : (tensor<2x5x3x!nn.q<i8, 0.5 : 3>>) -> tensor<1x5x1x!nn.q<i8, 2.0 : 1>>
  %n = nn.reduce_min %f {axes = array<i64: 0>, keep_dims = 0 : i64} : (tensor<4x6xf32>) -> tensor<6xf32>
  func.return %m, %s, %n : tensor<2x3x!nn.q<i8, 0.5 : 3>>, tensor<1x5x1x!nn.q<i8, 2.0 : 1>>, tensor<6xf32>
}
