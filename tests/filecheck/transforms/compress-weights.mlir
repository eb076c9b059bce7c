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
