// RUN: stai-opt %s --split-input-file --parsing-diagnostics --verify-diagnostics | filecheck %s
//
// Kernel parameter attributes (#qnn.<family><...>) that do not parse or do not verify.

// Every field, in the declared order.
func.func @f(%x: tensor<1x8xi8>) -> tensor<1x8xi8> {
  %y = qnn.softmax ins(%x : tensor<1x8xi8>) {params = #qnn.softmax_s8<multiplier = 1>} -> tensor<1x8xi8>
  func.return %y : tensor<1x8xi8>
}
// CHECK: Expected ',' before 'shift' in qnn.softmax_s8

// -----

func.func @f(%x: tensor<1x8xi8>) -> tensor<1x8xi8> {
  %y = qnn.softmax ins(%x : tensor<1x8xi8>) {params = #qnn.softmax_s8<shift = 0, multiplier = 1, diff_min = 0>} -> tensor<1x8xi8>
  func.return %y : tensor<1x8xi8>
}
// CHECK: Expected 'multiplier' (field 1 of qnn.softmax_s8)

// -----

func.func @f(%x: tensor<1x8xi8>) -> tensor<1x8xi8> {
  %y = qnn.softmax ins(%x : tensor<1x8xi8>) {params = #qnn.softmax_s8<multiplier = 2147483648, shift = 0, diff_min = 0>} -> tensor<1x8xi8>
  func.return %y : tensor<1x8xi8>
}
// CHECK: qnn.softmax_s8 'multiplier': 2147483648 does not fit in i32

// -----

func.func @f(%x: tensor<2x8xf32>, %w: tensor<4x8xi8>, %b: tensor<4xf32>) -> tensor<2x4xf32> {
  %y = qnn.hybrid_fully_connected ins(%x, %w, %b : tensor<2x8xf32>, tensor<4x8xi8>, tensor<4xf32>) {act = array<f32: -1.0, 1.0>, params = #qnn.hybrid_fully_connected<filter_scales = array<i32: 1>, asymmetric_inputs = 0>} -> tensor<2x4xf32>
  func.return %y : tensor<2x4xf32>
}
// CHECK: qnn.hybrid_fully_connected 'filter_scales': expected array<f32: ...>

// -----

// Per-channel multipliers and shifts come in pairs.
func.func @f(%x: tensor<1x4x4x2xi8>, %w: tensor<2x1x1x2xi8>, %b: tensor<2xi32>) -> tensor<1x4x4x2xi8> {
  %y = qnn.conv2d ins(%x, %w, %b : tensor<1x4x4x2xi8>, tensor<2x1x1x2xi8>, tensor<2xi32>) {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, act = array<i32: -128, 127>, params = #qnn.conv_s8<input_offset = 0, output_offset = 0, multipliers = array<i32: 1073741824, 1073741824>, shifts = array<i32: 0>>} -> tensor<1x4x4x2xi8>
  func.return %y : tensor<1x4x4x2xi8>
}
// CHECK: qnn.conv_s8: expected as many values in multipliers (2), shifts (1)

// -----

func.func @f(%x: tensor<2x8xf32>, %w: tensor<4x8xi8>, %b: tensor<4xf32>) -> tensor<2x4xf32> {
  %y = qnn.hybrid_fully_connected ins(%x, %w, %b : tensor<2x8xf32>, tensor<4x8xi8>, tensor<4xf32>) {act = array<f32: -1.0, 1.0>, params = #qnn.hybrid_fully_connected<filter_scales = array<f32: 0.5>, asymmetric_inputs = 2>} -> tensor<2x4xf32>
  func.return %y : tensor<2x4xf32>
}
// CHECK: qnn.hybrid_fully_connected: 'asymmetric_inputs' must be 0 or 1
