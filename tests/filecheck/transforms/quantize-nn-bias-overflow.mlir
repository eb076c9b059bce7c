// RUN: stai-opt %s -p quantize-nn | filecheck %s

// A channel whose weights are tiny beside its bias: at the plain weight scale
// (1e-9 / 127) the int32 bias would be about 3e13 and clip at INT32_MAX, which the int8
// kernels' accumulator cannot take. quantize-nn raises that channel's weight scale so the
// bias stays below INT32_MAX - 255 * 127 * 2 = 2147418877 (room for the largest
// input-times-weight sum; less a margin for float32 rounding), and leaves the other
// channel's scale (0.5 / 127) alone.
// CHECK:      nn.constant dense<{{\[}}[0, 0], [127, -64]]> : tensor<2x2xi8> {nn.name = "w"} -> tensor<2x2x!nn.q<i8, axis 0, [1.187473160629799e-07, 0.003937007859349251] : [0, 0]>>
// CHECK-NEXT: nn.constant dense<[2147416834, 0]> : tensor<2xi32> {nn.name = "b"}
// CHECK-NOT:  2147483647
builtin.module {
  func.func @main(%x: tensor<1x2xf32> {nn.range = array<f32: 0.0, 1.0>}) -> tensor<1x2xf32> {
    %w = nn.constant dense<[[1.0e-9, -0.5e-9], [0.5, -0.25]]> : tensor<2x2xf32> {nn.name = "w"} -> tensor<2x2xf32>
    %b = nn.constant dense<[1.0, 0.0]> : tensor<2xf32> {nn.name = "b"} -> tensor<2xf32>
    %y = nn.fully_connected %x, %w, %b {nn.name = "y", nn.range = array<f32: -1.0, 1.0>, activation = "none"} : (tensor<1x2xf32>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<1x2xf32>
    func.return %y : tensor<1x2xf32>
  }
}
