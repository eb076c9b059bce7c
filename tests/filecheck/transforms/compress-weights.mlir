// RUN: stai-opt %s -p 'compress-weights{factor=8}' | filecheck %s
// RUN: stai-opt %s -p 'compress-weights{factor=4}' | filecheck %s --check-prefix=X4

// A float fully connected layer with 3 distinct weight values: 16 centroids (the three
// values, the last repeated), 4-bit indices packed two per byte (6 weights -> 3 bytes).
// CHECK-LABEL: func.func @fc
// CHECK:         %{{.*}} = arith.constant dense<[-1.000000e+00, 5.000000e-01, 2.000000e+00, 2.000000e+00, 2.000000e+00, 2.000000e+00, 2.000000e+00, 2.000000e+00, 2.000000e+00, 2.000000e+00, 2.000000e+00, 2.000000e+00, 2.000000e+00, 2.000000e+00, 2.000000e+00, 2.000000e+00]> : tensor<16xf32>
// CHECK-NEXT:    %{{.*}} = arith.constant dense<[1, 33, 2]> : tensor<3xi8>
// CHECK-NEXT:    %y = qnn.fully_connected_codebook ins(%x, %{{.*}}, %{{.*}}, %b : tensor<1x3xf32>, tensor<16xf32>, tensor<3xi8>, tensor<2xf32>) {nn.name = "dense_1", act = array<f32: 0.000000e+00, 6.000000e+00>, weight_shape = array<i64: 2, 3>, index_bits = 4 : i64} -> tensor<1x2xf32>
// CHECK-NOT:     qnn.fully_connected ins
// X4:            tensor<256xf32>
// X4:            arith.constant dense<[1, 0, 1, 2, 2, 0]> : tensor<6xi8>
// X4:            index_bits = 8 : i64
func.func @fc(%x: tensor<1x3xf32>) -> tensor<1x2xf32> {
  %w = arith.constant dense<[[0.5, -1.0, 0.5], [2.0, 2.0, -1.0]]> : tensor<2x3xf32>
  %b = arith.constant dense<[0.25, -0.25]> : tensor<2xf32>
  %y = qnn.fully_connected ins(%x, %w, %b : tensor<1x3xf32>, tensor<2x3xf32>, tensor<2xf32>) {nn.name = "dense_1", act = array<f32: 0.0, 6.0>} -> tensor<1x2xf32>
  func.return %y : tensor<1x2xf32>
}

// An int8 conv2d with 3 distinct weight values: an i8 codebook (the three values, the last
// repeated), the [out_c, kh, kw, in_c] filter flattened then packed (6 weights -> 3 bytes),
// the conv parameters kept. The depthwise convolution is left as it is.
// CHECK-LABEL: func.func @conv
// CHECK:         %{{.*}} = arith.constant dense<[-3, 5, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7]> : tensor<16xi8>
// CHECK-NEXT:    %{{.*}} = arith.constant dense<[1, 33, 0]> : tensor<3xi8>
// CHECK-NEXT:    %y = qnn.conv2d_codebook ins(%x, %{{.*}}, %{{.*}}, %b : tensor<1x4x4x2xi8>, tensor<16xi8>, tensor<3xi8>, tensor<3xi32>) {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, act = array<i32: -128, 127>, params = #qnn.conv_s8<input_offset = 3, output_offset = -1, multipliers = array<i32: 1073741824, 1073741824, 1073741824>, shifts = array<i32: -1, -1, -1>>, weight_shape = array<i64: 3, 1, 1, 2>, index_bits = 4 : i64} -> tensor<1x4x4x3xi8>
// CHECK-NOT:     qnn.conv2d ins
// CHECK:         %z = qnn.depthwise_conv2d ins(%y, %dw, %db
// X4-LABEL:      func.func @conv
// X4:            arith.constant dense<[1, 0, 1, 2, 0, 0]> : tensor<6xi8>
// X4:            qnn.conv2d_codebook {{.*}} index_bits = 8 : i64
func.func @conv(%x: tensor<1x4x4x2xi8>) -> tensor<1x4x4x3xi8> {
  %w = arith.constant dense<[[[[5, -3]]], [[[5, 7]]], [[[-3, -3]]]]> : tensor<3x1x1x2xi8>
  %b = arith.constant dense<[1, 2, 3]> : tensor<3xi32>
  %y = qnn.conv2d ins(%x, %w, %b : tensor<1x4x4x2xi8>, tensor<3x1x1x2xi8>, tensor<3xi32>) {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, act = array<i32: -128, 127>, params = #qnn.conv_s8<input_offset = 3, output_offset = -1, multipliers = array<i32: 1073741824, 1073741824, 1073741824>, shifts = array<i32: -1, -1, -1>>} -> tensor<1x4x4x3xi8>
  %dw = arith.constant dense<[[[[1, 2, 3]]]]> : tensor<1x1x1x3xi8>
  %db = arith.constant dense<[0, 0, 0]> : tensor<3xi32>
  %z = qnn.depthwise_conv2d ins(%y, %dw, %db : tensor<1x4x4x3xi8>, tensor<1x1x1x3xi8>, tensor<3xi32>) {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, depth_multiplier = 1 : i64, act = array<i32: -128, 127>, params = #qnn.conv_s8<input_offset = 1, output_offset = 0, multipliers = array<i32: 1073741824, 1073741824, 1073741824>, shifts = array<i32: -1, -1, -1>>} -> tensor<1x4x4x3xi8>
  func.return %z : tensor<1x4x4x3xi8>
}
