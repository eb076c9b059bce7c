// RUN: stai-opt %s -p convert-nn-to-qnn | filecheck %s

// 16x8 ADD broadcasts as int8 does: the same parameter family (left shift 15, offsets 0)
// on int16 tensors of different shapes (stai_broadcast_add_s16 in C).
// CHECK: qnn.add ins(%{{.*}}, %{{.*}} : tensor<1x8xi16>, tensor<1x1xi16>) {{{.*}}params = #qnn.add_sub_s8<left_shift = 15, input1_offset = 0,{{.*}}act = array<i32: -32768, 32767>} -> tensor<1x8xi16>
func.func @add_broadcast_s16(%a: tensor<1x8x!nn.q<i16, 0.5 : 0>>, %b: tensor<1x1x!nn.q<i16, 0.25 : 0>>) -> tensor<1x8x!nn.q<i16, 1.0 : 0>> {
  %s = nn.add %a, %b {activation = "none", nn.m_id = 5 : i64} : (tensor<1x8x!nn.q<i16, 0.5 : 0>>, tensor<1x1x!nn.q<i16, 0.25 : 0>>) -> tensor<1x8x!nn.q<i16, 1.0 : 0>>
  func.return %s : tensor<1x8x!nn.q<i16, 1.0 : 0>>
}
