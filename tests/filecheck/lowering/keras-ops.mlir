// RUN: stai-opt %s -p convert-nn-to-qnn | filecheck %s --check-prefix=QNN
// RUN: stai-opt %s -p convert-nn-to-qnn,convert-qnn-to-buf | filecheck %s --check-prefix=BUF
// RUN: stai-opt %s -p convert-nn-to-qnn,convert-qnn-to-buf,convert-buf-to-c | stai-translate | filecheck %s --check-prefix=C
//
// The float-only ops the Keras frontend adds: swish, hard sigmoid, prelu (alpha broadcast
// from [1, 1, C]) and a stateless LSTM (its states live in a scratch buffer of 3 * units
// floats).

// QNN:      %s = qnn.swish ins(%x : tensor<1x2x2x3xf32>) -> tensor<1x2x2x3xf32>
// QNN-NEXT: %hs = qnn.hard_sigmoid ins(%s : tensor<1x2x2x3xf32>) {params = #qnn.hard_sigmoid_f32<alpha = 0.166666672, beta = 5.000000e-01>} -> tensor<1x2x2x3xf32>
// QNN-NEXT: %a = arith.constant dense<[[[2.500000e-01, 5.000000e-01, 7.500000e-01]]]> : tensor<1x1x3xf32>
// QNN-NEXT: %p = qnn.prelu ins(%hs, %a : tensor<1x2x2x3xf32>, tensor<1x1x3xf32>) -> tensor<1x2x2x3xf32>
// QNN:      %l = qnn.lstm ins(%r, %w, %u, %b : tensor<1x4x3xf32>, tensor<8x3xf32>, tensor<8x2xf32>, tensor<8xf32>) {return_sequences = 0 : i64} -> tensor<1x2xf32>

// BUF:      %scratch = buf.view %arena[{{[0-9]+}}] {lifetime = array<i64: 3, 3>, role = "scratch"} : memref<{{[0-9]+}}xi8> -> memref<24xi8>
// BUF-NEXT: qnn.lstm ins(%r, %w, %u, %b : memref<1x4x3xf32>, memref<8x3xf32>, memref<8x2xf32>, memref<8xf32>) outs(%l : memref<1x2xf32>) scratch(%scratch : memref<24xi8>)

// C:      stai_swish_f32(
// C:      stai_hard_sigmoid_f32(
// C:      0.166666672f,
// C-NEXT: 0.5f)
// C:      static const cmsis_nn_dims alpha_dims = {.n = 1, .h = 1, .w = 1, .c = 3};
// C:      stai_prelu_f32(
// C:      static const stai_lstm_params_f32 lstm_params = {.units = 2, .return_sequences = 0};
// C:      static const cmsis_nn_dims input_dims = {.n = 1, .h = 1, .w = 4, .c = 3};
// C:      stai_lstm_f32(&lstm_params,
// C:      network_lstm_weights,
// C-NEXT: network_lstm_recurrent,
// C-NEXT: network_lstm_bias,
// C-NEXT: (float *)(void *)stai_network_arena,

func.func @main(%x: tensor<1x2x2x3xf32>) -> tensor<1x2xf32> {
  %s = nn.swish %x : (tensor<1x2x2x3xf32>) -> tensor<1x2x2x3xf32>
  %hs = nn.hard_sigmoid %s {alpha = 0.16666667 : f32, beta = 0.5 : f32} : (tensor<1x2x2x3xf32>) -> tensor<1x2x2x3xf32>
  %a = nn.constant dense<[[[0.25, 0.5, 0.75]]]> : tensor<1x1x3xf32> -> tensor<1x1x3xf32>
  %p = nn.prelu %hs, %a : (tensor<1x2x2x3xf32>, tensor<1x1x3xf32>) -> tensor<1x2x2x3xf32>
  %r = nn.reshape %p : (tensor<1x2x2x3xf32>) -> tensor<1x4x3xf32>
  %w = nn.constant dense<0.5> : tensor<8x3xf32> -> tensor<8x3xf32>
  %u = nn.constant dense<-0.25> : tensor<8x2xf32> -> tensor<8x2xf32>
  %b = nn.constant dense<0.125> : tensor<8xf32> -> tensor<8xf32>
  %l = nn.lstm %r, %w, %u, %b {return_sequences = 0 : i64} : (tensor<1x4x3xf32>, tensor<8x3xf32>, tensor<8x2xf32>, tensor<8xf32>) -> tensor<1x2xf32>
  func.return %l : tensor<1x2xf32>
}
