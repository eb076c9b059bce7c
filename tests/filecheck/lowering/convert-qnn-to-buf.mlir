// RUN: stai-opt %s --split-input-file -p convert-qnn-to-buf | filecheck %s
// RUN: stai-opt %s --split-input-file -p 'convert-qnn-to-buf{alignment=16 isa="mve"}' | filecheck %s --check-prefix=MVE

// A conv with a scratch buffer, a reshape that aliases its output, an fc writing the output.
// Intervals: input 32 B [0,0], conv out 48 B [0,1] (the reshape's too), fc out 10 B [1,1],
// conv scratch 80 B [0,0] (host: two int16 columns of 3*3*2 rounded to 20).
// Greedy by size: scratch 0, conv out 80, input 128, fc out 0 (the scratch is dead by then).

// CHECK:      buf.const @conv_weights dense<1> : memref<3x3x3x2xi8> {alignment = 4 : i64}
// CHECK-NEXT: buf.const @conv_bias dense<[1, 2, 3]> : memref<3xi32> {alignment = 4 : i64}
// CHECK-NEXT: buf.const @fully_connected_2_weights dense<2> : memref<10x48xi8> {alignment = 4 : i64}
// CHECK-NEXT: buf.const @fully_connected_2_bias dense<0> : memref<10xi32> {alignment = 4 : i64}
// CHECK-LABEL: func.func @main()
// CHECK-SAME: attributes {buf.inputs = ["input_1"], buf.outputs = ["dense/out"], buf.peak = 160 : i64}
// CHECK-NEXT: %[[A:.*]] = buf.arena {size = 160 : i64, alignment = 16 : i64} : memref<160xi8>
// CHECK-NEXT: %[[X:.*]] = buf.view %[[A]][128] {lifetime = array<i64: 0, 0>, role = "input", index = 0 : i64, nn.name = "input_1"} : memref<160xi8> -> memref<1x4x4x2xi8>
// CHECK-NEXT: %[[W:.*]] = buf.get_const @conv_weights : memref<3x3x3x2xi8>
// CHECK-NEXT: %[[B:.*]] = buf.get_const @conv_bias : memref<3xi32>
// CHECK-NEXT: %[[Y:.*]] = buf.view %[[A]][80] {lifetime = array<i64: 0, 1>, role = "tensor"} : memref<160xi8> -> memref<1x4x4x3xi8>
// CHECK-NEXT: %[[S:.*]] = buf.view %[[A]][0] {lifetime = array<i64: 0, 0>, role = "scratch"} : memref<160xi8> -> memref<80xi8>
// CHECK-NEXT: qnn.conv2d ins(%[[X]], %[[W]], %[[B]] : memref<1x4x4x2xi8>, memref<3x3x3x2xi8>, memref<3xi32>) outs(%[[Y]] : memref<1x4x4x3xi8>) scratch(%[[S]] : memref<80xi8>) {nn.name = "conv", nn.m_id = 0 : i64, strides
// CHECK-NOT: qnn.reshape
// CHECK-NEXT: %[[R:.*]] = buf.view %[[A]][80] {lifetime = array<i64: 0, 1>, role = "tensor"} : memref<160xi8> -> memref<1x48xi8>
// CHECK-NEXT: %[[FW:.*]] = buf.get_const @fully_connected_2_weights
// CHECK-NEXT: %[[FB:.*]] = buf.get_const @fully_connected_2_bias
// CHECK-NEXT: %[[O:.*]] = buf.view %[[A]][0] {lifetime = array<i64: 1, 1>, role = "output", index = 0 : i64, nn.name = "dense/out"} : memref<160xi8> -> memref<1x10xi8>
// CHECK-NEXT: qnn.fully_connected ins(%[[R]], %[[FW]], %[[FB]] : memref<1x48xi8>, memref<10x48xi8>, memref<10xi32>) outs(%[[O]] : memref<1x10xi8>) {nn.m_id = 2 : i64,
// CHECK-NEXT: func.return{{$}}

