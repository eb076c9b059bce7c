// RUN: not stai-opt %s -p convert-nn-to-qnn 2>&1 | filecheck %s

// An int16 (16x8) op without an int16 kernel is a one-line error naming the op (TFLite
// Micro has no int16 hard swish).
// CHECK: nn.hard_swish (operator 3): int16 activations (16x8) are not supported for this operator yet
func.func @hard_swish_s16(%x: tensor<1x8x!nn.q<i16, 0.5 : 0>>) -> tensor<1x8x!nn.q<i16, 0.5 : 0>> {
  %y = nn.hard_swish %x {nn.m_id = 3 : i64} : (tensor<1x8x!nn.q<i16, 0.5 : 0>>) -> tensor<1x8x!nn.q<i16, 0.5 : 0>>
  func.return %y : tensor<1x8x!nn.q<i16, 0.5 : 0>>
}
