// RUN: stai-opt %s -p convert-nn-to-qnn | filecheck %s --check-prefix=QNN
// RUN: stai-opt %s -p convert-nn-to-qnn,convert-qnn-to-buf | filecheck %s --check-prefix=BUF
// RUN: stai-opt %s -p convert-nn-to-qnn,convert-qnn-to-buf,convert-buf-to-c | stai-translate | filecheck %s --check-prefix=C
//
// The recurrent ops besides nn.lstm: a GRU from a given initial state (every step), a
// simple RNN (relu, the last step, no initial state: NULL) and an LSTM's final cell
// state. Their states live in a scratch buffer: 3 * units floats (GRU, LSTM), 2 * units
// (RNN).

// QNN:      %g = qnn.gru ins(%x, %w, %r, %b, %rb, %h0 : tensor<1x4x3xf32>, tensor<6x3xf32>, tensor<6x2xf32>, tensor<6xf32>, tensor<6xf32>, tensor<1x2xf32>) {return_sequences = 1 : i64, linear_before_reset = 1 : i64} -> tensor<1x4x2xf32>
// QNN:      %s = qnn.rnn ins(%g, %rw, %rr, %rbias : tensor<1x4x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>, tensor<2xf32>) {return_sequences = 0 : i64, activation = "relu"} -> tensor<1x2xf32>
// QNN:      %c = qnn.lstm_cell_state ins(%g, %lw, %lr, %lb : tensor<1x4x2xf32>, tensor<8x2xf32>, tensor<8x2xf32>, tensor<8xf32>) {return_sequences = 0 : i64} -> tensor<1x2xf32>

// BUF:      qnn.gru ins({{.*}}) outs(%g : memref<1x4x2xf32>) scratch(%{{.*}} : memref<24xi8>)
// BUF:      qnn.rnn ins({{.*}}) outs(%s : memref<1x2xf32>) scratch(%{{.*}} : memref<16xi8>)
// BUF:      qnn.lstm_cell_state ins({{.*}}) outs(%c : memref<1x2xf32>) scratch(%{{.*}} : memref<24xi8>)

// C:      #include "stai_kernels.h"
// C:      static const stai_gru_params_f32 gru_params = {
// C-NEXT:     .units = 2,
// C-NEXT:     .return_sequences = 1,
// C-NEXT:     .linear_before_reset = 1,
// C:      stai_gru_f32(&gru_params,
// C:      network_gru_bias,
// C-NEXT: network_gru_recurrent_bias,
// C-NEXT: (float *)(stai_network_arena + {{[0-9]+}}),
// C-NEXT: (float *)(void *)(stai_network_arena + {{[0-9]+}}),
// C:      static const stai_rnn_params_f32 rnn_params = {
// C-NEXT:     .units = 2,
// C-NEXT:     .return_sequences = 0,
// C-NEXT:     .activation = 1,
// C:      stai_rnn_f32(&rnn_params,
// C:      network_rnn_bias,
// C-NEXT: NULL,
// C:      static const stai_lstm_params_f32 lstm_params = {.units = 2, .return_sequences = 0};
// C:      stai_lstm_cell_state_f32(&lstm_params,

func.func @main(%x: tensor<1x4x3xf32>, %h0: tensor<1x2xf32>) -> (tensor<1x2xf32>, tensor<1x2xf32>) {
  %w = nn.constant dense<0.5> : tensor<6x3xf32> -> tensor<6x3xf32>
  %r = nn.constant dense<-0.25> : tensor<6x2xf32> -> tensor<6x2xf32>
  %b = nn.constant dense<0.125> : tensor<6xf32> -> tensor<6xf32>
  %rb = nn.constant dense<0.0625> : tensor<6xf32> -> tensor<6xf32>
  %g = nn.gru %x, %w, %r, %b, %rb, %h0 {return_sequences = 1 : i64, linear_before_reset = 1 : i64} : (tensor<1x4x3xf32>, tensor<6x3xf32>, tensor<6x2xf32>, tensor<6xf32>, tensor<6xf32>, tensor<1x2xf32>) -> tensor<1x4x2xf32>
  %rw = nn.constant dense<0.5> : tensor<2x2xf32> -> tensor<2x2xf32>
  %rr = nn.constant dense<0.25> : tensor<2x2xf32> -> tensor<2x2xf32>
  %rbias = nn.constant dense<0.5> : tensor<2xf32> -> tensor<2xf32>
  %s = nn.rnn %g, %rw, %rr, %rbias {return_sequences = 0 : i64, activation = "relu"} : (tensor<1x4x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<1x2xf32>
  %lw = nn.constant dense<0.5> : tensor<8x2xf32> -> tensor<8x2xf32>
  %lr = nn.constant dense<-0.5> : tensor<8x2xf32> -> tensor<8x2xf32>
  %lb = nn.constant dense<0.25> : tensor<8xf32> -> tensor<8xf32>
  %c = nn.lstm_cell_state %g, %lw, %lr, %lb : (tensor<1x4x2xf32>, tensor<8x2xf32>, tensor<8x2xf32>, tensor<8xf32>) -> tensor<1x2xf32>
  func.return %s, %c : tensor<1x2xf32>, tensor<1x2xf32>
}
