// RUN: stai-opt %s --split-input-file -p plan-memory | filecheck %s
// RUN: stai-opt %s --split-input-file -p 'plan-memory{reorder=false inplace=false}' | filecheck %s --check-prefix=FIXED
// RUN: stai-opt %s --split-input-file -p 'plan-memory{alignment=64 inputs-in-arena=false outputs-in-arena=false}' | filecheck %s --check-prefix=EXT
// RUN: stai-opt %s --split-input-file -p 'plan-memory{pools=272,1000 pool-names="dtcm","sram" pool-sections=".dtcm",""}' | filecheck %s --check-prefix=POOLS
// RUN: stai-opt %s --split-input-file -p 'plan-memory{isa="mve" alignment=16}' | filecheck %s --check-prefix=MVE
// RUN: stai-opt %s --split-input-file -p plan-memory,plan-memory | filecheck %s --check-prefix=TWICE

// Aliasing and in place: the reshape %r is the bytes of %s (no copy); the logistic and the
// tanh write over their input, which dies there; the max pool may not (its output gets
// bytes of its own). The whole chain then needs two 32-byte buffers.
// CHECK-LABEL: func.func @main()
// CHECK-SAME: buf.peak = 64 : i64, buf.breadth_bound = 64 : i64, buf.max_scratch = 0 : i64, buf.strategy = "{{.*}}, model order, 2 in place"
// CHECK-NEXT: %[[A:.*]] = buf.arena {size = 64 : i64, alignment = 16 : i64} : memref<64xi8>
// CHECK-NEXT: %[[X:.*]] = buf.view %[[A]][[[O:[0-9]+]]] {lifetime = array<i64: 0, 2>, role = "input"
// CHECK-NEXT: %[[S:.*]] = buf.view %[[A]][[[O]]] {lifetime = array<i64: 0, 2>, role = "tensor"}
// CHECK-NEXT: qnn.logistic ins(%[[X]] : memref<1x8xf32>) outs(%[[S]] : memref<1x8xf32>)
// CHECK-NEXT: %[[R:.*]] = buf.view %[[A]][[[O]]] {{.*}} -> memref<2x4xf32>
// CHECK-NEXT: %[[T:.*]] = buf.view %[[A]][[[O]]] {{.*}} -> memref<2x4xf32>
// CHECK-NEXT: qnn.tanh ins(%[[R]] : memref<2x4xf32>) outs(%[[T]] : memref<2x4xf32>)
// CHECK-NEXT: %[[P:.*]] = buf.view %[[A]][{{[0-9]+}}] {lifetime = array<i64: 2, 2>, role = "output"
// CHECK-NOT:  [[[O]]]
// CHECK-NEXT: qnn.max_pool2d ins(%[[T]] : memref<2x4xf32>) outs(%[[P]] : memref<2x4xf32>)

// Without in place, the same chain still fits 64 bytes (two buffers alternate).
// FIXED-LABEL: func.func @main()
// FIXED-SAME: buf.strategy = "{{.*}}, model order, 0 in place"
// FIXED: buf.arena {size = 64 : i64

// Caller-provided input and output: buf.extern, not in the arena; the arena holds the
// rest (one 32-byte buffer the tanh overwrites in place), rounded up to 64 bytes.
// EXT-LABEL: func.func @main()
// EXT-SAME: buf.peak = 32 : i64
// EXT-NEXT: %[[A:.*]] = buf.arena {size = 64 : i64, alignment = 64 : i64} : memref<64xi8>
// EXT-NEXT: %[[X:.*]] = buf.extern {nn.name = "in", role = "input", index = 0 : i64} : memref<1x8xf32>
// EXT-NEXT: buf.view %[[A]][0]
// EXT:      qnn.logistic ins(%[[X]] : memref<1x8xf32>)
// EXT:      %[[P:.*]] = buf.extern {nn.name = "out", role = "output", index = 0 : i64} : memref<2x4xf32>
// EXT-NEXT: qnn.max_pool2d {{.*}} outs(%[[P]] : memref<2x4xf32>)

// POOLS-LABEL: func.func @main()
// POOLS: buf.arena {size = 64 : i64, alignment = 16 : i64, pool = 0 : i64, pool_name = "dtcm", section = ".dtcm"} : memref<64xi8>
// POOLS: buf.arena {size = 0 : i64, alignment = 16 : i64, pool = 1 : i64, pool_name = "sram"} : memref<0xi8>

