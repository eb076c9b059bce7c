// RUN: stai-opt %s -p convert-nn-to-qnn | filecheck %s --check-prefix=QNN
// RUN: stai-opt %s -p convert-nn-to-qnn,convert-qnn-to-buf,convert-buf-to-c | stai-translate | filecheck %s --check-prefix=C
//
// Float math functions: every nn op (nn.exp, nn.rsqrt, ...) becomes qnn.math with its
// function's name, and a stai_<function>_f32(in, out, size) call.

// QNN:      %e = qnn.math ins(%x : tensor<2x3xf32>) {function = "exp"} -> tensor<2x3xf32>
// QNN-NEXT: %r = qnn.math ins(%e : tensor<2x3xf32>) {function = "rsqrt"} -> tensor<2x3xf32>
// QNN-NEXT: %c = qnn.math ins(%r : tensor<2x3xf32>) {function = "ceil"} -> tensor<2x3xf32>

// C:      if (stai_exp_f32((float *)stai_network_arena,
// C-NEXT:     (float *)(stai_network_arena + 24),
// C-NEXT:     6) != ARM_CMSIS_NN_SUCCESS) {
// C:      if (stai_rsqrt_f32(
// C:      if (stai_ceil_f32(

func.func @main(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %e = nn.exp %x : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %r = nn.rsqrt %e : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %c = nn.ceil %r : (tensor<2x3xf32>) -> tensor<2x3xf32>
  func.return %c : tensor<2x3xf32>
}
