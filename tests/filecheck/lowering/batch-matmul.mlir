// RUN: stai-opt %s -p convert-nn-to-qnn | filecheck %s --check-prefix=QNN
// RUN: stai-opt %s -p convert-nn-to-qnn,convert-qnn-to-buf,convert-buf-to-c | stai-translate | filecheck %s --check-prefix=C
//
// nn.batch_matmul becomes qnn.batch_matmul: int8 with TFLite Micro's fully-connected
// parameters (minus the lhs and rhs zero points, one multiplier s_lhs * s_rhs / s_out),
// 16x8 with its multiplier only, float with none. The C call passes the operands, the
// output and a geometry table: the output's batch axes (rank extended to 5), each operand's
// step per batch axis (0 where it broadcasts), M, N, K, adj_x, adj_y.

// QNN:      %y = qnn.batch_matmul ins(%a, %b : tensor<2x3x4xi8>, tensor<2x5x4xi8>) {adj_x = 0 : i64, adj_y = 1 : i64, params = #qnn.fully_connected_s8<input_offset = -3, filter_offset = 2, output_offset = -1, multipliers = array<i32: 1374389504>, shifts = array<i32: -5>>} -> tensor<2x3x5xi8>
// QNN-NEXT: %z = qnn.batch_matmul ins(%f, %g : tensor<2x1x3x4xf32>, tensor<3x4x5xf32>) {adj_x = 0 : i64, adj_y = 0 : i64} -> tensor<2x3x3x5xf32>
// QNN-NEXT: %w = qnn.batch_matmul ins(%s, %t : tensor<2x4x3xi16>, tensor<2x4x2xi16>) {adj_x = 1 : i64, adj_y = 0 : i64, params = #qnn.fully_connected_s16<multipliers = array<i32: 1099511680>, shifts = array<i32: -7>>} -> tensor<2x3x2xi16>

// C:      if (stai_batch_matmul_s8((int8_t *)
// C-NEXT:     (int8_t *)
// C-NEXT:     (int8_t *)
// C-NEXT:     (int32_t *)network_batch_matmul_0_geometry,
// C-NEXT:     -3,
// C-NEXT:     2,
// C-NEXT:     -1,
// C-NEXT:     1374389504,
// C-NEXT:     -5) != ARM_CMSIS_NN_SUCCESS) {
// C:      if (stai_batch_matmul_f32((float *)
// C-NEXT:     (float *)
// C-NEXT:     (float *)
// C-NEXT:     (int32_t *)network_batch_matmul_1_geometry) != ARM_CMSIS_NN_SUCCESS) {
// C:      if (stai_batch_matmul_s16((int16_t *)
// C-NEXT:     (int16_t *)
// C-NEXT:     (int16_t *)
// C-NEXT:     (int32_t *)network_batch_matmul_2_geometry,
// C-NEXT:     1099511680,
// C-NEXT:     -7) != ARM_CMSIS_NN_SUCCESS) {
// C:      const int32_t network_batch_matmul_0_geometry[14] = {1, 1, 2, 0, 0, 12, 0, 0, 20, 3, 5, 4, 0, 1};
// C:      const int32_t network_batch_matmul_1_geometry[14] = {1, 2, 3, 0, 12, 0, 0, 0, 20, 3, 5, 4, 0, 0};
// C:      const int32_t network_batch_matmul_2_geometry[14] = {1, 1, 2, 0, 0, 12, 0, 0, 8, 3, 2, 4, 1, 0};

func.func @main(%a: tensor<2x3x4x!nn.q<i8, 0.05 : 3>>, %b: tensor<2x5x4x!nn.q<i8, 0.04 : -2>>, %f: tensor<2x1x3x4xf32>, %g: tensor<3x4x5xf32>, %s: tensor<2x4x3x!nn.q<i16, 0.001 : 0>>, %t: tensor<2x4x2x!nn.q<i16, 0.002 : 0>>) -> (tensor<2x3x5x!nn.q<i8, 0.1 : -1>>, tensor<2x3x3x5xf32>, tensor<2x3x2x!nn.q<i16, 0.0005 : 0>>) {
  %y = nn.batch_matmul %a, %b {adj_x = 0 : i64, adj_y = 1 : i64} : (tensor<2x3x4x!nn.q<i8, 0.05 : 3>>, tensor<2x5x4x!nn.q<i8, 0.04 : -2>>) -> tensor<2x3x5x!nn.q<i8, 0.1 : -1>>
  %z = nn.batch_matmul %f, %g {adj_x = 0 : i64, adj_y = 0 : i64} : (tensor<2x1x3x4xf32>, tensor<3x4x5xf32>) -> tensor<2x3x3x5xf32>
  %w = nn.batch_matmul %s, %t {adj_x = 1 : i64, adj_y = 0 : i64} : (tensor<2x4x3x!nn.q<i16, 0.001 : 0>>, tensor<2x4x2x!nn.q<i16, 0.002 : 0>>) -> tensor<2x3x2x!nn.q<i16, 0.0005 : 0>>
  func.return %y, %z, %w : tensor<2x3x5x!nn.q<i8, 0.1 : -1>>, tensor<2x3x3x5xf32>, tensor<2x3x2x!nn.q<i16, 0.0005 : 0>>
}