// MVE-LABEL: func.func @main()
// MVE: buf.arena {size = 64 : i64
// TWICE-LABEL: func.func @main()
// TWICE: buf.arena {size = 64 : i64

func.func @main() attributes {buf.inputs = ["in"], buf.outputs = ["out"], buf.peak = 64 : i64} {
  %arena = buf.arena {size = 64 : i64, alignment = 16 : i64} : memref<64xi8>
  %x = buf.view %arena[0] {lifetime = array<i64: 0, 0>, role = "input", index = 0 : i64, nn.name = "in"} : memref<64xi8> -> memref<1x8xf32>
  %s = buf.view %arena[32] {lifetime = array<i64: 0, 1>, role = "tensor"} : memref<64xi8> -> memref<1x8xf32>
  qnn.logistic ins(%x : memref<1x8xf32>) outs(%s : memref<1x8xf32>) {nn.name = "sig"}
  %r = buf.view %arena[32] {lifetime = array<i64: 0, 1>, role = "tensor"} : memref<64xi8> -> memref<2x4xf32>
  %t = buf.view %arena[0] {lifetime = array<i64: 1, 2>, role = "tensor"} : memref<64xi8> -> memref<2x4xf32>
  qnn.tanh ins(%r : memref<2x4xf32>) outs(%t : memref<2x4xf32>) {nn.name = "tanh"}
  %p = buf.view %arena[32] {lifetime = array<i64: 2, 2>, role = "output", index = 0 : i64, nn.name = "out"} : memref<64xi8> -> memref<2x4xf32>
  qnn.max_pool2d ins(%t : memref<2x4xf32>) outs(%p : memref<2x4xf32>) {nn.name = "pool", kernel = array<i64: 1, 1>, strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, act = array<f32: -3.000000e+38, 3.000000e+38>}
  func.return
}

// -----

// A branchy graph where the order matters: two branches each expand x (16 bytes) to 256
// bytes and reduce it back, then an add. In the model's order both 256-byte tensors live
// together (528 bytes, the operator-breadth bound); run branch a to its end first and the
// add in place over a2, and 288 bytes suffice.
// CHECK-LABEL: func.func @main()
// CHECK-SAME: buf.peak = 288 : i64, buf.breadth_bound = 528 : i64, buf.max_scratch = 0 : i64, buf.strategy = "{{.*}}, reordered, 1 in place"
// CHECK-NEXT: buf.arena {size = 288 : i64, alignment = 16 : i64} : memref<288xi8>
// CHECK:      qnn.fully_connected {{.*}}nn.name = "a1"
// CHECK:      %[[A2:.*]] = buf.view %{{.*}}[[[O:[0-9]+]]] {lifetime = array<i64: 1, 4>
// CHECK-NEXT: qnn.fully_connected {{.*}} outs(%[[A2]] {{.*}}nn.name = "a2"
// CHECK:      qnn.fully_connected {{.*}}nn.name = "b1"
// CHECK:      qnn.fully_connected {{.*}}nn.name = "b2"
// CHECK-NEXT: %[[Y:.*]] = buf.view %{{.*}}[[[O]]] {lifetime = array<i64: 1, 4>, role = "output"
// CHECK-NEXT: qnn.add ins(%[[A2]], %{{.*}}) outs(%[[Y]] : memref<1x4xf32>)

// In the model's order, without in place: the breadth bound.
// FIXED-LABEL: func.func @main()
// FIXED-SAME: buf.peak = 528 : i64, buf.breadth_bound = 528 : i64
// FIXED-NEXT: buf.arena {size = 528 : i64
// FIXED:      nn.name = "a1"
// FIXED:      nn.name = "b1"
// FIXED:      nn.name = "a2"
// FIXED:      nn.name = "b2"

// With 64-byte alignment every buffer takes a multiple of 64 bytes.
// EXT-LABEL: func.func @main()
// EXT-NEXT: buf.arena {size = 384 : i64, alignment = 64 : i64}
// EXT-NEXT: buf.extern {nn.name = "x", role = "input", index = 0 : i64} : memref<1x4xf32>
// EXT-NEXT: buf.get_const
// EXT-NEXT: buf.get_const
// EXT-NEXT: buf.view %{{.*}}[0] {{.*}} -> memref<1x64xf32>
// EXT:      buf.view %{{.*}}[256] {{.*}} -> memref<1x4xf32>
// EXT:      buf.view %{{.*}}[0] {{.*}} -> memref<1x64xf32>
// EXT:      buf.view %{{.*}}[320] {{.*}} -> memref<1x4xf32>
// EXT:      buf.extern {nn.name = "y", role = "output", index = 0 : i64} : memref<1x4xf32>

