// RUN: stai-opt %s --split-input-file -p 'convert-qnn-to-buf,plan-memory{overlap=true isa="dsp"}' | filecheck %s
// RUN: stai-opt %s --split-input-file -p 'convert-qnn-to-buf,plan-memory{overlap=true isa="mve"}' | filecheck %s --check-prefix=MVE
// RUN: stai-opt %s --split-input-file -p 'convert-qnn-to-buf,plan-memory' | filecheck %s --check-prefix=APART

// Three 768-byte tensors in a chain: a 3x3 'same' convolution then a depthwise one, both
// float (stai's pixel-order kernels on every ISA). Each output may start 6 pixels of 32
// bytes before its input (one row of 4 pixels, 2 more): 768 + 2 x 192 = 1152 bytes,
// against 1536 with the tensors apart. The lower bound counts each step alone.
// CHECK-LABEL: func.func @main()
// CHECK-SAME: buf.breadth_bound = 1536 : i64
// CHECK-SAME: buf.strategy = "{{.*}}, 0 in place, 2 overlapping", buf.overlap_bound = 960 : i64
// CHECK-NEXT: buf.arena {size = 1152 : i64
// CHECK-NEXT: %x = buf.view %arena[384] {{.*}}role = "input"
// CHECK:      %c = buf.view %arena[192]
// CHECK:      %d = buf.view %arena[0] {{.*}}role = "output"
// MVE-LABEL: func.func @main()
// MVE: buf.arena {size = 1152 : i64
// APART-LABEL: func.func @main()
// APART-SAME: buf.strategy = "{{.*}}, 0 in place"
// APART-NOT: overlap_bound
// APART-NEXT: buf.arena {size = 1536 : i64
func.func @main(%x: tensor<1x6x4x8xf32> {nn.name = "x"}) -> (tensor<1x6x4x8xf32> {nn.name = "y"}) {
  %w0 = arith.constant dense<0.5> : tensor<8x3x3x8xf32>
  %b0 = arith.constant dense<0.0> : tensor<8xf32>
  %c = qnn.conv2d ins(%x, %w0, %b0 : tensor<1x6x4x8xf32>, tensor<8x3x3x8xf32>, tensor<8xf32>) {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, act = array<f32: 0.0, 3.0e38>} -> tensor<1x6x4x8xf32>
  %w1 = arith.constant dense<0.5> : tensor<1x3x3x8xf32>
  %b1 = arith.constant dense<0.0> : tensor<8xf32>
  %d = qnn.depthwise_conv2d ins(%c, %w1, %b1 : tensor<1x6x4x8xf32>, tensor<1x3x3x8xf32>, tensor<8xf32>) {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, depth_multiplier = 1 : i64, act = array<f32: 0.0, 3.0e38>} -> tensor<1x6x4x8xf32>
  func.return %d : tensor<1x6x4x8xf32>
}

// -----

// The int8 depthwise kernels of CMSIS-NN run in pixel order with DSP but in blocks of 16
// channels over every pixel with Helium: on "mve" the output keeps its own bytes. With DSP,
// the 192-byte output starts 48 bytes (6 pixels) before the input: 240 bytes.
// CHECK-LABEL: func.func @main()
// CHECK-SAME: buf.strategy = "{{.*}}, 1 overlapping"
// CHECK-NEXT: buf.arena {size = 240 : i64
// MVE-LABEL: func.func @main()
// MVE-SAME: buf.strategy = "{{.*}}, 0 in place"
// MVE-NOT: overlapping
// MVE-NEXT: buf.arena
func.func @main(%x: tensor<1x6x4x8xi8> {nn.name = "x"}) -> (tensor<1x6x4x8xi8> {nn.name = "y"}) {
  %w = arith.constant dense<1> : tensor<1x3x3x8xi8>
  %b = arith.constant dense<0> : tensor<8xi32>
  %d = qnn.depthwise_conv2d ins(%x, %w, %b : tensor<1x6x4x8xi8>, tensor<1x3x3x8xi8>, tensor<8xi32>) {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, depth_multiplier = 1 : i64, act = array<i32: -128, 127>, params = #qnn.conv_s8<input_offset = 1, output_offset = 0, multipliers = array<i32: 1073741824, 1073741824, 1073741824, 1073741824, 1073741824, 1073741824, 1073741824, 1073741824>, shifts = array<i32: -1, -1, -1, -1, -1, -1, -1, -1>>} -> tensor<1x6x4x8xi8>
  func.return %d : tensor<1x6x4x8xi8>
}