// On MVE the conv's scratch is four 16-byte-rounded int8 columns (128 B) and the fc needs
// one int32 kernel sum per output: bias + input_offset * (row sum + depth * filter_offset)
// = 0 + 1 * (48 * 2) = 96, computed here as a constant (no arena bytes, no run-time sum);
// alignment=16 aligns every offset and constant to 16.
// MVE:      buf.const @conv_weights dense<1> : memref<3x3x3x2xi8> {alignment = 16 : i64}
// MVE:      buf.const @fully_connected_2_kernel_sums dense<96> : memref<10xi32> {alignment = 16 : i64}
// MVE:      buf.peak = 208 : i64
// MVE:      buf.arena {size = 208 : i64, alignment = 16 : i64}
// MVE:      buf.view %{{.*}}[176] {{.*}}role = "input"
// MVE:      buf.view %{{.*}}[128] {{.*}}role = "tensor"{{.*}} -> memref<1x4x4x3xi8>
// MVE:      buf.view %{{.*}}[0] {{.*}}role = "scratch"{{.*}} -> memref<128xi8>
// MVE:      buf.view %{{.*}}[128] {{.*}} -> memref<1x48xi8>
// MVE:      buf.view %{{.*}}[0] {{.*}}role = "output"
// MVE:      %[[KS:.*]] = buf.get_const @fully_connected_2_kernel_sums : memref<10xi32>
// MVE-NEXT: qnn.fully_connected {{.*}} scratch(%[[KS]] : memref<10xi32>)

