// RUN: stai-opt %s -p 'convert-qnn-to-buf{isa="mve"},plan-memory{isa="mve"}' | filecheck %s

// plan-memory keeps a fully connected's constant scratch (its kernel sums, computed by
// convert-qnn-to-buf for Helium): no arena bytes for it (max_scratch 0, the arena holds
// the input and the output only) and the kernel still reads the constant.
// CHECK:      buf.const @fully_connected_0_kernel_sums dense<[43, -1]> : memref<2xi32>
// CHECK:      buf.max_scratch = 0 : i64
// CHECK:      buf.arena {size = 8 : i64
// CHECK-NOT:  role = "scratch"
// CHECK:      %[[KS:.*]] = buf.get_const @fully_connected_0_kernel_sums : memref<2xi32>
// CHECK-NEXT: qnn.fully_connected {{.*}} scratch(%[[KS]] : memref<2xi32>)

func.func @main(%x: tensor<1x4xi8> {nn.name = "in"}) -> (tensor<1x2xi8> {nn.name = "out"}) {
  %w = arith.constant dense<[[2, 2, 2, 2], [-1, -1, -1, -1]]> : tensor<2x4xi8>
  %b = arith.constant dense<[7, -1]> : tensor<2xi32>
  %y = qnn.fully_connected ins(%x, %w, %b : tensor<1x4xi8>, tensor<2x4xi8>, tensor<2xi32>) {nn.m_id = 0 : i64, act = array<i32: -128, 127>, params = #qnn.fully_connected_s8<input_offset = 3, filter_offset = 1, output_offset = 0, multipliers = array<i32: 1073741824>, shifts = array<i32: 0>>} -> tensor<1x2xi8>
  func.return %y : tensor<1x2xi8>
}
