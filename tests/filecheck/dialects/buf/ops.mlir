// RUN: stai-opt %s | filecheck %s
// RUN: stai-opt %s --print-op-generic | stai-opt | filecheck %s

// CHECK: buf.const @conv_weights dense<[[[[1, -2]]], [[[3, 4]]], [[[5, 6]]]]> : memref<3x1x1x2xi8> {alignment = 16 : i64}
buf.const @conv_weights dense<[[[[1, -2]]], [[[3, 4]]], [[[5, 6]]]]> : memref<3x1x1x2xi8> {alignment = 16}
// CHECK: buf.const @conv_bias dense<[1, 2, 3]> : memref<3xi32> {alignment = 4 : i64}
buf.const @conv_bias dense<[1, 2, 3]> : memref<3xi32> {alignment = 4}
// CHECK: buf.const @scale dense<5.000000e-01> : memref<2xf32> {alignment = 4 : i64}
buf.const @scale dense<0.5> : memref<2xf32> {alignment = 4}

// CHECK-LABEL: func.func @main()
// CHECK-SAME: attributes {buf.inputs = ["input_1"], buf.outputs = ["out"]}
func.func @main() attributes {buf.inputs = ["input_1"], buf.outputs = ["out"]} {
  // CHECK: %a = buf.arena {size = 128 : i64, alignment = 16 : i64} : memref<128xi8>
  %a = buf.arena {size = 128, alignment = 16} : memref<128xi8>
  // CHECK: %x = buf.view %a[0] {lifetime = array<i64: 0, 0>, role = "input", index = 0 : i64} : memref<128xi8> -> memref<1x4x4x2xi8>
  %x = buf.view %a[0] {lifetime = array<i64: 0, 0>, role = "input", index = 0} : memref<128xi8> -> memref<1x4x4x2xi8>
  // CHECK: %y = buf.view %a[32] {lifetime = array<i64: 0, 1>, role = "tensor"} : memref<128xi8> -> memref<1x4x4x3xi8>
  %y = buf.view %a[32] {lifetime = array<i64: 0, 1>, role = "tensor"} : memref<128xi8> -> memref<1x4x4x3xi8>
  // CHECK: %f = buf.view %a[80] : memref<128xi8> -> memref<2xf32>
  %f = buf.view %a[80] : memref<128xi8> -> memref<2xf32>
  // CHECK: %o = buf.view %a[0] {lifetime = array<i64: 1, 1>, role = "output", index = 0 : i64, nn.name = "out"} : memref<128xi8> -> memref<1x48xi8>
  %o = buf.view %a[0] {lifetime = array<i64: 1, 1>, role = "output", index = 0, nn.name = "out"} : memref<128xi8> -> memref<1x48xi8>
  // CHECK: %s = buf.view %a[96] {role = "scratch"} : memref<128xi8> -> memref<32xi8>
  %s = buf.view %a[96] {role = "scratch"} : memref<128xi8> -> memref<32xi8>
  // CHECK: %w = buf.get_const @conv_weights : memref<3x1x1x2xi8>
  %w = buf.get_const @conv_weights : memref<3x1x1x2xi8>
  // CHECK: %b = buf.get_const @conv_bias : memref<3xi32>
  %b = buf.get_const @conv_bias : memref<3xi32>
  func.return
}
