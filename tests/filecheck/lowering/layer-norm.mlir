// RUN: stai-opt %s -p convert-nn-to-qnn | filecheck %s --check-prefix=QNN
// RUN: stai-opt %s -p convert-nn-to-qnn,convert-qnn-to-buf,convert-buf-to-c | stai-translate | filecheck %s --check-prefix=C
//
// nn.layer_norm becomes qnn.layer_norm (float only); the call passes the groups (outer),
// the normalized elements (inner), how many gamma/beta values there are, and epsilon.

// QNN:      %y = qnn.layer_norm ins(%x, %g, %b : tensor<2x3x8xf32>, tensor<8xf32>, tensor<8xf32>) {axis = 2 : i64, epsilon = 1.000000e-05 : f32} -> tensor<2x3x8xf32>

// C:      if (stai_layer_norm_f32(
// C-NEXT:     network_layer_norm_gamma,
// C-NEXT:     network_layer_norm_beta,
// C:          6,
// C-NEXT:     8,
// C-NEXT:     8,
// C-NEXT:     9.99999975e-06f) != ARM_CMSIS_NN_SUCCESS) {

func.func @main(%x: tensor<2x3x8xf32>) -> tensor<2x3x8xf32> {
  %g = nn.constant dense<1.5> : tensor<8xf32> -> tensor<8xf32>
  %b = nn.constant dense<0.25> : tensor<8xf32> -> tensor<8xf32>
  %y = nn.layer_norm %x, %g, %b {axis = 2 : i64, epsilon = 1.0e-05 : f32} : (tensor<2x3x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<2x3x8xf32>
  func.return %y : tensor<2x3x8xf32>
}
