// RUN: stai-opt %s -p convert-nn-to-qnn | filecheck %s --check-prefix=QNN
// RUN: stai-opt %s -p convert-nn-to-qnn,convert-qnn-to-buf,convert-buf-to-c | stai-translate | filecheck %s --check-prefix=C
//
// Sin, cos, round and elu are float math functions (qnn.math); log-softmax is
// qnn.log_softmax over the last axis (rows x depth).

// QNN:      %s = qnn.math ins(%x : tensor<3x8xf32>) {function = "sin"} -> tensor<3x8xf32>
// QNN-NEXT: %r = qnn.math ins(%s : tensor<3x8xf32>) {function = "round"} -> tensor<3x8xf32>
// QNN-NEXT: %e = qnn.math ins(%r : tensor<3x8xf32>) {function = "elu"} -> tensor<3x8xf32>
// QNN-NEXT: %l = qnn.log_softmax ins(%e : tensor<3x8xf32>) -> tensor<3x8xf32>

// C:      if (stai_sin_f32(
// C:      if (stai_round_f32(
// C:      if (stai_elu_f32(
// C:      if (stai_log_softmax_f32(
// C-NEXT:     (float *)
// C-NEXT:     3,
// C-NEXT:     8) != ARM_CMSIS_NN_SUCCESS) {

func.func @main(%x: tensor<3x8xf32>) -> tensor<3x8xf32> {
  %s = nn.sin %x : (tensor<3x8xf32>) -> tensor<3x8xf32>
  %r = nn.round %s : (tensor<3x8xf32>) -> tensor<3x8xf32>
  %e = nn.elu %r : (tensor<3x8xf32>) -> tensor<3x8xf32>
  %l = nn.log_softmax %e : (tensor<3x8xf32>) -> tensor<3x8xf32>
  func.return %l : tensor<3x8xf32>
}
