// RUN: stai-opt %s -p canonicalize-nn | filecheck %s

// A reshape to its own type disappears.
// CHECK-LABEL: func.func @noop_reshape
// CHECK-NEXT:    func.return %x : tensor<1x8xf32>
func.func @noop_reshape(%x: tensor<1x8xf32>) -> tensor<1x8xf32> {
  %r = nn.reshape %x : (tensor<1x8xf32>) -> tensor<1x8xf32>
  func.return %r : tensor<1x8xf32>
}

// A reshape of a reshape is one reshape, which keeps the outer op's attributes.
// CHECK-LABEL: func.func @reshape_of_reshape
// CHECK-NEXT:    %b = nn.reshape %x {nn.m_id = 2 : i64} : (tensor<1x1x1x8x!nn.q<i8, 0.5 : 3>>) -> tensor<8x!nn.q<i8, 0.5 : 3>>
// CHECK-NEXT:    func.return %b
func.func @reshape_of_reshape(%x: tensor<1x1x1x8x!nn.q<i8, 0.5 : 3>>) -> tensor<8x!nn.q<i8, 0.5 : 3>> {
  %a = nn.reshape %x {nn.m_id = 1 : i64} : (tensor<1x1x1x8x!nn.q<i8, 0.5 : 3>>) -> tensor<1x8x!nn.q<i8, 0.5 : 3>>
  %b = nn.reshape %a {nn.m_id = 2 : i64} : (tensor<1x8x!nn.q<i8, 0.5 : 3>>) -> tensor<8x!nn.q<i8, 0.5 : 3>>
  func.return %b : tensor<8x!nn.q<i8, 0.5 : 3>>
}

// A reshape back to the original type folds away completely.
// CHECK-LABEL: func.func @reshape_round_trip
// CHECK-NEXT:    func.return %x : tensor<2x4xf32>
func.func @reshape_round_trip(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %a = nn.reshape %x : (tensor<2x4xf32>) -> tensor<8xf32>
  %b = nn.reshape %a : (tensor<8xf32>) -> tensor<2x4xf32>
  func.return %b : tensor<2x4xf32>
}

// An inner reshape with another user stays.
// CHECK-LABEL: func.func @shared_reshape
// CHECK-NEXT:    %a = nn.reshape %x : (tensor<2x4xf32>) -> tensor<8xf32>
// CHECK-NEXT:    %b = nn.reshape %x : (tensor<2x4xf32>) -> tensor<4x2xf32>
// CHECK-NEXT:    func.return %a, %b
func.func @shared_reshape(%x: tensor<2x4xf32>) -> (tensor<8xf32>, tensor<4x2xf32>) {
  %a = nn.reshape %x : (tensor<2x4xf32>) -> tensor<8xf32>
  %b = nn.reshape %a : (tensor<8xf32>) -> tensor<4x2xf32>
  func.return %a, %b : tensor<8xf32>, tensor<4x2xf32>
}

// A quantize to the input's own type disappears; a real requantization stays.
// CHECK-LABEL: func.func @quantize
// CHECK-NEXT:    %b = nn.quantize %x : (tensor<4x!nn.q<i8, 0.5 : 3>>) -> tensor<4x!nn.q<i8, 0.25 : 3>>
// CHECK-NEXT:    func.return %b
func.func @quantize(%x: tensor<4x!nn.q<i8, 0.5 : 3>>) -> tensor<4x!nn.q<i8, 0.25 : 3>> {
  %a = nn.quantize %x : (tensor<4x!nn.q<i8, 0.5 : 3>>) -> tensor<4x!nn.q<i8, 0.5 : 3>>
  %b = nn.quantize %a : (tensor<4x!nn.q<i8, 0.5 : 3>>) -> tensor<4x!nn.q<i8, 0.25 : 3>>
  func.return %b : tensor<4x!nn.q<i8, 0.25 : 3>>
}

// A dequantized constant is an f32 constant: scale * (q - zp), per tensor or per channel.
// CHECK-LABEL: func.func @dequantize_constant
// CHECK-NEXT:    %d = nn.constant dense<[-1.000000e+00, 0.000000e+00, 5.000000e-01, 6.000000e+00]> : tensor<4xf32> {nn.name = "w"} -> tensor<4xf32>
// CHECK-NEXT:    %e = nn.constant dense<{{\[}}[2.000000e+00, -2.000000e+00], [5.000000e-01, 2.500000e-01]]> : tensor<2x2xf32> -> tensor<2x2xf32>
// CHECK-NEXT:    func.return %d, %e
func.func @dequantize_constant() -> (tensor<4xf32>, tensor<2x2xf32>) {
  %c = nn.constant dense<[-2, 0, 1, 12]> : tensor<4xi8> -> tensor<4x!nn.q<i8, 0.5 : 0>>
  %d = nn.dequantize %c {nn.name = "w"} : (tensor<4x!nn.q<i8, 0.5 : 0>>) -> tensor<4xf32>
  %k = nn.constant dense<[[4, -4], [3, 2]]> : tensor<2x2xi8> -> tensor<2x2x!nn.q<i8, axis 0, [0.5, 0.25] : [0, 1]>>
  %e = nn.dequantize %k : (tensor<2x2x!nn.q<i8, axis 0, [0.5, 0.25] : [0, 1]>>) -> tensor<2x2xf32>
  func.return %d, %e : tensor<4xf32>, tensor<2x2xf32>
}

// A dequantize of a non-constant stays.
// CHECK-LABEL: func.func @dequantize_value
// CHECK-NEXT:    %d = nn.dequantize %x
func.func @dequantize_value(%x: tensor<4x!nn.q<i8, 0.5 : 0>>) -> tensor<4xf32> {
  %d = nn.dequantize %x : (tensor<4x!nn.q<i8, 0.5 : 0>>) -> tensor<4xf32>
  func.return %d : tensor<4xf32>
}
