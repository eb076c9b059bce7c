// RUN: stai-opt %s -p convert-nn-to-qnn | filecheck %s --check-prefix=QNN
// RUN: stai-opt %s -p convert-nn-to-qnn,convert-qnn-to-buf,convert-buf-to-c | stai-translate | filecheck %s --check-prefix=C
//
// nn.gather becomes qnn.gather with its axis and indices (int8 and float alike: a copy);
// the C call passes the outer count, the axis size, the bytes after the axis and an index
// table.

// QNN:      %g = qnn.gather ins(%x : tensor<2x5x3xi8>) {axis = 1 : i64, indices = array<i32: 4, 0, 4>} -> tensor<2x3x3xi8>
// QNN-NEXT: %h = qnn.gather ins(%f : tensor<6x4xf32>) {axis = 0 : i64, indices = array<i32: 5>} -> tensor<1x4xf32>

// C:      if (stai_gather((int8_t *)
// C-NEXT:     (int8_t *)
// C-NEXT:     2,
// C-NEXT:     5,
// C-NEXT:     3,
// C-NEXT:     (int32_t *)network_gather_0_indices,
// C-NEXT:     3) != ARM_CMSIS_NN_SUCCESS) {
// C:      if (stai_gather((float *)
// C-NEXT:     (float *)
// C-NEXT:     1,
// C-NEXT:     6,
// C-NEXT:     16,
// C:      const int32_t network_gather_0_indices[3] = {4, 0, 4};

func.func @main(%x: tensor<2x5x3x!nn.q<i8, 0.5 : 3>>, %f: tensor<6x4xf32>) -> (tensor<2x3x3x!nn.q<i8, 0.5 : 3>>, tensor<1x4xf32>) {
  %g = nn.gather %x {axis = 1 : i64, indices = array<i64: 4, 0, 4>} : (tensor<2x5x3x!nn.q<i8, 0.5 : 3>>) -> tensor<2x3x3x!nn.q<i8, 0.5 : 3>>
  %h = nn.gather %f {axis = 0 : i64, indices = array<i64: 5>} : (tensor<6x4xf32>) -> tensor<1x4xf32>
  func.return %g, %h : tensor<2x3x3x!nn.q<i8, 0.5 : 3>>, tensor<1x4xf32>
}
