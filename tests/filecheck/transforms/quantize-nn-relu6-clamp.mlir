// RUN: stai-opt %s -p quantize-nn | filecheck %s

// A standalone relu6 keeps its input's int8 parameters (TFLite Micro's int8 RELU6 clamps
// the input codes without rescaling), although calibration gave it the range [0, 6];
// a relu gets its own range [0, 4] (its int8 kernel rescales), and so does a clamp to
// [0, 3] (an int8 relu then the clamp to the quantized bounds).
// CHECK:      %0 = nn.quantize %x : (tensor<1x4xf32>) -> tensor<1x4x!nn.q<i8, 0.0470588244497776 : -43>>
// CHECK-NEXT: %r6 = nn.relu6 %0 {{.*}} -> tensor<1x4x!nn.q<i8, 0.0470588244497776 : -43>>
// CHECK-NEXT: %r = nn.relu %0 {{.*}} -> tensor<1x4x!nn.q<i8, 0.01568627543747425 : -128>>
// CHECK-NEXT: %c = nn.clamp %0 {{.*}} -> tensor<1x4x!nn.q<i8, 0.0117647061124444 : -128>>
builtin.module {
  func.func @main(%x: tensor<1x4xf32> {nn.range = array<f32: -4.0, 8.0>}) -> (tensor<1x4xf32>, tensor<1x4xf32>, tensor<1x4xf32>) {
    %r6 = nn.relu6 %x {nn.range = array<f32: 0.0, 6.0>} : (tensor<1x4xf32>) -> tensor<1x4xf32>
    %r = nn.relu %x {nn.range = array<f32: 0.0, 4.0>} : (tensor<1x4xf32>) -> tensor<1x4xf32>
    %c = nn.clamp %x {min = 0.0 : f32, max = 3.0 : f32, nn.range = array<f32: 0.0, 3.0>} : (tensor<1x4xf32>) -> tensor<1x4xf32>
    func.return %r6, %r, %c : tensor<1x4xf32>, tensor<1x4xf32>, tensor<1x4xf32>
  }
}
