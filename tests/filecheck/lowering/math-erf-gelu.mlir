// RUN: stai-opt %s -p convert-nn-to-qnn | filecheck %s --check-prefix=QNN
// RUN: stai-opt %s -p convert-nn-to-qnn,convert-qnn-to-buf,convert-buf-to-c | stai-translate | filecheck %s --check-prefix=C
//
// Erf and the two GELUs are float math functions: qnn.math with their names, and
// stai_erf_f32, stai_gelu_f32, stai_gelu_tanh_f32 calls.

// QNN:      %e = qnn.math ins(%x : tensor<4x8xf32>) {function = "erf"} -> tensor<4x8xf32>
// QNN-NEXT: %g = qnn.math ins(%e : tensor<4x8xf32>) {function = "gelu"} -> tensor<4x8xf32>
// QNN-NEXT: %t = qnn.math ins(%g : tensor<4x8xf32>) {function = "gelu_tanh"} -> tensor<4x8xf32>

// C:      if (stai_erf_f32(
// C:      if (stai_gelu_f32(
// C:      if (stai_gelu_tanh_f32(

func.func @main(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %e = nn.erf %x : (tensor<4x8xf32>) -> tensor<4x8xf32>
  %g = nn.gelu %e : (tensor<4x8xf32>) -> tensor<4x8xf32>
  %t = nn.gelu_tanh %g : (tensor<4x8xf32>) -> tensor<4x8xf32>
  func.return %t : tensor<4x8xf32>
}
