// RUN: stai-opt %s --split-input-file --verify-diagnostics | filecheck %s
//
// Verifier errors of the nn ops of the Keras frontend.

// CHECK: nn.prelu: alpha does not broadcast to the input's shape
func.func @bad_prelu(%x: tensor<1x4xf32>, %a: tensor<3xf32>) -> tensor<1x4xf32> {
  %p = nn.prelu %x, %a : (tensor<1x4xf32>, tensor<3xf32>) -> tensor<1x4xf32>
  func.return %p : tensor<1x4xf32>
}

// -----

// CHECK: nn.lstm: recurrent weights must be [8, 2]
func.func @bad_lstm(%x: tensor<1x3x5xf32>, %w: tensor<8x5xf32>, %u: tensor<8x3xf32>, %b: tensor<8xf32>) -> tensor<1x2xf32> {
  %l = nn.lstm %x, %w, %u, %b {return_sequences = 0 : i64} : (tensor<1x3x5xf32>, tensor<8x5xf32>, tensor<8x3xf32>, tensor<8xf32>) -> tensor<1x2xf32>
  func.return %l : tensor<1x2xf32>
}

// -----

// CHECK: nn.lstm: the result must have shape (1, 3, 2)
func.func @bad_lstm_result(%x: tensor<1x3x5xf32>, %w: tensor<8x5xf32>, %u: tensor<8x2xf32>, %b: tensor<8xf32>) -> tensor<1x2xf32> {
  %l = nn.lstm %x, %w, %u, %b {return_sequences = 1 : i64} : (tensor<1x3x5xf32>, tensor<8x5xf32>, tensor<8x2xf32>, tensor<8xf32>) -> tensor<1x2xf32>
  func.return %l : tensor<1x2xf32>
}
