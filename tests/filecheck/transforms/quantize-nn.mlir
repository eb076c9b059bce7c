// RUN: stai-opt %s -p quantize-nn | filecheck %s
// RUN: stai-opt %s -p 'quantize-nn{per-channel-fc=false}' | filecheck %s --check-prefix=TENSOR

// A calibrated FC (range [0, 2.55] after its relu) then a softmax, and a float-only div:
// float I/O gets quantize/dequantize; the FC weights are symmetric int8 per output channel
// (row max |w| 1.27 -> scale 0.01, 0.32 -> 0.32 / 127), the bias int32 with scale
// s_in * s_w per channel; the softmax output is fixed at 1/256 : -128; the div stays float
// between dequantize and quantize.
// CHECK:      builtin.module attributes {nn.float_ops = ["nn.div (d)"]}
// CHECK:        %0 = nn.quantize %x : (tensor<1x2xf32>) -> tensor<1x2x!nn.q<i8, 0.003921568859368563 : -128>>
// CHECK-NEXT:   %1 = nn.constant dense<{{\[}}[127, -64], [0, 127]]> : tensor<2x2xi8> {nn.name = "w"} -> tensor<2x2x!nn.q<i8, axis 0, [0.009999999776482582, 0.0025196850765496492] : [0, 0]>>
// CHECK-NEXT:   %2 = nn.constant dense<[2550, 0]> : tensor<2xi32> {nn.name = "b"} -> tensor<2x!nn.q<i32, axis 0, [3.9215687138494104e-05, 9.88111878541531e-06] : [0, 0]>>
// CHECK-NEXT:   %y = nn.fully_connected %0, %1, %2 {{.*}} -> tensor<1x2x!nn.q<i8, 0.009999999776482582 : -128>>
// CHECK-NEXT:   %3 = nn.dequantize %y : (tensor<1x2x!nn.q<i8, 0.009999999776482582 : -128>>) -> tensor<1x2xf32>
// CHECK-NEXT:   %d = nn.div %3, %3 {{.*}} : (tensor<1x2xf32>, tensor<1x2xf32>) -> tensor<1x2xf32>
// CHECK-NEXT:   %4 = nn.quantize %d : (tensor<1x2xf32>) -> tensor<1x2x!nn.q<i8, 0.003921568859368563 : -128>>
// CHECK-NEXT:   %s = nn.softmax %4 {{.*}} -> tensor<1x2x!nn.q<i8, 0.00390625 : -128>>
// CHECK-NEXT:   %5 = nn.dequantize %s
// CHECK-NEXT:   func.return %5 : tensor<1x2xf32>

// With per-channel-fc=false, one scale for the whole FC weight (max |w| = 1.27 -> 0.01).
// TENSOR:      %1 = nn.constant dense<{{\[}}[127, -64], [0, 32]]> : tensor<2x2xi8> {nn.name = "w"} -> tensor<2x2x!nn.q<i8, 0.009999999776482582 : 0>>
// TENSOR-NEXT: %2 = nn.constant dense<[2550, 0]> : tensor<2xi32> {nn.name = "b"} -> tensor<2x!nn.q<i32, 3.9215687138494104e-05 : 0>>
builtin.module {
  func.func @main(%x: tensor<1x2xf32> {nn.range = array<f32: 0.0, 1.0>}) -> tensor<1x2xf32> {
    %w = nn.constant dense<[[1.27, -0.64], [0.0, 0.32]]> : tensor<2x2xf32> {nn.name = "w"} -> tensor<2x2xf32>
    %b = nn.constant dense<[0.1, 0.0]> : tensor<2xf32> {nn.name = "b"} -> tensor<2xf32>
    %y = nn.fully_connected %x, %w, %b {nn.range = array<f32: 0.0, 2.55>, activation = "relu"} : (tensor<1x2xf32>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<1x2xf32>
    %d = nn.div %y, %y {nn.name = "d", nn.range = array<f32: 0.0, 1.0>, activation = "none"} : (tensor<1x2xf32>, tensor<1x2xf32>) -> tensor<1x2xf32>
    %s = nn.softmax %d {beta = 1.0 : f32} : (tensor<1x2xf32>) -> tensor<1x2xf32>
    func.return %s : tensor<1x2xf32>
  }
}
