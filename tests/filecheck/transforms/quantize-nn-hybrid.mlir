// RUN: stai-opt %s -p quantize-nn | filecheck %s

// A hybrid conv (float activations, int8 weights with one scale 0.01): quantize-nn
// re-quantizes the weights from their real values [[1.27, -0.64], [0, 0.32]] per output
// channel, scales 0.01 and 0.32 / 127, so the second row uses the whole int8 range.
// CHECK:      %1 = nn.constant dense<{{\[\[\[\[}}127, -64]]], {{\[\[\[}}0, 127]]]]> : tensor<2x1x1x2xi8> {nn.name = "w"} -> tensor<2x1x1x2x!nn.q<i8, axis 0, [0.009999999776482582, 0.0025196850765496492] : [0, 0]>>
// CHECK-NEXT: %2 = nn.constant dense<[2550, 0]> : tensor<2xi32> {nn.name = "b"} -> tensor<2x!nn.q<i32, axis 0, [3.9215687138494104e-05, 9.88111878541531e-06] : [0, 0]>>
// CHECK-NEXT: %y = nn.conv2d %0, %1, %2
builtin.module {
  func.func @main(%x: tensor<1x1x1x2xf32> {nn.range = array<f32: 0.0, 1.0>}) -> tensor<1x1x1x2xf32> {
    %w = nn.constant dense<[[[[127, -64]]], [[[0, 32]]]]> : tensor<2x1x1x2xi8> {nn.name = "w"} -> tensor<2x1x1x2x!nn.q<i8, 0.01 : 0>>
    %b = nn.constant dense<[0.1, 0.0]> : tensor<2xf32> {nn.name = "b"} -> tensor<2xf32>
    %y = nn.conv2d %x, %w, %b {nn.range = array<f32: 0.0, 2.55>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, activation = "relu"} : (tensor<1x1x1x2xf32>, tensor<2x1x1x2x!nn.q<i8, 0.01 : 0>>, tensor<2xf32>) -> tensor<1x1x1x2xf32>
    func.return %y : tensor<1x1x1x2xf32>
  }
}