// Two pools: the 272-byte one first; what does not fit goes to the second.
// POOLS-LABEL: func.func @main()
// POOLS-NEXT: %[[P0:.*]] = buf.arena {size = 272 : i64, alignment = 16 : i64, pool = 0 : i64, pool_name = "dtcm", section = ".dtcm"} : memref<272xi8>
// POOLS-NEXT: %[[P1:.*]] = buf.arena {size = 16 : i64, alignment = 16 : i64, pool = 1 : i64, pool_name = "sram"} : memref<16xi8>
// POOLS-DAG: buf.view %[[P0]][0] {{.*}} -> memref<1x64xf32>
// POOLS-DAG: buf.view %[[P1]][0] {{.*}}role = "output"

// TWICE-LABEL: func.func @main()
// TWICE: buf.arena {size = 288 : i64
// MVE-LABEL: func.func @main()
// MVE: buf.arena {size = 288 : i64

buf.const @a1_weights dense<1.000000e+00> : memref<64x4xf32> {alignment = 4 : i64}
buf.const @a1_bias dense<0.000000e+00> : memref<64xf32> {alignment = 4 : i64}
buf.const @a2_weights dense<1.000000e+00> : memref<4x64xf32> {alignment = 4 : i64}
buf.const @a2_bias dense<0.000000e+00> : memref<4xf32> {alignment = 4 : i64}
func.func @main() attributes {buf.inputs = ["x"], buf.outputs = ["y"], buf.peak = 528 : i64} {
  %arena = buf.arena {size = 528 : i64, alignment = 16 : i64} : memref<528xi8>
  %x = buf.view %arena[512] {lifetime = array<i64: 0, 1>, role = "input", index = 0 : i64, nn.name = "x"} : memref<528xi8> -> memref<1x4xf32>
  %w1 = buf.get_const @a1_weights : memref<64x4xf32>
  %b1 = buf.get_const @a1_bias : memref<64xf32>
  %w2 = buf.get_const @a2_weights : memref<4x64xf32>
  %b2 = buf.get_const @a2_bias : memref<4xf32>
  %a1 = buf.view %arena[0] {lifetime = array<i64: 0, 2>, role = "tensor"} : memref<528xi8> -> memref<1x64xf32>
  qnn.fully_connected ins(%x, %w1, %b1 : memref<1x4xf32>, memref<64x4xf32>, memref<64xf32>) outs(%a1 : memref<1x64xf32>) {nn.name = "a1", act = array<f32: -3.000000e+38, 3.000000e+38>}
  %c1 = buf.view %arena[256] {lifetime = array<i64: 1, 3>, role = "tensor"} : memref<528xi8> -> memref<1x64xf32>
  qnn.fully_connected ins(%x, %w1, %b1 : memref<1x4xf32>, memref<64x4xf32>, memref<64xf32>) outs(%c1 : memref<1x64xf32>) {nn.name = "b1", act = array<f32: -3.000000e+38, 3.000000e+38>}
  %a2 = buf.view %arena[512] {lifetime = array<i64: 2, 4>, role = "tensor"} : memref<528xi8> -> memref<1x4xf32>
  qnn.fully_connected ins(%a1, %w2, %b2 : memref<1x64xf32>, memref<4x64xf32>, memref<4xf32>) outs(%a2 : memref<1x4xf32>) {nn.name = "a2", act = array<f32: -3.000000e+38, 3.000000e+38>}
  %c2 = buf.view %arena[0] {lifetime = array<i64: 3, 4>, role = "tensor"} : memref<528xi8> -> memref<1x4xf32>
  qnn.fully_connected ins(%c1, %w2, %b2 : memref<1x64xf32>, memref<4x64xf32>, memref<4xf32>) outs(%c2 : memref<1x4xf32>) {nn.name = "b2", act = array<f32: -3.000000e+38, 3.000000e+38>}
  %y = buf.view %arena[16] {lifetime = array<i64: 4, 4>, role = "output", index = 0 : i64, nn.name = "y"} : memref<528xi8> -> memref<1x4xf32>
  qnn.add ins(%a2, %c2 : memref<1x4xf32>, memref<1x4xf32>) outs(%y : memref<1x4xf32>) {nn.name = "sum", act = array<f32: -3.000000e+38, 3.000000e+38>}
  func.return
}

