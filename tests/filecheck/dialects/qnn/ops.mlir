// RUN: stai-opt %s | filecheck %s
// RUN: stai-opt %s --print-op-generic | stai-opt | filecheck %s

// Tensor form: inputs in ins(...), a result.

// CHECK-LABEL: func.func @tensor_form
func.func @tensor_form(%x: tensor<1x4x4x2xi8>, %f: tensor<1x8xf32>) -> (tensor<1x10xi8>, tensor<1x8xf32>) {
  %w = arith.constant dense<1> : tensor<3x1x1x2xi8>
  %b = arith.constant dense<[1, 2, 3]> : tensor<3xi32>
  // CHECK: %y = qnn.conv2d ins(%x, %w, %b : tensor<1x4x4x2xi8>, tensor<3x1x1x2xi8>, tensor<3xi32>) {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, act = array<i32: -128, 127>, params = #qnn.conv_s8<input_offset = 3, output_offset = -1, multipliers = array<i32: 1073741824, 1073741824, 1073741824>, shifts = array<i32: -1, -1, -1>>} -> tensor<1x4x4x3xi8>
  %y = qnn.conv2d ins(%x, %w, %b : tensor<1x4x4x2xi8>, tensor<3x1x1x2xi8>, tensor<3xi32>) {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, act = array<i32: -128, 127>, params = #qnn.conv_s8<input_offset = 3, output_offset = -1, multipliers = array<i32: 1073741824, 1073741824, 1073741824>, shifts = array<i32: -1, -1, -1>>} -> tensor<1x4x4x3xi8>
  // CHECK: %p = qnn.max_pool2d ins(%y : tensor<1x4x4x3xi8>) {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, act = array<i32: -128, 127>} -> tensor<1x2x2x3xi8>
  %p = qnn.max_pool2d ins(%y : tensor<1x4x4x3xi8>) {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, act = array<i32: -128, 127>} -> tensor<1x2x2x3xi8>
  // CHECK: %r = qnn.reshape ins(%p : tensor<1x2x2x3xi8>) {nn.name = "flatten"} -> tensor<1x12xi8>
  %r = qnn.reshape ins(%p : tensor<1x2x2x3xi8>) {nn.name = "flatten"} -> tensor<1x12xi8>
  %fw = arith.constant dense<2> : tensor<10x12xi8>
  %fb = arith.constant dense<0> : tensor<10xi32>
  // CHECK: %o = qnn.fully_connected ins(%r, %fw, %fb : tensor<1x12xi8>, tensor<10x12xi8>, tensor<10xi32>) {act = array<i32: -128, 127>, params = #qnn.fully_connected_s8<input_offset = 1, filter_offset = 0, output_offset = 0, multipliers = array<i32: 1073741824>, shifts = array<i32: 0>>} -> tensor<1x10xi8>
  %o = qnn.fully_connected ins(%r, %fw, %fb : tensor<1x12xi8>, tensor<10x12xi8>, tensor<10xi32>) {act = array<i32: -128, 127>, params = #qnn.fully_connected_s8<input_offset = 1, filter_offset = 0, output_offset = 0, multipliers = array<i32: 1073741824>, shifts = array<i32: 0>>} -> tensor<1x10xi8>
  // CHECK: %c = qnn.concat ins(%o, %o, %o : tensor<1x10xi8>, tensor<1x10xi8>, tensor<1x10xi8>) {axis = 1 : i64} -> tensor<1x30xi8>
  %c = qnn.concat ins(%o, %o, %o : tensor<1x10xi8>, tensor<1x10xi8>, tensor<1x10xi8>) {axis = 1 : i64} -> tensor<1x30xi8>
  // CHECK: %s = qnn.softmax ins(%f : tensor<1x8xf32>) {params = #qnn.softmax_f32<beta = 1.000000e+00>} -> tensor<1x8xf32>
  %s = qnn.softmax ins(%f : tensor<1x8xf32>) {params = #qnn.softmax_f32<beta = 1.0>} -> tensor<1x8xf32>
  // CHECK: %a = qnn.add ins(%s, %f : tensor<1x8xf32>, tensor<1x8xf32>) {act = array<f32: -1.000000e+00, 1.000000e+00>} -> tensor<1x8xf32>
  %a = qnn.add ins(%s, %f : tensor<1x8xf32>, tensor<1x8xf32>) {act = array<f32: -1.0, 1.0>} -> tensor<1x8xf32>
  func.return %o, %a : tensor<1x10xi8>, tensor<1x8xf32>
}

// Buffer form: memref inputs, the output in outs(...), an optional scratch buffer, no result.

// CHECK-LABEL: func.func @buffer_form
func.func @buffer_form(%x: memref<1x4x4x2xi8>, %w: memref<3x1x1x2xi8>, %b: memref<3xi32>, %y: memref<1x4x4x3xi8>, %s: memref<32xi8>, %f: memref<1x8xf32>, %g: memref<1x8xf32>) {
  // CHECK: qnn.conv2d ins(%x, %w, %b : memref<1x4x4x2xi8>, memref<3x1x1x2xi8>, memref<3xi32>) outs(%y : memref<1x4x4x3xi8>) scratch(%s : memref<32xi8>) {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, act = array<i32: -128, 127>, params = #qnn.conv_s8<input_offset = 3, output_offset = -1, multipliers = array<i32: 1073741824, 1073741824, 1073741824>, shifts = array<i32: -1, -1, -1>>}
  // CHECK-NOT: ->
  qnn.conv2d ins(%x, %w, %b : memref<1x4x4x2xi8>, memref<3x1x1x2xi8>, memref<3xi32>) outs(%y : memref<1x4x4x3xi8>) scratch(%s : memref<32xi8>) {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, act = array<i32: -128, 127>, params = #qnn.conv_s8<input_offset = 3, output_offset = -1, multipliers = array<i32: 1073741824, 1073741824, 1073741824>, shifts = array<i32: -1, -1, -1>>}
  // CHECK: qnn.logistic ins(%f : memref<1x8xf32>) outs(%g : memref<1x8xf32>)
  qnn.logistic ins(%f : memref<1x8xf32>) outs(%g : memref<1x8xf32>)
  func.return
}
