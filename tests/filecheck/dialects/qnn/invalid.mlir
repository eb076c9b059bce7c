// RUN: stai-opt %s --split-input-file --verify-diagnostics | filecheck %s

func.func @f(%x: tensor<1x8xi8>) -> tensor<1x8xi8> {
  %y = qnn.softmax ins(%x : tensor<1x8xi8>) -> tensor<1x8xi8>
  func.return %y : tensor<1x8xi8>
}
// CHECK: Operation does not verify: qnn.softmax: expected s8 parameters #qnn.softmax_s8<...>, got none

// -----

func.func @f(%x: tensor<1x8xi8>) -> tensor<1x8xi8> {
  %y = qnn.softmax ins(%x : tensor<1x8xi8>) {params = #qnn.softmax_f32<beta = 1.0>} -> tensor<1x8xi8>
  func.return %y : tensor<1x8xi8>
}
// CHECK: Operation does not verify: qnn.softmax: expected s8 parameters #qnn.softmax_s8<...>, got #qnn.softmax_f32

// -----

func.func @f(%x: tensor<1x8xf32>) -> tensor<1x8xf32> {
  %y = qnn.logistic ins(%x : tensor<1x8xf32>) {params = #qnn.softmax_f32<beta = 1.0>} -> tensor<1x8xf32>
  func.return %y : tensor<1x8xf32>
}
// CHECK: Operation does not verify: qnn.logistic: the f32 kernel takes no parameters

// -----

func.func @f(%x: tensor<1x8xi8>) -> tensor<1x8xi8> {
  %y = qnn.swish ins(%x : tensor<1x8xi8>) -> tensor<1x8xi8>
  func.return %y : tensor<1x8xi8>
}
// CHECK: Operation does not verify: qnn.swish: no kernel for element kind 's8'

// -----

func.func @f(%x: tensor<1x4x4x2xi8>) -> tensor<1x2x2x2xi8> {
  %y = qnn.max_pool2d ins(%x : tensor<1x4x4x2xi8>) {strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, act = array<i32: -128, 127>} -> tensor<1x2x2x2xi8>
  func.return %y : tensor<1x2x2x2xi8>
}
// CHECK: Operation does not verify: qnn.max_pool2d: missing property 'kernel'

// -----

func.func @f(%x: tensor<1x8xi8>, %y: tensor<1x8xi8>) -> tensor<1x8xi8> {
  %z = qnn.clamp ins(%x : tensor<1x8xi8>) {params = #qnn.requantize_s8<input_offset = 0, output_offset = 0, multiplier = 1, shift = 0>} -> tensor<1x8xi8>
  func.return %z : tensor<1x8xi8>
}
// CHECK: Operation does not verify: qnn.clamp: missing clamp range 'act'

// -----

func.func @f(%x: memref<1x8xf32>, %y: memref<1x8xf32>) {
  %z = qnn.logistic ins(%x : memref<1x8xf32>) outs(%y : memref<1x8xf32>) -> memref<1x8xf32>
  func.return
}
// CHECK: Operation does not verify: qnn.logistic: expected either a result or an outs() buffer

// -----

func.func @f(%x: memref<1x8xf32>) {
  qnn.logistic ins(%x : memref<1x8xf32>)
  func.return
}
// CHECK: Operation does not verify: qnn.logistic: expected either a result or an outs() buffer

// -----

func.func @f(%x: tensor<1x8xf32>) -> tensor<1x8xf32> {
  %y = qnn.add ins(%x : tensor<1x8xf32>) {act = array<f32: -1.0, 1.0>} -> tensor<1x8xf32>
  func.return %y : tensor<1x8xf32>
}
// CHECK: Operation does not verify: qnn.add: expected 2 inputs, got 1

// -----

func.func @f(%x: tensor<1x8xf32>) -> tensor<1x8xf32> {
  %y = qnn.logistic ins(%x, %x : tensor<1x8xf32>, tensor<1x8xf32>) -> tensor<1x8xf32>
  func.return %y : tensor<1x8xf32>
}
// CHECK: Operation does not verify: qnn.logistic: expected 1 inputs, got 2

// -----

func.func @f(%x: tensor<1x8xf32>, %y: memref<1x8xf32>) {
  qnn.logistic ins(%x : tensor<1x8xf32>) outs(%y : memref<1x8xf32>)
  func.return
}
// CHECK: Operation does not verify: qnn.logistic: operands must all be memrefs in this form

// -----

func.func @f(%x: tensor<1x8xf32>, %s: memref<4xi8>) -> tensor<1x8xf32> {
  %y = qnn.logistic ins(%x : tensor<1x8xf32>) scratch(%s : memref<4xi8>) -> tensor<1x8xf32>
  func.return %y : tensor<1x8xf32>
}
// CHECK: Operation does not verify: qnn.logistic: scratch buffers exist only in buffer form

// -----

func.func @f(%x: tensor<1x8xi32>) -> tensor<1x8xi32> {
  %y = qnn.logistic ins(%x : tensor<1x8xi32>) -> tensor<1x8xi32>
  func.return %y : tensor<1x8xi32>
}
// CHECK: Operation does not verify: qnn.logistic: no kernel for element kind 's32'