// -----

// A convolution never writes over its input; its scratch is planned in the arena, sized
// for the target (80 bytes on the host; 128 on Helium, where the fully connected needs 40).
// CHECK-LABEL: func.func @main()
// CHECK-SAME: buf.peak = 160 : i64, buf.breadth_bound = 80 : i64, buf.max_scratch = 80 : i64
// CHECK-NEXT: buf.arena {size = 160 : i64
// CHECK:      %[[S:.*]] = buf.view %{{.*}} {lifetime = array<i64: 0, 0>, role = "scratch"} : memref<160xi8> -> memref<80xi8>
// CHECK-NEXT: qnn.conv2d {{.*}} scratch(%[[S]] : memref<80xi8>)

// MVE-LABEL: func.func @main()
// MVE-SAME: buf.peak = 208 : i64, buf.breadth_bound = 80 : i64, buf.max_scratch = 128 : i64
// MVE-NEXT: buf.arena {size = 208 : i64
// MVE:      buf.view {{.*}}role = "scratch"{{.*}} -> memref<128xi8>
// MVE:      qnn.conv2d {{.*}} scratch(
// MVE:      buf.view {{.*}}role = "scratch"{{.*}} -> memref<40xi8>
// MVE-NEXT: qnn.fully_connected {{.*}} scratch(

buf.const @conv_weights dense<1> : memref<3x3x3x2xi8> {alignment = 4 : i64}
buf.const @conv_bias dense<[1, 2, 3]> : memref<3xi32> {alignment = 4 : i64}
buf.const @fully_connected_2_weights dense<2> : memref<10x48xi8> {alignment = 4 : i64}
buf.const @fully_connected_2_bias dense<0> : memref<10xi32> {alignment = 4 : i64}
func.func @main() attributes {buf.inputs = ["input_1"], buf.outputs = ["dense/out"], buf.peak = 160 : i64} {
  %arena = buf.arena {size = 160 : i64, alignment = 16 : i64} : memref<160xi8>
  %x = buf.view %arena[128] {lifetime = array<i64: 0, 0>, role = "input", index = 0 : i64, nn.name = "input_1"} : memref<160xi8> -> memref<1x4x4x2xi8>
  %w = buf.get_const @conv_weights : memref<3x3x3x2xi8>
  %b = buf.get_const @conv_bias : memref<3xi32>
  %y = buf.view %arena[80] {lifetime = array<i64: 0, 1>, role = "tensor"} : memref<160xi8> -> memref<1x4x4x3xi8>
  %scratch = buf.view %arena[0] {lifetime = array<i64: 0, 0>, role = "scratch"} : memref<160xi8> -> memref<80xi8>
  qnn.conv2d ins(%x, %w, %b : memref<1x4x4x2xi8>, memref<3x3x3x2xi8>, memref<3xi32>) outs(%y : memref<1x4x4x3xi8>) scratch(%scratch : memref<80xi8>) {nn.name = "conv", nn.m_id = 0 : i64, strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, act = array<i32: -128, 127>, params = #qnn.conv_s8<input_offset = 3, output_offset = -1, multipliers = array<i32: 1073741824, 1073741824, 1073741824>, shifts = array<i32: -1, -1, -1>>}
  %r = buf.view %arena[80] {lifetime = array<i64: 0, 1>, role = "tensor"} : memref<160xi8> -> memref<1x48xi8>
  %fw = buf.get_const @fully_connected_2_weights : memref<10x48xi8>
  %fb = buf.get_const @fully_connected_2_bias : memref<10xi32>
  %o = buf.view %arena[0] {lifetime = array<i64: 1, 1>, role = "output", index = 0 : i64, nn.name = "dense/out"} : memref<160xi8> -> memref<1x10xi8>
  qnn.fully_connected ins(%r, %fw, %fb : memref<1x48xi8>, memref<10x48xi8>, memref<10xi32>) outs(%o : memref<1x10xi8>) {nn.m_id = 2 : i64, act = array<i32: -128, 127>, params = #qnn.fully_connected_s8<input_offset = 1, filter_offset = 0, output_offset = 0, multipliers = array<i32: 1073741824>, shifts = array<i32: 0>>}
  func.return
}
