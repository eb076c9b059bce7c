// RUN: stai-opt %s -p convert-qnn-to-buf,plan-memory | filecheck %s
// RUN: stai-opt %s -p convert-qnn-to-buf,plan-memory,convert-buf-to-c | stai-translate | filecheck %s --check-prefix=C

// SVDF's activation state is a variable of the state buffer: its buf.state is the fifth
// input of the buffer-form qnn.svdf (read and updated in place); the scratch holds one
// float per filter (4 filters: 16 bytes); the arena holds input, output and scratch only.

builtin.module {
  func.func @main(%x: tensor<1x3xf32> {nn.name = "x"}) -> (tensor<1x2xf32> {nn.name = "y"}) {
    %wf = arith.constant dense<0.5> : tensor<4x3xf32>
    %wt = arith.constant dense<0.25> : tensor<4x5xf32>
    %b = arith.constant dense<0.0> : tensor<2xf32>
    %y = qnn.svdf ins(%x, %wf, %wt, %b : tensor<1x3xf32>, tensor<4x3xf32>, tensor<4x5xf32>, tensor<2xf32>) {variable = "svdf:state", initial = dense<0.0> : tensor<1x20xf32>, rank = 2 : i64, act = array<f32: -3.0e+38, 3.0e+38>} -> tensor<1x2xf32>
    func.return %y : tensor<1x2xf32>
  }
}

// CHECK:      buf.arena {size = 36 : i64, alignment = 16 : i64}
// CHECK-NEXT: %[[S:.*]] = buf.state {variable = "svdf:state", offset = 0 : i64, initial = dense<0.000000e+00> : tensor<1x20xf32>} : memref<1x20xf32>
// CHECK:      %[[T:.*]] = buf.view %{{.*}}[0] {lifetime = array<i64: 0, 0>, role = "scratch"} : memref<36xi8> -> memref<16xi8>
// CHECK-NEXT: qnn.svdf ins(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[S]] : memref<1x3xf32>, memref<4x3xf32>, memref<4x5xf32>, memref<2xf32>, memref<1x20xf32>) outs(%{{.*}} : memref<1x2xf32>) scratch(%[[T]] : memref<16xi8>)

// C:      #define STAI_NETWORK_STATE_SIZE 80
// C:      static uint8_t stai_network_state[80] __attribute__((aligned(16)));
// C:      stai_state_fill(stai_network_state, 0, 80);
// C-NEXT: return;
// C:      if (stai_svdf_f32((float *)(stai_network_arena + 16),
// C:                        (float *)stai_network_state,
// C-NEXT:                   (float *)(int8_t *)stai_network_arena,
// C-NEXT:                   (float *)(stai_network_arena + 28),
// C-NEXT:                   1,
// C-NEXT:                   3,
// C-NEXT:                   4,
// C-NEXT:                   5,
// C-NEXT:                   2,
