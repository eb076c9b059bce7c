// RUN: stai-opt %s -p convert-nn-to-qnn | filecheck %s --check-prefix=QNN
// RUN: stai-opt %s -p convert-nn-to-qnn,convert-qnn-to-buf,convert-buf-to-c | stai-translate | filecheck %s --check-prefix=C
//
// nn.l2_normalization becomes qnn.l2_normalization: int8 with the input's quantization
// (the kernel reads its zero point; the output is in 1/128 units), float with none. The C
// call passes the rows and their depth (the last axis). nn.l2_pool2d (float) becomes
// qnn.l2_pool2d with the pools' geometry and clamp, called as stai_avgpool_f32 is.

// QNN:      %y = qnn.l2_normalization ins(%a : tensor<2x3x6xi8>) {params = #qnn.quantization<scale = 2.000000e-02, zero_point = -3>} -> tensor<2x3x6xi8>
// QNN-NEXT: %z = qnn.l2_normalization ins(%f : tensor<4x5xf32>) -> tensor<4x5xf32>
// QNN-NEXT: %p = qnn.l2_pool2d ins(%g : tensor<1x4x6x3xf32>) {kernel = array<i64: 2, 3>, strides = array<i64: 2, 3>, pads = array<i64: 0, 0, 0, 0>, act = array<f32: 0.000000e+00, 6.000000e+00>} -> tensor<1x2x2x3xf32>

// C:      if (stai_l2_normalization_s8((int8_t *)
// C-NEXT:     (int8_t *)
// C-NEXT:     6,
// C-NEXT:     6,
// C-NEXT:     -3) != ARM_CMSIS_NN_SUCCESS) {
// C:      if (stai_l2_normalization_f32((float *)
// C-NEXT:     (float *)
// C-NEXT:     4,
// C-NEXT:     5) != ARM_CMSIS_NN_SUCCESS) {
// C:      if (stai_l2_pool_f32(&pool_params,
// C-NEXT:     &input_dims,
// C-NEXT:     (float *)
// C-NEXT:     &filter_dims,
// C-NEXT:     &output_dims,
// C-NEXT:     (float *)

func.func @main(%a: tensor<2x3x6x!nn.q<i8, 0.02 : -3>>, %f: tensor<4x5xf32>, %g: tensor<1x4x6x3xf32>) -> (tensor<2x3x6x!nn.q<i8, 0.0078125 : 0>>, tensor<4x5xf32>, tensor<1x2x2x3xf32>) {
  %y = nn.l2_normalization %a : (tensor<2x3x6x!nn.q<i8, 0.02 : -3>>) -> tensor<2x3x6x!nn.q<i8, 0.0078125 : 0>>
  %z = nn.l2_normalization %f : (tensor<4x5xf32>) -> tensor<4x5xf32>
  %p = nn.l2_pool2d %g {kernel = array<i64: 2, 3>, strides = array<i64: 2, 3>, pads = array<i64: 0, 0, 0, 0>, activation = "relu6"} : (tensor<1x4x6x3xf32>) -> tensor<1x2x2x3xf32>
  func.return %y, %z, %p : tensor<2x3x6x!nn.q<i8, 0.0078125 : 0>>, tensor<4x5xf32>, tensor<1x2x2x3xf32>
}
