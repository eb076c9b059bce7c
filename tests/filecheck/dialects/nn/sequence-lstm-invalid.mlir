// RUN: stai-opt %s --split-input-file --verify-diagnostics | filecheck %s

// nn.sequence_lstm checks its shapes, its element types (float, int8 with int32 biases,
// 16x8 with int64 biases) and that the quantized forms say their states' quantization.

// CHECK: nn.sequence_lstm: weights must be [4 * 2, 3]
func.func @weights(%x: tensor<1x4x3xf32>, %w: tensor<8x2xf32>, %r: tensor<8x2xf32>, %b: tensor<8xf32>) -> tensor<1x4x2xf32> {
  %y = nn.sequence_lstm %x, %w, %r, %b {variable = "lstm", time_major = 0 : i64, cell_clip = 0.0 : f32} : (tensor<1x4x3xf32>, tensor<8x2xf32>, tensor<8x2xf32>, tensor<8xf32>) -> tensor<1x4x2xf32>
  func.return %y : tensor<1x4x2xf32>
}

// -----

// CHECK: nn.sequence_lstm: the result must have shape (4, 1, 2)
func.func @time_major(%x: tensor<4x1x3xf32>, %w: tensor<8x3xf32>, %r: tensor<8x2xf32>, %b: tensor<8xf32>) -> tensor<1x4x2xf32> {
  %y = nn.sequence_lstm %x, %w, %r, %b {variable = "lstm", time_major = 1 : i64, cell_clip = 0.0 : f32} : (tensor<4x1x3xf32>, tensor<8x3xf32>, tensor<8x2xf32>, tensor<8xf32>) -> tensor<1x4x2xf32>
  func.return %y : tensor<1x4x2xf32>
}

// -----

// CHECK: nn.sequence_lstm: the f32 form takes no 'hidden_scale'
func.func @float_scale(%x: tensor<1x4x3xf32>, %w: tensor<8x3xf32>, %r: tensor<8x2xf32>, %b: tensor<8xf32>) -> tensor<1x4x2xf32> {
  %y = nn.sequence_lstm %x, %w, %r, %b {variable = "lstm", time_major = 0 : i64, cell_clip = 0.0 : f32, hidden_scale = 0.5 : f32} : (tensor<1x4x3xf32>, tensor<8x3xf32>, tensor<8x2xf32>, tensor<8xf32>) -> tensor<1x4x2xf32>
  func.return %y : tensor<1x4x2xf32>
}

// -----

// CHECK: nn.sequence_lstm: the s8 form needs 'cell_scale'
func.func @int8_cell(%x: tensor<1x4x3x!nn.q<i8, 0.5 : 0>>, %w: tensor<8x3x!nn.q<i8, 0.5 : 0>>, %r: tensor<8x2x!nn.q<i8, 0.5 : 0>>, %b: tensor<8x!nn.q<i32, 0.25 : 0>>) -> tensor<1x4x2x!nn.q<i8, 0.5 : 0>> {
  %y = nn.sequence_lstm %x, %w, %r, %b {variable = "lstm", time_major = 0 : i64, cell_clip = 0.0 : f32, hidden_scale = 0.5 : f32, hidden_zero_point = 0 : i64} : (tensor<1x4x3x!nn.q<i8, 0.5 : 0>>, tensor<8x3x!nn.q<i8, 0.5 : 0>>, tensor<8x2x!nn.q<i8, 0.5 : 0>>, tensor<8x!nn.q<i32, 0.25 : 0>>) -> tensor<1x4x2x!nn.q<i8, 0.5 : 0>>
  func.return %y : tensor<1x4x2x!nn.q<i8, 0.5 : 0>>
}

// -----

// CHECK: nn.sequence_lstm: expected float, int8 (int8 weights, int32 bias) or 16x8 (int8 weights, int64 bias) operands
func.func @int16_bias(%x: tensor<1x4x3x!nn.q<i16, 0.5 : 0>>, %w: tensor<8x3x!nn.q<i8, 0.5 : 0>>, %r: tensor<8x2x!nn.q<i8, 0.5 : 0>>, %b: tensor<8x!nn.q<i32, 0.25 : 0>>) -> tensor<1x4x2x!nn.q<i16, 0.5 : 0>> {
  %y = nn.sequence_lstm %x, %w, %r, %b {variable = "lstm", time_major = 0 : i64, cell_clip = 0.0 : f32, hidden_scale = 0.5 : f32, hidden_zero_point = 0 : i64, cell_scale = 0.5 : f32} : (tensor<1x4x3x!nn.q<i16, 0.5 : 0>>, tensor<8x3x!nn.q<i8, 0.5 : 0>>, tensor<8x2x!nn.q<i8, 0.5 : 0>>, tensor<8x!nn.q<i32, 0.25 : 0>>) -> tensor<1x4x2x!nn.q<i16, 0.5 : 0>>
  func.return %y : tensor<1x4x2x!nn.q<i16, 0.5 : 0>>
}
