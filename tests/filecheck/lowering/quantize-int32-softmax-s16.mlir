// RUN: stai-opt %s -p convert-nn-to-qnn | filecheck %s --check-prefix=QNN
// RUN: stai-opt %s -p convert-nn-to-qnn,convert-qnn-to-buf,convert-buf-to-c | stai-translate | filecheck %s --check-prefix=C

// QUANTIZE to and from int32 is qnn.requantize with an i32 result or operand: int8 ->
// int32 by 0.0523 / 0.0004 = 130.75 (0.5107 * 2^8), int32 -> int8 by 0.0001 / 0.05 =
// 0.002 (0.512 * 2^-8), both from the float32 scales as TFLite Micro's Prepare. An int8
// SOFTMAX with an int16 output (1/65536 : -32768) keeps int8's parameters (beta * s_in as
// a Q31 multiplier and shift, diff_min) and calls arm_softmax_s8_s16.
// QNN-LABEL: func.func @int32_and_softmax_s16
// QNN-NEXT:    %a = qnn.requantize ins(%x : tensor<1x10xi8>) {params = #qnn.requantize_s8<input_offset = 7, output_offset = 0, multiplier = 1096810496, shift = 8>} -> tensor<1x10xi32>
// QNN-NEXT:    %b = qnn.requantize ins(%w : tensor<1x10xi32>) {params = #qnn.requantize_s8<input_offset = 0, output_offset = 3, multiplier = 1099511584, shift = -8>} -> tensor<1x10xi8>
// QNN-NEXT:    %s = qnn.softmax ins(%x : tensor<1x10xi8>) {params = #qnn.softmax_s8<multiplier = 1797014272, shift = 22, diff_min = -496>} -> tensor<1x10xi16>
// QNN-NEXT:    func.return %a, %b, %s : tensor<1x10xi32>, tensor<1x10xi8>, tensor<1x10xi16>

// C:      stai_requantize_s8_s32((int8_t *)
// C-NEXT:   (int32_t *)
// C-NEXT:   10,
// C-NEXT:   7,
// C-NEXT:   1096810496,
// C-NEXT:   8,
// C-NEXT:   0)
// C:      stai_requantize_s32_s8((int32_t *)
// C-NEXT:   (int8_t *)
// C-NEXT:   10,
// C-NEXT:   0,
// C-NEXT:   1099511584,
// C-NEXT:   -8,
// C-NEXT:   3)
// C:      arm_softmax_s8_s16((int8_t *)
// C-NEXT:   1,
// C-NEXT:   10,
// C-NEXT:   1797014272,
// C-NEXT:   22,
// C-NEXT:   -496,
// C-NEXT:   (int16_t *)
func.func @int32_and_softmax_s16(%x: tensor<1x10x!nn.q<i8, 0.0523 : -7>> {nn.name = "in"}, %w: tensor<1x10x!nn.q<i32, 0.0001 : 0>> {nn.name = "wide"}) -> (tensor<1x10x!nn.q<i32, 0.0004 : 0>>, tensor<1x10x!nn.q<i8, 0.05 : 3>>, tensor<1x10x!nn.q<i16, 1.52587890625e-05 : -32768>>) {
  %a = nn.quantize %x : (tensor<1x10x!nn.q<i8, 0.0523 : -7>>) -> tensor<1x10x!nn.q<i32, 0.0004 : 0>>
  %b = nn.quantize %w : (tensor<1x10x!nn.q<i32, 0.0001 : 0>>) -> tensor<1x10x!nn.q<i8, 0.05 : 3>>
  %s = nn.softmax %x {beta = 1.0 : f32} : (tensor<1x10x!nn.q<i8, 0.0523 : -7>>) -> tensor<1x10x!nn.q<i16, 1.52587890625e-05 : -32768>>
  func.return %a, %b, %s : tensor<1x10x!nn.q<i32, 0.0004 : 0>>, tensor<1x10x!nn.q<i8, 0.05 : 3>>, tensor<1x10x!nn.q<i16, 1.52587890625e-05 : -32768>>
}
