// RUN: stai-opt %s -p 'convert-qnn-to-buf{isa="mve"},convert-buf-to-c' | stai-translate | filecheck %s

// On Helium an int8 fully connected reads one int32 kernel sum per output from its
// context buffer. With constant weights and bias, convert-qnn-to-buf computes them
// (bias + input_offset * (row sum + depth * filter_offset): 7 + 3 * (4 * 2 + 4 * 1) = 43
// and -1 + 3 * (4 * -1 + 4 * 1) = -1) into a constant, and the C passes that constant as
// the context buffer: no arena scratch and no arm_vector_sum_s8 call.
// CHECK:      int stai_network_run(void)
// CHECK-NOT:  arm_vector_sum_s8
// CHECK:      static const cmsis_nn_context ctx = {
// CHECK-NEXT:   .buf = (void *)network_fully_connected_0_kernel_sums,
// CHECK-NEXT:   .size = 8,
// CHECK-NOT:  arm_vector_sum_s8
// CHECK:      arm_fully_connected_s8(
// CHECK-NOT:  arm_vector_sum_s8
// CHECK:      const int32_t network_fully_connected_0_kernel_sums[2] = {43, -1};

func.func @main(%x: tensor<1x4xi8> {nn.name = "in"}) -> (tensor<1x2xi8> {nn.name = "out"}) {
  %w = arith.constant dense<[[2, 2, 2, 2], [-1, -1, -1, -1]]> : tensor<2x4xi8>
  %b = arith.constant dense<[7, -1]> : tensor<2xi32>
  %y = qnn.fully_connected ins(%x, %w, %b : tensor<1x4xi8>, tensor<2x4xi8>, tensor<2xi32>) {nn.m_id = 0 : i64, act = array<i32: -128, 127>, params = #qnn.fully_connected_s8<input_offset = 3, filter_offset = 1, output_offset = 0, multipliers = array<i32: 1073741824>, shifts = array<i32: 0>>} -> tensor<1x2xi8>
  func.return %y : tensor<1x2xi8>
}
