// RUN: stai-opt %s --split-input-file --verify-diagnostics | filecheck %s

// qnn.sequence_lstm: the tensor form prints back as parsed; the integer kernels need their
// 28 'quant' values; the state variable holds the bytes of c (int16) and h (int8).

// CHECK:      %y = qnn.sequence_lstm ins(%x, %w, %r, %b : tensor<1x2x3xi8>, tensor<8x3xi8>, tensor<8x2xi8>, tensor<8xi32>)
// CHECK-SAME: {variable = "lstm", initial = dense<[0, 0, 0, 0, 1, 1]> : tensor<6xi8>, time_major = 0 : i64, quant = array<i32: -5, 3, -3, 1073741824, -14, 1073741824, -18, 1073741824, -22, 1024, 0, 1, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0>} -> tensor<1x2x2xi8>
func.func @ok(%x: tensor<1x2x3xi8>, %w: tensor<8x3xi8>, %r: tensor<8x2xi8>, %b: tensor<8xi32>) -> tensor<1x2x2xi8> {
  %y = qnn.sequence_lstm ins(%x, %w, %r, %b : tensor<1x2x3xi8>, tensor<8x3xi8>, tensor<8x2xi8>, tensor<8xi32>) {variable = "lstm", initial = dense<[0, 0, 0, 0, 1, 1]> : tensor<6xi8>, time_major = 0 : i64, quant = array<i32: -5, 3, -3, 1073741824, -14, 1073741824, -18, 1073741824, -22, 1024, 0, 1, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0>} -> tensor<1x2x2xi8>
  func.return %y : tensor<1x2x2xi8>
}

// -----

// CHECK: qnn.sequence_lstm: the integer kernels need 28 'quant' values
func.func @quant(%x: tensor<1x2x3xi8>, %w: tensor<8x3xi8>, %r: tensor<8x2xi8>, %b: tensor<8xi32>) -> tensor<1x2x2xi8> {
  %y = qnn.sequence_lstm ins(%x, %w, %r, %b : tensor<1x2x3xi8>, tensor<8x3xi8>, tensor<8x2xi8>, tensor<8xi32>) {variable = "lstm", initial = dense<0> : tensor<6xi8>, time_major = 0 : i64, quant = array<i32: 1, 2>} -> tensor<1x2x2xi8>
  func.return %y : tensor<1x2x2xi8>
}

// -----

// CHECK: qnn.sequence_lstm: the state must be the bytes of c and h
func.func @state(%x: tensor<1x2x3xf32>, %w: tensor<8x3xf32>, %r: tensor<8x2xf32>, %b: tensor<8xf32>) -> tensor<1x2x2xf32> {
  %y = qnn.sequence_lstm ins(%x, %w, %r, %b : tensor<1x2x3xf32>, tensor<8x3xf32>, tensor<8x2xf32>, tensor<8xf32>) {variable = "lstm", initial = dense<0> : tensor<6xi8>, time_major = 0 : i64, cell_clip = 0.0 : f32} -> tensor<1x2x2xf32>
  func.return %y : tensor<1x2x2xf32>
}
