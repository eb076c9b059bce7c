// RUN: sed -n 's|^//A ||p' %s | not stai-opt -p convert-nn-to-qnn 2>&1 | filecheck %s --check-prefix=A
// RUN: sed -n 's|^//B ||p' %s | not stai-opt -p convert-nn-to-qnn 2>&1 | filecheck %s --check-prefix=B
// RUN: sed -n 's|^//C ||p' %s | not stai-opt -p convert-nn-to-qnn 2>&1 | filecheck %s --check-prefix=C
// RUN: sed -n 's|^//D ||p' %s | not stai-opt -p convert-nn-to-qnn 2>&1 | filecheck %s --check-prefix=D
// RUN: sed -n 's|^//E ||p' %s | not stai-opt -p convert-nn-to-qnn 2>&1 | filecheck %s --check-prefix=E
// RUN: sed -n 's|^//F ||p' %s | stai-opt -p convert-nn-to-qnn | filecheck %s --check-prefix=F
//
// Unsigned storage converts only as TFLite Micro does (uint8 <-> int8 QUANTIZE, uint8 ->
// float32 DEQUANTIZE); any other pair with an unsigned side is refused by convert-nn-to-qnn
// in one line naming the op and its model operator (not later, as a missing C kernel).
// Each case is one module, taken out of this file by the prefix of its lines.

// A: stai-opt: error: nn.quantize (operator 2): QUANTIZE float32 -> uint8 is not supported (uint8 only in QUANTIZE uint8 <-> int8 and DEQUANTIZE uint8 -> float32)
//A func.func @f32_to_u8(%x: tensor<4xf32>) -> tensor<4x!nn.q<ui8, 0.5 : 128>> {
//A   %y = nn.quantize %x {nn.m_id = 2 : i64} : (tensor<4xf32>) -> tensor<4x!nn.q<ui8, 0.5 : 128>>
//A   func.return %y : tensor<4x!nn.q<ui8, 0.5 : 128>>
//A }

// B: stai-opt: error: nn.quantize (operator 3): QUANTIZE uint8 -> int16 is not supported (uint8 only in QUANTIZE uint8 <-> int8 and DEQUANTIZE uint8 -> float32)
//B func.func @u8_to_s16(%x: tensor<4x!nn.q<ui8, 0.5 : 128>>) -> tensor<4x!nn.q<i16, 0.5 : 0>> {
//B   %y = nn.quantize %x {nn.m_id = 3 : i64} : (tensor<4x!nn.q<ui8, 0.5 : 128>>) -> tensor<4x!nn.q<i16, 0.5 : 0>>
//B   func.return %y : tensor<4x!nn.q<i16, 0.5 : 0>>
//B }

// C: stai-opt: error: nn.quantize (operator 4): QUANTIZE int16 -> uint8 is not supported (uint8 only in QUANTIZE uint8 <-> int8 and DEQUANTIZE uint8 -> float32)
//C func.func @s16_to_u8(%x: tensor<4x!nn.q<i16, 0.5 : 0>>) -> tensor<4x!nn.q<ui8, 0.5 : 128>> {
//C   %y = nn.quantize %x {nn.m_id = 4 : i64} : (tensor<4x!nn.q<i16, 0.5 : 0>>) -> tensor<4x!nn.q<ui8, 0.5 : 128>>
//C   func.return %y : tensor<4x!nn.q<ui8, 0.5 : 128>>
//C }

// D: stai-opt: error: nn.quantize (operator 5): QUANTIZE uint8 -> uint8 is not supported (uint8 only in QUANTIZE uint8 <-> int8 and DEQUANTIZE uint8 -> float32)
//D func.func @u8_to_u8(%x: tensor<4x!nn.q<ui8, 0.5 : 128>>) -> tensor<4x!nn.q<ui8, 0.25 : 100>> {
//D   %y = nn.quantize %x {nn.m_id = 5 : i64} : (tensor<4x!nn.q<ui8, 0.5 : 128>>) -> tensor<4x!nn.q<ui8, 0.25 : 100>>
//D   func.return %y : tensor<4x!nn.q<ui8, 0.25 : 100>>
//D }

// E: stai-opt: error: nn.dequantize (operator 6): DEQUANTIZE uint16 -> float32 is not supported (uint8 only in QUANTIZE uint8 <-> int8 and DEQUANTIZE uint8 -> float32)
//E func.func @u16_to_f32(%x: tensor<4x!nn.q<ui16, 0.5 : 1000>>) -> tensor<4xf32> {
//E   %y = nn.dequantize %x {nn.m_id = 6 : i64} : (tensor<4x!nn.q<ui16, 0.5 : 1000>>) -> tensor<4xf32>
//E   func.return %y : tensor<4xf32>
//E }

// The pairs TFLite Micro runs still convert (sed takes the cases' lines as written).
// F:      qnn.requantize ins(%x : tensor<4xui8>)
// F-SAME:   -> tensor<4xi8>
// F-NEXT: qnn.requantize ins(%a : tensor<4xi8>)
// F-SAME:   -> tensor<4xui8>
// F-NEXT: qnn.dequantize ins(%x : tensor<4xui8>)
// F-SAME:   -> tensor<4xf32>
//F func.func @allowed(%x: tensor<4x!nn.q<ui8, 0.5 : 128>>) -> (tensor<4x!nn.q<ui8, 0.5 : 128>>, tensor<4xf32>) {
//F   %a = nn.quantize %x : (tensor<4x!nn.q<ui8, 0.5 : 128>>) -> tensor<4x!nn.q<i8, 0.5 : 0>>
//F   %b = nn.quantize %a : (tensor<4x!nn.q<i8, 0.5 : 0>>) -> tensor<4x!nn.q<ui8, 0.5 : 128>>
//F   %d = nn.dequantize %x : (tensor<4x!nn.q<ui8, 0.5 : 128>>) -> tensor<4xf32>
//F   func.return %b, %d : tensor<4x!nn.q<ui8, 0.5 : 128>>, tensor<4xf32>
//F }