func.func @main(%x: tensor<1x4x4x2xi8> {nn.name = "input_1"}) -> (tensor<1x10xi8> {nn.name = "dense/out"}) {
  %w = arith.constant {nn.name = "conv/kernel"} dense<1> : tensor<3x3x3x2xi8>
  %b = arith.constant dense<[1, 2, 3]> : tensor<3xi32>
  %y = qnn.conv2d ins(%x, %w, %b : tensor<1x4x4x2xi8>, tensor<3x3x3x2xi8>, tensor<3xi32>) {nn.name = "conv", nn.m_id = 0 : i64, strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, act = array<i32: -128, 127>, params = #qnn.conv_s8<input_offset = 3, output_offset = -1, multipliers = array<i32: 1073741824, 1073741824, 1073741824>, shifts = array<i32: -1, -1, -1>>} -> tensor<1x4x4x3xi8>
  %r = qnn.reshape ins(%y : tensor<1x4x4x3xi8>) {nn.m_id = 1 : i64} -> tensor<1x48xi8>
  %fw = arith.constant dense<2> : tensor<10x48xi8>
  %fb = arith.constant dense<0> : tensor<10xi32>
  %o = qnn.fully_connected ins(%r, %fw, %fb : tensor<1x48xi8>, tensor<10x48xi8>, tensor<10xi32>) {nn.m_id = 2 : i64, act = array<i32: -128, 127>, params = #qnn.fully_connected_s8<input_offset = 1, filter_offset = 0, output_offset = 0, multipliers = array<i32: 1073741824>, shifts = array<i32: 0>>} -> tensor<1x10xi8>
  func.return %o : tensor<1x10xi8>
}

// -----

// Float kernels need no scratch. An input returned as an output, a reshape of an input
// (same bytes) and one value returned twice: each output gets a view of its own with its
// index. A reshape of a constant becomes a constant of the new shape.

// CHECK:      buf.const @mul_input2 dense<5.000000e-01> : memref<1x8xf32> {alignment = 4 : i64}
// CHECK-NOT:  buf.const
// CHECK-LABEL: func.func @main()
// CHECK-SAME: attributes {buf.inputs = ["in"], buf.outputs = ["a", "b", "c", "d"], buf.peak = 96 : i64}
// CHECK-NEXT: %[[A:.*]] = buf.arena {size = 96 : i64, alignment = 16 : i64} : memref<96xi8>
// CHECK-NEXT: %[[X:.*]] = buf.view %[[A]][0] {lifetime = array<i64: 0, 2>, role = "input", index = 0 : i64, nn.name = "in"} : memref<96xi8> -> memref<1x8xf32>
// CHECK-NEXT: %[[S:.*]] = buf.view %[[A]][32] {lifetime = array<i64: 0, 1>, role = "tensor"}
// CHECK-NEXT: qnn.logistic ins(%[[X]] : memref<1x8xf32>) outs(%[[S]] : memref<1x8xf32>){{$}}
// CHECK-NEXT: %[[T:.*]] = buf.view %[[A]][64] {lifetime = array<i64: 1, 2>, role = "tensor"}
// CHECK-NEXT: qnn.tanh ins(%[[S]] : memref<1x8xf32>) outs(%[[T]] : memref<1x8xf32>){{$}}
// CHECK-NEXT: buf.view %[[A]][0] {lifetime = array<i64: 0, 2>, role = "output", index = 1 : i64, nn.name = "b"} : memref<96xi8> -> memref<2x4xf32>
// CHECK-NEXT: %[[C:.*]] = buf.get_const @mul_input2 : memref<1x8xf32>
// CHECK-NEXT: %[[M:.*]] = buf.view %[[A]][32] {lifetime = array<i64: 2, 2>, role = "output", index = 2 : i64, nn.name = "c"}
// CHECK-NEXT: qnn.mul ins(%[[T]], %[[C]] : memref<1x8xf32>, memref<1x8xf32>) outs(%[[M]] : memref<1x8xf32>)
// CHECK-NEXT: buf.view %[[A]][0] {lifetime = array<i64: 0, 2>, role = "output", index = 0 : i64, nn.name = "a"} : memref<96xi8> -> memref<1x8xf32>
// CHECK-NEXT: buf.view %[[A]][32] {lifetime = array<i64: 2, 2>, role = "output", index = 3 : i64, nn.name = "d"} : memref<96xi8> -> memref<1x8xf32>
// CHECK-NEXT: func.return{{$}}
func.func @main(%x: tensor<1x8xf32> {nn.name = "in"}) -> (tensor<1x8xf32> {nn.name = "a"}, tensor<2x4xf32> {nn.name = "b"}, tensor<1x8xf32> {nn.name = "c"}, tensor<1x8xf32> {nn.name = "d"}) {
  %s = qnn.logistic ins(%x : tensor<1x8xf32>) -> tensor<1x8xf32>
  %t = qnn.tanh ins(%s : tensor<1x8xf32>) -> tensor<1x8xf32>
  %r = qnn.reshape ins(%x : tensor<1x8xf32>) -> tensor<2x4xf32>
  %c = arith.constant dense<0.5> : tensor<8xf32>
  %cr = qnn.reshape ins(%c : tensor<8xf32>) -> tensor<1x8xf32>
  %m = qnn.mul ins(%t, %cr : tensor<1x8xf32>, tensor<1x8xf32>) {act = array<f32: -1.0, 1.0>} -> tensor<1x8xf32>
  func.return %x, %r, %m, %m : tensor<1x8xf32>, tensor<2x4xf32>, tensor<1x8xf32>, tensor<1x8xf32>
}

// -----

// A hybrid conv (f32 activations, int8 weights) gets a scratch buffer for its run-time
// quantized input, alive only during the call: per batch a float scale and an int32 zero
// point, then the int8 input: 2 * (8 + 3 * 3 * 2) = 52 bytes. Its weights stay int8.

// CHECK:      buf.const @hconv_weights dense<1> : memref<4x1x1x2xi8>
// CHECK-LABEL: func.func @main()
// CHECK:      %[[S:.*]] = buf.view %{{.*}}[{{[0-9]+}}] {lifetime = array<i64: 0, 0>, role = "scratch"} : memref<{{[0-9]+}}xi8> -> memref<52xi8>
// CHECK-NEXT: qnn.hybrid_conv2d ins(%{{.*}}, %{{.*}}, %{{.*}} : memref<2x3x3x2xf32>, memref<4x1x1x2xi8>, memref<4xf32>) outs(%{{.*}} : memref<2x3x3x4xf32>) scratch(%[[S]] : memref<52xi8>)
func.func @main(%x: tensor<2x3x3x2xf32> {nn.name = "in"}) -> (tensor<2x3x3x4xf32> {nn.name = "out"}) {
  %w = arith.constant dense<1> : tensor<4x1x1x2xi8>
  %b = arith.constant dense<0.0> : tensor<4xf32>
  %y = qnn.hybrid_conv2d ins(%x, %w, %b : tensor<2x3x3x2xf32>, tensor<4x1x1x2xi8>, tensor<4xf32>) {nn.name = "hconv", strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, act = array<f32: -3.40282347e+38, 3.40282347e+38>, params = #qnn.hybrid_conv<filter_scales = array<f32: 0.5>>} -> tensor<2x3x3x4xf32>
  func.return %y : tensor<2x3x3x4xf32>
}

// -----

// A hybrid fully connected gets a scratch buffer for its run-time quantized rows: per row a
// float scale and an int32 zero point, then the int8 row: 3 * (8 + 5) = 39 bytes. Its
// weights stay int8.

// CHECK:      buf.const @hfc_weights dense<1> : memref<4x5xi8>
// CHECK-LABEL: func.func @main()
// CHECK:      %[[S:.*]] = buf.view %{{.*}}[{{[0-9]+}}] {lifetime = array<i64: 0, 0>, role = "scratch"} : memref<{{[0-9]+}}xi8> -> memref<39xi8>
// CHECK-NEXT: qnn.hybrid_fully_connected ins(%{{.*}}, %{{.*}}, %{{.*}} : memref<3x5xf32>, memref<4x5xi8>, memref<4xf32>) outs(%{{.*}} : memref<3x4xf32>) scratch(%[[S]] : memref<39xi8>)
func.func @main(%x: tensor<3x5xf32> {nn.name = "in"}) -> (tensor<3x4xf32> {nn.name = "out"}) {
  %w = arith.constant dense<1> : tensor<4x5xi8>
  %b = arith.constant dense<0.0> : tensor<4xf32>
  %y = qnn.hybrid_fully_connected ins(%x, %w, %b : tensor<3x5xf32>, tensor<4x5xi8>, tensor<4xf32>) {nn.name = "hfc", act = array<f32: -3.40282347e+38, 3.40282347e+38>, params = #qnn.hybrid_fully_connected<filter_scales = array<f32: 0.5>, asymmetric_inputs = 1>} -> tensor<3x4xf32>
  func.return %y : tensor<3x4xf32>
}

// -----

// A hybrid depthwise conv: scratch as the hybrid conv's, per batch a header and the int8
// input: 2 * (8 + 3 * 3 * 2) = 52 bytes; int8 weights.

// CHECK:      buf.const @hdw_weights dense<1> : memref<1x2x2x4xi8>
// CHECK-LABEL: func.func @main()
// CHECK:      %[[S:.*]] = buf.view %{{.*}}[{{[0-9]+}}] {lifetime = array<i64: 0, 0>, role = "scratch"} : memref<{{[0-9]+}}xi8> -> memref<52xi8>
// CHECK-NEXT: qnn.hybrid_depthwise_conv2d ins(%{{.*}}, %{{.*}}, %{{.*}} : memref<2x3x3x2xf32>, memref<1x2x2x4xi8>, memref<4xf32>) outs(%{{.*}} : memref<2x2x2x4xf32>) scratch(%[[S]] : memref<52xi8>)
func.func @main(%x: tensor<2x3x3x2xf32> {nn.name = "in"}) -> (tensor<2x2x2x4xf32> {nn.name = "out"}) {
  %w = arith.constant dense<1> : tensor<1x2x2x4xi8>
  %b = arith.constant dense<0.0> : tensor<4xf32>
  %y = qnn.hybrid_depthwise_conv2d ins(%x, %w, %b : tensor<2x3x3x2xf32>, tensor<1x2x2x4xi8>, tensor<4xf32>) {nn.name = "hdw", strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, depth_multiplier = 2 : i64, act = array<f32: -3.40282347e+38, 3.40282347e+38>, params = #qnn.hybrid_conv<filter_scales = array<f32: 0.5, 0.25, 0.125, 1.0>>} -> tensor<2x2x2x4xf32>
  func.return %y : tensor<2x2x2x4xf32>
}
