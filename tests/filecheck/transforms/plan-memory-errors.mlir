// RUN: not stai-opt %s -p 'plan-memory{pools=100,100}' 2>&1 | filecheck %s --check-prefix=BIG
// RUN: not stai-opt %s -p 'plan-memory{pools=256,16 pool-names="dtcm","sram"}' 2>&1 | filecheck %s --check-prefix=SUM
// RUN: not stai-opt %s -p 'plan-memory{alignment=3}' 2>&1 | filecheck %s --check-prefix=ALIGN
// RUN: not stai-opt %s -p 'plan-memory{isa="m0"}' 2>&1 | filecheck %s --check-prefix=ISA
// RUN: not stai-opt %s -p 'plan-memory{pools=100,100 pool-names="a"}' 2>&1 | filecheck %s --check-prefix=NAMES

// Pools too small: one line naming the missing bytes.
// BIG: stai-opt: error: plan-memory: the activations do not fit the memory pools (pool0, pool1): 156 bytes missing (a 256-byte buffer fits in no pool, the largest holds 100)
// SUM: stai-opt: error: plan-memory: the activations do not fit the memory pools (dtcm, sram): 16 bytes missing (the activations need 288 bytes, the pools hold 272)
// ALIGN: stai-opt: error: plan-memory: alignment must be a power of two, got 3
// ISA: stai-opt: error: plan-memory: unknown ISA 'm0' (expected one of host, dsp, mve)
// NAMES: stai-opt: error: plan-memory: pool-names needs one value per pool (2)

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
