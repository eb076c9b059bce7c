// RUN: not stai-opt %s -p convert-nn-to-qnn 2>&1 | filecheck %s
//
// int16 (16x8) resizing is nearest only: a bilinear one is refused in one line naming the
// op and its model operator.

// CHECK: nn.resize (operator 4): int16 activations (16x8) are not supported for this operator yet

func.func @main(%x: tensor<1x2x2x1x!nn.q<i16, 0.5 : 0>>) -> tensor<1x4x4x1x!nn.q<i16, 0.5 : 0>> {
  %y = nn.resize %x {mode = "linear", coordinate_mode = "asymmetric", nearest_mode = "floor", convention = "tflite", scales = array<f32: 2.0, 2.0>, nn.m_id = 4 : i64} : (tensor<1x2x2x1x!nn.q<i16, 0.5 : 0>>) -> tensor<1x4x4x1x!nn.q<i16, 0.5 : 0>>
  func.return %y : tensor<1x4x4x1x!nn.q<i16, 0.5 : 0>>
}
