// RUN: stai-opt %s -p convert-qnn-to-buf | filecheck %s
// RUN: stai-opt %s -p convert-qnn-to-buf,plan-memory | filecheck %s --check-prefix=PLAN
// RUN: stai-opt %s -p convert-qnn-to-buf,plan-memory,convert-buf-to-c | stai-translate | filecheck %s --check-prefix=C

// Two persistent variables: each gets a buf.state at a multiple of 16 bytes of the state
// buffer, outside the arena; the read copies it into an arena view, the assignment copies
// its input back. plan-memory keeps the read before the assignment and plans the arena
// alone (32 bytes: the state is not in it).

builtin.module {
  func.func @main(%x: tensor<1x4xf32> {nn.name = "x"}) -> (tensor<1x4xf32> {nn.name = "y"}) {
    %s = qnn.read_variable ins( : ) {variable = "acc", initial = dense<[[1.0, 2.0, 3.0, 4.0]]> : tensor<1x4xf32>} -> tensor<1x4xf32>
    %n = qnn.add ins(%s, %x : tensor<1x4xf32>, tensor<1x4xf32>) {act = array<f32: -3.0e+38, 3.0e+38>} -> tensor<1x4xf32>
    %w = qnn.assign_variable ins(%n : tensor<1x4xf32>) {variable = "acc"} -> tensor<1x4xf32>
    %c = qnn.read_variable ins( : ) {variable = "count", initial = dense<5> : tensor<1x1xi8>} -> tensor<1x1xi8>
    func.return %n : tensor<1x4xf32>
  }
}

// CHECK:      %[[A:.*]] = buf.arena {size = 48 : i64, alignment = 16 : i64} : memref<48xi8>
// CHECK-NEXT: %[[S:.*]] = buf.state {variable = "acc", offset = 0 : i64, initial = dense<{{.*}}> : tensor<1x4xf32>} : memref<1x4xf32>
// CHECK-NEXT: %[[T:.*]] = buf.state {variable = "count", offset = 16 : i64, initial = dense<5> : tensor<1x1xi8>} : memref<1x1xi8>
// CHECK:      qnn.read_variable ins(%[[S]] : memref<1x4xf32>) outs(%[[V:.*]] : memref<1x4xf32>)
// CHECK:      qnn.add ins(%[[V]], %{{.*}} : memref<1x4xf32>, memref<1x4xf32>) outs(%[[N:.*]] : memref<1x4xf32>)
// CHECK-NEXT: qnn.assign_variable ins(%[[N]] : memref<1x4xf32>) outs(%[[S]] : memref<1x4xf32>) {variable = "acc"}
// CHECK:      qnn.read_variable ins(%[[T]] : memref<1x1xi8>)

// PLAN:      buf.arena {size = 32 : i64, alignment = 16 : i64}
// PLAN:      qnn.read_variable ins(%{{.*}} : memref<1x4xf32>)
// PLAN:      qnn.add
// PLAN-NEXT: qnn.assign_variable

// C:      #define STAI_NETWORK_STATE_SIZE 32
// C:      void stai_network_reset(void);
// C:      static uint8_t stai_network_state[32] __attribute__((aligned(16)));
// C:      static const float stai_network_state_init_0[4] = {1.0f, 2.0f, 3.0f, 4.0f};
// C:      static const int8_t stai_network_state_init_1[1] = {5};
// C:      void stai_network_reset(void)
// C-NEXT: {
// C-NEXT:     stai_state_fill(stai_network_state, 0, 32);
// C-NEXT:     stai_copy(stai_network_state_init_0, (void *)stai_network_state, 16);
// C-NEXT:     stai_copy(stai_network_state_init_1, (void *)(stai_network_state + 16), 1);
// C:      int stai_network_init(void *activations)
// C:          stai_network_reset();
// C-NEXT:     return 0;
// C:          /* 0: read_variable (f32) */
// C-NEXT:     if (stai_copy((void *)stai_network_state,
// C:          /* 2: assign_variable (f32) */
// C-NEXT:     if (stai_copy((float *)(stai_network_arena + 16),
// C-NEXT:                   (void *)stai_network_state,
