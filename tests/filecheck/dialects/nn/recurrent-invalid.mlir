// RUN: stai-opt %s --split-input-file --verify-diagnostics | filecheck %s
//
// Verifier errors of the recurrent nn ops (nn_recurrent.py).

// CHECK: nn.gru: weights must be [3 * units, 5]
func.func @gru_gates(%x: tensor<1x3x5xf32>, %w: tensor<8x5xf32>, %r: tensor<8x2xf32>, %b: tensor<8xf32>) -> tensor<1x2xf32> {
  %g = nn.gru %x, %w, %r, %b, %b {return_sequences = 0 : i64, linear_before_reset = 0 : i64} : (tensor<1x3x5xf32>, tensor<8x5xf32>, tensor<8x2xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<1x2xf32>
  func.return %g : tensor<1x2xf32>
}

// -----

// CHECK: nn.gru: the initial state must be [1, 2]
func.func @gru_initial(%x: tensor<1x3x5xf32>, %w: tensor<6x5xf32>, %r: tensor<6x2xf32>, %b: tensor<6xf32>, %h: tensor<1x3xf32>) -> tensor<1x2xf32> {
  %g = nn.gru %x, %w, %r, %b, %b, %h {return_sequences = 0 : i64, linear_before_reset = 1 : i64} : (tensor<1x3x5xf32>, tensor<6x5xf32>, tensor<6x2xf32>, tensor<6xf32>, tensor<6xf32>, tensor<1x3xf32>) -> tensor<1x2xf32>
  func.return %g : tensor<1x2xf32>
}

// -----

// CHECK: nn.gru: 'linear_before_reset' must be 0 or 1
func.func @gru_flag(%x: tensor<1x3x5xf32>, %w: tensor<6x5xf32>, %r: tensor<6x2xf32>, %b: tensor<6xf32>) -> tensor<1x2xf32> {
  %g = nn.gru %x, %w, %r, %b, %b {return_sequences = 0 : i64, linear_before_reset = 2 : i64} : (tensor<1x3x5xf32>, tensor<6x5xf32>, tensor<6x2xf32>, tensor<6xf32>, tensor<6xf32>) -> tensor<1x2xf32>
  func.return %g : tensor<1x2xf32>
}

// -----

// CHECK: nn.rnn: activation must be one of tanh, relu, sigmoid, linear, got 'elu'
func.func @rnn_activation(%x: tensor<1x3x5xf32>, %w: tensor<2x5xf32>, %r: tensor<2x2xf32>, %b: tensor<2xf32>) -> tensor<1x3x2xf32> {
  %y = nn.rnn %x, %w, %r, %b {return_sequences = 1 : i64, activation = "elu"} : (tensor<1x3x5xf32>, tensor<2x5xf32>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<1x3x2xf32>
  func.return %y : tensor<1x3x2xf32>
}

// -----

// CHECK: nn.rnn: the result must have shape (1, 3, 2)
func.func @rnn_result(%x: tensor<1x3x5xf32>, %w: tensor<2x5xf32>, %r: tensor<2x2xf32>, %b: tensor<2xf32>) -> tensor<1x2xf32> {
  %y = nn.rnn %x, %w, %r, %b {return_sequences = 1 : i64, activation = "tanh"} : (tensor<1x3x5xf32>, tensor<2x5xf32>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<1x2xf32>
  func.return %y : tensor<1x2xf32>
}

// -----

// CHECK: nn.lstm_cell_state: bias must be [8]
func.func @cell_bias(%x: tensor<1x3x5xf32>, %w: tensor<8x5xf32>, %r: tensor<8x2xf32>, %b: tensor<6xf32>) -> tensor<1x2xf32> {
  %c = nn.lstm_cell_state %x, %w, %r, %b : (tensor<1x3x5xf32>, tensor<8x5xf32>, tensor<8x2xf32>, tensor<6xf32>) -> tensor<1x2xf32>
  func.return %c : tensor<1x2xf32>
}
