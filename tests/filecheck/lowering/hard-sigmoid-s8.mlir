// RUN: stai-opt %s -p convert-nn-to-qnn | filecheck %s
//
// An int8 hard sigmoid clamp(x / 6 + 0.5, 0, 1) is one requantizing clamp: multiplier of
// (1/6) * 0.05 / (1/256) = 2.133 (1145324663, shift 2), beta added as round(0.5 * 256) =
// 128 output codes on top of the zero point -128, clamped to the codes of 0 and 1
// ([-128, 127]).
// CHECK: %y = qnn.clamp ins(%x : tensor<1x8xi8>) {params = #qnn.requantize_s8<input_offset = -3, output_offset = 0, multiplier = 1145324663, shift = 2>, act = array<i32: -128, 127>} -> tensor<1x8xi8>
func.func @main(%x: tensor<1x8x!nn.q<i8, 0.05 : 3>>) -> tensor<1x8x!nn.q<i8, 0.00390625 : -128>> {
  %y = nn.hard_sigmoid %x {alpha = 0.16666667 : f32, beta = 0.5 : f32} : (tensor<1x8x!nn.q<i8, 0.05 : 3>>) -> tensor<1x8x!nn.q<i8, 0.00390625 : -128>>
  func.return %y : tensor<1x8x!nn.q<i8, 0.00390625 : -128>>
}
