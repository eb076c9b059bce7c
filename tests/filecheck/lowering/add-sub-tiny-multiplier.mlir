// RUN: stai-opt %s -p convert-nn-to-qnn | filecheck %s

// An input multiplier below 2^-31 (its shift would be below -31) is 0 with shift 0, as
// TFLite Micro's QuantizeMultiplier makes it: that input adds nothing, and no kernel
// shifts by more than 31. int8 and 16x8, ADD and SUB alike.
// CHECK: qnn.add {{.*}}params = #qnn.add_sub_s8<left_shift = 20, input1_offset = 0, input1_multiplier = 0, input1_shift = 0, input2_offset = 0, input2_multiplier = 1073741824, input2_shift = 0,
// CHECK: qnn.sub {{.*}}params = #qnn.add_sub_s8<left_shift = 15, input1_offset = 0, input1_multiplier = 1073741824, input1_shift = 0, input2_offset = 0, input2_multiplier = 0, input2_shift = 0,
func.func @tiny(%a: tensor<1x8x!nn.q<i8, 1.0e-14 : 0>>, %b: tensor<1x1x!nn.q<i8, 0.5 : 0>>,
                %c: tensor<1x8x!nn.q<i16, 0.5 : 0>>, %d: tensor<1x1x!nn.q<i16, 1.0e-14 : 0>>)
    -> (tensor<1x8x!nn.q<i8, 1.0 : 0>>, tensor<1x8x!nn.q<i16, 1.0 : 0>>) {
  %s = nn.add %a, %b {activation = "none", nn.m_id = 1 : i64} : (tensor<1x8x!nn.q<i8, 1.0e-14 : 0>>, tensor<1x1x!nn.q<i8, 0.5 : 0>>) -> tensor<1x8x!nn.q<i8, 1.0 : 0>>
  %t = nn.sub %c, %d {activation = "none", nn.m_id = 2 : i64} : (tensor<1x8x!nn.q<i16, 0.5 : 0>>, tensor<1x1x!nn.q<i16, 1.0e-14 : 0>>) -> tensor<1x8x!nn.q<i16, 1.0 : 0>>
  func.return %s, %t : tensor<1x8x!nn.q<i8, 1.0 : 0>>, tensor<1x8x!nn.q<i16, 1.0 : 0>>
}
