// RUN: stai-opt %s --split-input-file --verify-diagnostics | filecheck %s

buf.const @w dense<1> : tensor<4xi8> {alignment = 4}
// CHECK: Operation does not verify: buf.const: the value must have a memref type, got tensor<4xi8>

// -----

buf.const @w dense<1> : memref<4xi8> {alignment = 3}
// CHECK: Operation does not verify: buf.const: alignment 3 is not a power of two

// -----

func.func @main() {
  %w = buf.get_const @missing : memref<4xi8>
  func.return
}
// CHECK: Operation does not verify: buf.get_const: no buf.const named @missing

// -----

buf.const @w dense<1> : memref<4xi8> {alignment = 4}
func.func @main() {
  %w = buf.get_const @w : memref<2x2xi8>
  func.return
}
// CHECK: Operation does not verify: buf.get_const: result type memref<2x2xi8> differs from @w's type memref<4xi8>

// -----

func.func @main() {
  %a = buf.arena {size = 64, alignment = 16} : memref<32xi8>
  func.return
}
// CHECK: Operation does not verify: buf.arena: the result holds 32 bytes but size is 64

// -----

func.func @main() {
  %a = buf.arena {size = 64, alignment = 16} : memref<64xi32>
  func.return
}
// CHECK: Operation does not verify: buf.arena: the result must be a memref<Nxi8>

// -----

func.func @main() {
  %a = buf.arena {size = 64, alignment = 12} : memref<64xi8>
  func.return
}
// CHECK: Operation does not verify: buf.arena: alignment 12 is not a power of two

// -----

func.func @main() {
  %a = buf.arena {size = 64, alignment = 16} : memref<64xi8>
  %b = buf.arena {size = 64, alignment = 16} : memref<64xi8>
  func.return
}
// CHECK: Operation does not verify: buf.arena: a function has only one arena

// -----

func.func @main() {
  %a = buf.arena {size = 64, alignment = 16} : memref<64xi8>
  %v = buf.view %a[40] : memref<64xi8> -> memref<1x32xi8>
  func.return
}
// CHECK: Operation does not verify: buf.view: 32 bytes at offset 40 do not fit in the 64-byte arena

// -----

func.func @main() {
  %a = buf.arena {size = 64, alignment = 16} : memref<64xi8>
  %v = buf.view %a[6] : memref<64xi8> -> memref<4xf32>
  func.return
}
// CHECK: Operation does not verify: buf.view: offset 6 is not aligned to the element size 4

// -----

func.func @main() {
  %a = buf.arena {size = 64, alignment = 16} : memref<64xi8>
  %v = buf.view %a[-4] : memref<64xi8> -> memref<4xi8>
  func.return
}
// CHECK: Operation does not verify: buf.view: negative offset -4

// -----

func.func @main() {
  %a = buf.arena {size = 64, alignment = 16} : memref<64xi8>
  %v = buf.view %a[0] {role = "weights"} : memref<64xi8> -> memref<4xi8>
  func.return
}
// CHECK: Operation does not verify: buf.view: unknown role 'weights' (expected one of input, output, scratch, tensor)

// -----

func.func @main() {
  %a = buf.arena {size = 64, alignment = 16} : memref<64xi8>
  %v = buf.view %a[0] {role = "input"} : memref<64xi8> -> memref<4xi8>
  func.return
}
// CHECK: Operation does not verify: buf.view: an input view needs an index

// -----

func.func @main() {
  %a = buf.arena {size = 64, alignment = 16} : memref<64xi8>
  %v = buf.view %a[0] {role = "scratch", index = 0} : memref<64xi8> -> memref<4xi8>
  func.return
}
// CHECK: Operation does not verify: buf.view: only input and output views have an index

// -----

func.func @main() {
  %a = buf.arena {size = 64, alignment = 16} : memref<64xi8>
  %v = buf.view %a[0] {lifetime = array<i64: 3, 1>} : memref<64xi8> -> memref<4xi8>
  func.return
}
// CHECK: Operation does not verify: buf.view: lifetime [3, 1] is not a valid range

// -----

func.func @main() {
  %a = buf.arena {size = 64, alignment = 16} : memref<64xi8>
  %v = buf.view %a[0] {lifetime = array<i64: 1>} : memref<64xi8> -> memref<4xi8>
  func.return
}
// CHECK: Operation does not verify: buf.view: lifetime must hold two values

// -----

func.func @main(%m: memref<64xi32>) {
  %v = buf.view %m[0] : memref<64xi32> -> memref<4xi8>
  func.return
}
// CHECK: Operation does not verify: buf.view: the source must be a memref<Nxi8>
