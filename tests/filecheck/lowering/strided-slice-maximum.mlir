// RUN: stai-opt %s -p convert-nn-to-qnn | filecheck %s --check-prefix=QNN
// RUN: stai-opt %s -p convert-nn-to-qnn,convert-qnn-to-buf,convert-buf-to-c | stai-translate | filecheck %s --check-prefix=C
//
// Element selection without arithmetic: nn.strided_slice (negative strides included)
// becomes qnn.strided_slice and a stai_strided_slice call with begin and stride as dims;
// int8 nn.maximum / nn.minimum with broadcasting (operands aligned to the output's rank)
// compare the codes: stai_maximum_s8 / stai_minimum_s8, no parameters.

// QNN:      %s = qnn.strided_slice ins(%x : tensor<1x5x6x8xi8>) {begin = array<i64: 0, 4, 1, 6>, strides = array<i64: 1, -2, 3, -2>} -> tensor<1x3x2x3xi8>
// QNN-NEXT: %hi = qnn.maximum ins(%s, %m : tensor<1x3x2x3xi8>, tensor<1x1x3xi8>) -> tensor<1x3x2x3xi8>
// QNN-NEXT: %lo = qnn.minimum ins(%s, %m : tensor<1x3x2x3xi8>, tensor<1x1x3xi8>) -> tensor<1x3x2x3xi8>

// C:      static const cmsis_nn_dims input_dims = {.n = 1, .h = 5, .w = 6, .c = 8};
// C-NEXT: static const cmsis_nn_dims begin = {.n = 0, .h = 4, .w = 1, .c = 6};
// C-NEXT: static const cmsis_nn_dims stride = {.n = 1, .h = -2, .w = 3, .c = -2};
// C-NEXT: static const cmsis_nn_dims output_dims = {.n = 1, .h = 3, .w = 2, .c = 3};
// C-NEXT: if (stai_strided_slice((int8_t *)stai_network_arena,
// C-NEXT:     &input_dims,
// C-NEXT:     &begin,
// C-NEXT:     &stride,
// C-NEXT:     (int8_t *)(stai_network_arena + [[S:[0-9]+]]),
// C-NEXT:     &output_dims,
// C-NEXT:     1) != ARM_CMSIS_NN_SUCCESS) {
// C:      static const cmsis_nn_dims input2_dims = {.n = 1, .h = 1, .w = 1, .c = 3};
// C:      if (stai_maximum_s8((int8_t *)(stai_network_arena + [[S]]),
// C-NEXT:     &input1_dims,
// C:      if (stai_minimum_s8((int8_t *)(stai_network_arena + [[S]]),

func.func @main(%x: tensor<1x5x6x8x!nn.q<i8, 0.5 : 3>>, %m: tensor<1x1x3x!nn.q<i8, 0.5 : 3>>) -> (tensor<1x3x2x3x!nn.q<i8, 0.5 : 3>>, tensor<1x3x2x3x!nn.q<i8, 0.5 : 3>>) {
  %s = nn.strided_slice %x {begin = array<i64: 0, 4, 1, 6>, strides = array<i64: 1, -2, 3, -2>} : (tensor<1x5x6x8x!nn.q<i8, 0.5 : 3>>) -> tensor<1x3x2x3x!nn.q<i8, 0.5 : 3>>
  %hi = nn.maximum %s, %m {activation = "none"} : (tensor<1x3x2x3x!nn.q<i8, 0.5 : 3>>, tensor<1x1x3x!nn.q<i8, 0.5 : 3>>) -> tensor<1x3x2x3x!nn.q<i8, 0.5 : 3>>
  %lo = nn.minimum %s, %m {activation = "none"} : (tensor<1x3x2x3x!nn.q<i8, 0.5 : 3>>, tensor<1x1x3x!nn.q<i8, 0.5 : 3>>) -> tensor<1x3x2x3x!nn.q<i8, 0.5 : 3>>
  func.return %hi, %lo : tensor<1x3x2x3x!nn.q<i8, 0.5 : 3>>, tensor<1x3x2x3x!nn.q<i8, 0.5 : 3>>
}
