// RUN: stai-opt %s -p quantize-nn | filecheck %s

// An unfolded batch norm (mul by a constant scale, add a constant offset): the constants
// are quantized per tensor over their own range widened to hold 0 ([0, 2.55] -> scale
// 0.01, zero point -128; [-1.275, 0] -> scale 0.005, zero point 127), so both ops run in
// int8 and nothing is left in float.
// CHECK:      builtin.module attributes {nn.float_ops = []}
// CHECK:        %[[S:.*]] = nn.constant dense<[127, 27]> : tensor<2xi8> {nn.name = "scale"} -> tensor<2x!nn.q<i8, 0.009999999776482582 : -128>>
// CHECK-NEXT:   %m = nn.mul %{{.*}}, %[[S]] {{.*}} -> tensor<1x2x!nn.q<i8, 0.019999999552965164 : -128>>
// CHECK-NEXT:   %[[O:.*]] = nn.constant dense<[-128, 127]> : tensor<2xi8> {nn.name = "offset"} -> tensor<2x!nn.q<i8, 0.004999999888241291 : 127>>
// CHECK-NEXT:   %a = nn.add %m, %[[O]] {{.*}} -> tensor<1x2x!nn.q<i8, 0.019999999552965164 : -128>>
builtin.module {
  func.func @main(%x: tensor<1x2xf32> {nn.range = array<f32: 0.0, 2.0>}) -> tensor<1x2xf32> {
    %s = nn.constant dense<[2.55, 1.55]> : tensor<2xf32> {nn.name = "scale"} -> tensor<2xf32>
    %m = nn.mul %x, %s {nn.range = array<f32: 0.0, 5.1>, activation = "none"} : (tensor<1x2xf32>, tensor<2xf32>) -> tensor<1x2xf32>
    %o = nn.constant dense<[-1.275, 0.0]> : tensor<2xf32> {nn.name = "offset"} -> tensor<2xf32>
    %a = nn.add %m, %o {nn.range = array<f32: 0.0, 5.1>, activation = "none"} : (tensor<1x2xf32>, tensor<2xf32>) -> tensor<1x2xf32>
    func.return %a : tensor<1x2xf32>
  }
}
