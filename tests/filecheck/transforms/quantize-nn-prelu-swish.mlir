// RUN: stai-opt %s -p quantize-nn --split-input-file | filecheck %s

// A calibrated swish becomes an int8 logistic (output 1/256 : -128) and an int8 mul of
// the input by it with the swish's own range ([-0.28, 4] -> 4.28 / 255, zero point -111),
// as the TFLite converter writes it; the mul keeps the swish's name and model operator.
// A prelu runs in int8 with its constant alpha quantized symmetrically per tensor
// (max |alpha| / 127 = 0.5 / 127, zero point 0); nothing is left in float.
// CHECK:      builtin.module attributes {nn.float_ops = []}
// CHECK:        %[[X:.*]] = nn.quantize %x : {{.*}} -> tensor<1x2x2x3x!nn.q<i8, 0.0313725508749485 : -1>>
// CHECK-NEXT:   %[[L:.*]] = nn.logistic %[[X]] {nn.m_id = 3 : i64} : {{.*}} -> tensor<1x2x2x3x!nn.q<i8, 0.00390625 : -128>>
// CHECK-NEXT:   %s = nn.mul %[[X]], %[[L]] {nn.range = {{.*}}, nn.name = "sw", nn.m_id = 3 : i64, activation = "none"} : {{.*}} -> tensor<1x2x2x3x!nn.q<i8, 0.016784314066171646 : -111>>
// CHECK-NEXT:   %[[A:.*]] = nn.constant dense<{{\[\[\[}}64, -127, 32]]]> : tensor<1x1x3xi8> {nn.name = "alpha"} -> tensor<1x1x3x!nn.q<i8, 0.003937007859349251 : 0>>
// CHECK-NEXT:   %p = nn.prelu %s, %[[A]] {{.*}} -> tensor<1x2x2x3x!nn.q<i8, 0.019607843831181526 : -77>>
// CHECK-NEXT:   %{{.*}} = nn.dequantize %p
// CHECK-NOT:    nn.swish
// CHECK:      {{^// -{5}$}}
builtin.module {
  func.func @main(%x: tensor<1x2x2x3xf32> {nn.range = array<f32: -4.0, 4.0>}) -> tensor<1x2x2x3xf32> {
    %s = nn.swish %x {nn.range = array<f32: -0.28, 4.0>, nn.name = "sw", nn.m_id = 3 : i64} : (tensor<1x2x2x3xf32>) -> tensor<1x2x2x3xf32>
    %a = nn.constant dense<[[[0.25, -0.5, 0.127]]]> : tensor<1x1x3xf32> {nn.name = "alpha"} -> tensor<1x1x3xf32>
    %p = nn.prelu %s, %a {nn.range = array<f32: -1.0, 4.0>} : (tensor<1x2x2x3xf32>, tensor<1x1x3xf32>) -> tensor<1x2x2x3xf32>
    func.return %p : tensor<1x2x2x3xf32>
  }
}

// -----

// An uncalibrated swish (no nn.range) stays as it is, in float, and is reported.
// CHECK:      builtin.module attributes {nn.float_ops = ["nn.swish (nn.swish)"]}
// CHECK:        nn.swish %{{.*}} : (tensor<1x4xf32>) -> tensor<1x4xf32>
builtin.module {
  func.func @main(%x: tensor<1x4xf32>) -> tensor<1x4xf32> {
    %s = nn.swish %x : (tensor<1x4xf32>) -> tensor<1x4xf32>
    func.return %s : tensor<1x4xf32>
  }
}
