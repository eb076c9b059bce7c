// RUN: stai-opt %s -p convert-nn-to-qnn | filecheck %s --check-prefix=QNN
// RUN: stai-opt %s -p convert-nn-to-qnn,convert-qnn-to-buf,convert-buf-to-c | stai-translate | filecheck %s --check-prefix=C

// A converted model's uint8 input and outputs: !nn.q<ui8, ...> lowers to ui8 buffers and
// uint8_t pointers. uint8 -> int8 and int8 -> uint8 are qnn.requantize; with equal scales
// the multiplier is exactly 1 (2^30, shift 1) and zero points 128 apart make the kernel's
// sign-bit flip (%a, %y); other scales take the general path (%b: 0.0078125 / 0.03125 =
// 1/4: 2^30, shift -1; %z: 0.03125 / 0.0625 = 1/2: shift 0). uint8 -> float is
// qnn.dequantize.
// QNN-LABEL: func.func @uint8_io
// QNN-SAME:      (%x: tensor<1x4x4x3xui8> {nn.name = "in"}) -> (tensor<1x4x4x3xui8> {nn.name = "out"}, tensor<1x4x4x3xf32> {nn.name = "deq"})
// QNN-NEXT:    %a = qnn.requantize ins(%x : tensor<1x4x4x3xui8>) {params = #qnn.requantize_s8<input_offset = -128, output_offset = 0, multiplier = 1073741824, shift = 1>} -> tensor<1x4x4x3xi8>
// QNN-NEXT:    %b = qnn.requantize ins(%x : tensor<1x4x4x3xui8>) {params = #qnn.requantize_s8<input_offset = -128, output_offset = -5, multiplier = 1073741824, shift = -1>} -> tensor<1x4x4x3xi8>
// QNN-NEXT:    %y = qnn.requantize ins(%a : tensor<1x4x4x3xi8>) {params = #qnn.requantize_s8<input_offset = 0, output_offset = 128, multiplier = 1073741824, shift = 1>} -> tensor<1x4x4x3xui8>
// QNN-NEXT:    %z = qnn.requantize ins(%b : tensor<1x4x4x3xi8>) {params = #qnn.requantize_s8<input_offset = 5, output_offset = 7, multiplier = 1073741824, shift = 0>} -> tensor<1x4x4x3xui8>
// QNN-NEXT:    %d = qnn.dequantize ins(%z : tensor<1x4x4x3xui8>) {params = #qnn.quantization<scale = 6.250000e-02, zero_point = 7>} -> tensor<1x4x4x3xf32>
// QNN-NEXT:    func.return %y, %d : tensor<1x4x4x3xui8>, tensor<1x4x4x3xf32>

// C:      stai_requantize_u8_s8((uint8_t *)
// C-NEXT:   (int8_t *)
// C-NEXT:   48,
// C-NEXT:   -128,
// C-NEXT:   1073741824,
// C-NEXT:   1,
// C-NEXT:   0)
// C:      stai_requantize_u8_s8((uint8_t *)
// C-NEXT:   (int8_t *)
// C-NEXT:   48,
// C-NEXT:   -128,
// C-NEXT:   1073741824,
// C-NEXT:   -1,
// C-NEXT:   -5)
// C:      stai_requantize_s8_u8((int8_t *)
// C-NEXT:   (uint8_t *)
// C-NEXT:   48,
// C-NEXT:   0,
// C-NEXT:   1073741824,
// C-NEXT:   1,
// C-NEXT:   128)
// C:      stai_requantize_s8_u8((int8_t *)
// C:      stai_dequantize_u8_f32((uint8_t *)
// C-NEXT:   (float *)
// C-NEXT:   48,
// C-NEXT:   0.0625f,
// C-NEXT:   7)
func.func @uint8_io(%x: tensor<1x4x4x3x!nn.q<ui8, 0.0078125 : 128>> {nn.name = "in"}) -> (tensor<1x4x4x3x!nn.q<ui8, 0.0078125 : 128>> {nn.name = "out"}, tensor<1x4x4x3xf32> {nn.name = "deq"}) {
  %a = nn.quantize %x : (tensor<1x4x4x3x!nn.q<ui8, 0.0078125 : 128>>) -> tensor<1x4x4x3x!nn.q<i8, 0.0078125 : 0>>
  %b = nn.quantize %x : (tensor<1x4x4x3x!nn.q<ui8, 0.0078125 : 128>>) -> tensor<1x4x4x3x!nn.q<i8, 0.03125 : -5>>
  %y = nn.quantize %a : (tensor<1x4x4x3x!nn.q<i8, 0.0078125 : 0>>) -> tensor<1x4x4x3x!nn.q<ui8, 0.0078125 : 128>>
  %z = nn.quantize %b : (tensor<1x4x4x3x!nn.q<i8, 0.03125 : -5>>) -> tensor<1x4x4x3x!nn.q<ui8, 0.0625 : 7>>
  %d = nn.dequantize %z : (tensor<1x4x4x3x!nn.q<ui8, 0.0625 : 7>>) -> tensor<1x4x4x3xf32>
  func.return %y, %d : tensor<1x4x4x3x!nn.q<ui8, 0.0078125 : 128>>, tensor<1x4x4x3xf32>
}
