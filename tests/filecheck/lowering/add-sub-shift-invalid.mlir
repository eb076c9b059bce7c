// RUN: not stai-opt %s -p convert-buf-to-c 2>&1 | filecheck %s

// An ADD / SUB whose shift is outside [-31, 31] (hand-written parameters: the lowering
// gives a multiplier below 2^-31 as 0 with shift 0) is a one-line error naming the layer,
// not C whose shift is undefined.
// CHECK-NOT: Traceback
// CHECK: convert-buf-to-c: qnn.sub 'residual': input2_shift -40 is outside [-31, 31] (shifting that far is undefined in C; a multiplier below 2^-31 is 0 with shift 0)
func.func @main() attributes {buf.inputs = ["x"], buf.outputs = ["y"]} {
  %a = buf.arena {size = 256 : i64, alignment = 16 : i64} : memref<256xi8>
  %x = buf.view %a[0] {role = "input", index = 0 : i64} : memref<256xi8> -> memref<1x2x2x2xi8>
  %b = buf.view %a[32] {role = "tensor"} : memref<256xi8> -> memref<1x1x1x2xi8>
  %y = buf.view %a[64] {role = "output", index = 0 : i64} : memref<256xi8> -> memref<1x2x2x2xi8>
  qnn.sub ins(%x, %b : memref<1x2x2x2xi8>, memref<1x1x1x2xi8>) outs(%y : memref<1x2x2x2xi8>) {nn.name = "residual", act = array<i32: -128, 127>, params = #qnn.add_sub_s8<left_shift = 20, input1_offset = 1, input1_multiplier = 1073741824, input1_shift = 0, input2_offset = -2, input2_multiplier = 1073741824, input2_shift = -40, output_offset = 4, output_multiplier = 1073741824, output_shift = -19>}
  func.return
}
