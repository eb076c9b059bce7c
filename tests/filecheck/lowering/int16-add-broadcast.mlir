// RUN: not stai-opt %s -p convert-nn-to-qnn 2>&1 | filecheck %s

// 16x8 ADD / SUB have same-shape kernels only: a broadcast is a one-line error.
// CHECK: nn.add (operator 5): int16 (16x8) broadcasting is not supported yet: same shapes only
func.func @add_broadcast_s16(%a: tensor<1x8x!nn.q<i16, 0.5 : 0>>, %b: tensor<1x1x!nn.q<i16, 0.25 : 0>>) -> tensor<1x8x!nn.q<i16, 1.0 : 0>> {
  %s = nn.add %a, %b {activation = "none", nn.m_id = 5 : i64} : (tensor<1x8x!nn.q<i16, 0.5 : 0>>, tensor<1x1x!nn.q<i16, 0.25 : 0>>) -> tensor<1x8x!nn.q<i16, 1.0 : 0>>
  func.return %s : tensor<1x8x!nn.q<i16, 1.0 : 0>>
}
