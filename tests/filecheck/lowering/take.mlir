// RUN: stai-opt %s -p convert-nn-to-qnn | filecheck %s --check-prefix=QNN
// RUN: stai-opt %s -p convert-nn-to-qnn,convert-qnn-to-buf,convert-buf-to-c | stai-translate | filecheck %s --check-prefix=C
//
// nn.take (indices computed at run time) becomes qnn.take with the int32 indices as its
// second input (int8 and float alike: a copy); the C call passes the outer count, the
// axis size, the bytes after the axis and a pointer to the indices in the arena, with
// their count. stai_gather checks each index: one out of range ends run.

// QNN:      %g = qnn.take ins(%t, %ids : tensor<5x3xi8>, tensor<2x2xi32>) {axis = 0 : i64} -> tensor<2x2x3xi8>
// QNN-NEXT: %h = qnn.take ins(%f, %j : tensor<2x6x4xf32>, tensor<3xi32>) {axis = 1 : i64} -> tensor<2x3x4xf32>

// C:      if (stai_gather((int8_t *)(stai_network_arena + {{[0-9]+}}),
// C-NEXT:     (int8_t *)
// C-NEXT:     1,
// C-NEXT:     5,
// C-NEXT:     3,
// C-NEXT:     (int32_t *)(stai_network_arena + {{[0-9]+}}),
// C-NEXT:     4) != ARM_CMSIS_NN_SUCCESS) {
// C-NEXT:     return 1;
// C:      if (stai_gather((float *)
// C-NEXT:     (float *)
// C-NEXT:     2,
// C-NEXT:     6,
// C-NEXT:     16,
// C-NEXT:     (int32_t *)(stai_network_arena + {{[0-9]+}}),
// C-NEXT:     3) != ARM_CMSIS_NN_SUCCESS) {
// C-NOT:  network_take

func.func @main(%t: tensor<5x3x!nn.q<i8, 0.5 : 3>>, %ids: tensor<2x2xi32>, %f: tensor<2x6x4xf32>, %j: tensor<3xi32>) -> (tensor<2x2x3x!nn.q<i8, 0.5 : 3>>, tensor<2x3x4xf32>) {
  %g = nn.take %t, %ids {axis = 0 : i64} : (tensor<5x3x!nn.q<i8, 0.5 : 3>>, tensor<2x2xi32>) -> tensor<2x2x3x!nn.q<i8, 0.5 : 3>>
  %h = nn.take %f, %j {axis = 1 : i64} : (tensor<2x6x4xf32>, tensor<3xi32>) -> tensor<2x3x4xf32>
  func.return %g, %h : tensor<2x2x3x!nn.q<i8, 0.5 : 3>>, tensor<2x3x4xf32>
}
