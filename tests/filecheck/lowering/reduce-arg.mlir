// RUN: stai-opt %s -p convert-nn-to-qnn | filecheck %s --check-prefix=QNN
// RUN: stai-opt %s -p convert-nn-to-qnn,convert-qnn-to-buf,convert-buf-to-c | stai-translate | filecheck %s --check-prefix=C
//
// nn.arg_max / nn.arg_min become qnn.arg: int8 compares the codes; the output holds int32
// or int64 indices (the C call passes their size), the axis dropped or kept as a 1.

// QNN:      %a = qnn.arg ins(%x : tensor<2x5x3xi8>) {function = "max", axis = 1 : i64} -> tensor<2x3xi32>
// QNN-NEXT: %b = qnn.arg ins(%f : tensor<4x6xf32>) {function = "min", axis = 1 : i64} -> tensor<4x1xi64>

// C:      if (stai_arg_max_s8((int8_t *)
// C-NEXT:     2,
// C-NEXT:     5,
// C-NEXT:     3,
// C-NEXT:     (int32_t *)
// C-NEXT:     4) != ARM_CMSIS_NN_SUCCESS) {
// C:      if (stai_arg_min_f32((float *)
// C-NEXT:     4,
// C-NEXT:     6,
// C-NEXT:     1,
// C-NEXT:     (int64_t *)
// C-NEXT:     8) != ARM_CMSIS_NN_SUCCESS) {

func.func @main(%x: tensor<2x5x3x!nn.q<i8, 0.5 : 3>>, %f: tensor<4x6xf32>) -> (tensor<2x3xi32>, tensor<4x1xi64>) {
  %a = nn.arg_max %x {axis = 1 : i64} : (tensor<2x5x3x!nn.q<i8, 0.5 : 3>>) -> tensor<2x3xi32>
  %b = nn.arg_min %f {axis = 1 : i64} : (tensor<4x6xf32>) -> tensor<4x1xi64>
  func.return %a, %b : tensor<2x3xi32>, tensor<4x1xi64>
}
