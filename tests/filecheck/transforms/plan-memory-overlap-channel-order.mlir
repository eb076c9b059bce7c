// RUN: stai-opt %s -p 'select-kernels{isa="dsp"},convert-qnn-to-buf,plan-memory{overlap=true isa="dsp"}' | filecheck %s
// RUN: stai-opt %s -p 'select-kernels{isa="dsp"},convert-qnn-to-buf,plan-memory' | filecheck %s --check-prefix=APART

// stai's int8 depthwise 3x3 kernel (chosen by select-kernels) at stride 2 works channel by
// channel: it copies channel c of the whole input into its scratch plane, then writes
// channel c of every output pixel, so its output may start at any whole pixel of its input
// (a gap with a step, qnn_overlap.channel_order_gap). The 256-byte output starts on the
// input's first byte: 1024 + 180 of scratch = 1204 bytes, the overlap bound, against 1460
// with input and output apart.
// CHECK-LABEL: func.func @main()
// CHECK-SAME: buf.strategy = "{{.*}}, 1 overlapping", buf.overlap_bound = 1204
// CHECK-NEXT: buf.arena {size = 1204 : i64
// CHECK-NEXT: %x = buf.view %arena[0] {{.*}}role = "input"
// CHECK:      %d = buf.view %arena[0] {{.*}}role = "output"
// CHECK: mk.dwconv3x3_s8 ins(%x
// APART: buf.arena {size = 1460 : i64
func.func @main(%x: tensor<1x8x8x16xi8> {nn.name = "x"}) -> (tensor<1x4x4x16xi8> {nn.name = "y"}) {
  %w = arith.constant dense<1> : tensor<1x3x3x16xi8>
  %b = arith.constant dense<0> : tensor<16xi32>
  %d = qnn.depthwise_conv2d ins(%x, %w, %b : tensor<1x8x8x16xi8>, tensor<1x3x3x16xi8>, tensor<16xi32>) {strides = array<i64: 2, 2>, pads = array<i64: 0, 1, 0, 1>, dilations = array<i64: 1, 1>, depth_multiplier = 1 : i64, act = array<i32: -128, 127>, params = #qnn.conv_s8<input_offset = 1, output_offset = 0, multipliers = array<i32: 1073741824,1073741824,1073741824,1073741824,1073741824,1073741824,1073741824,1073741824,1073741824,1073741824,1073741824,1073741824,1073741824,1073741824,1073741824,1073741824>, shifts = array<i32: -1,-1,-1,-1,-1,-1,-1,-1,-1,-1,-1,-1,-1,-1,-1,-1>>} -> tensor<1x4x4x16xi8>
  func.return %d : tensor<1x4x4x16xi8>
}
