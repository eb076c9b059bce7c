// RUN: stai-opt %s -p record-output-quant | filecheck %s

// Per-tensor quantized results get nn.out_scale / nn.out_zero_point; constants, float ops
// and per-channel types do not.
// CHECK-LABEL: func.func @quant
// CHECK:         %c = nn.constant dense<1> : tensor<2xi8> -> tensor<2x!nn.q<i8, axis 0, [0.1, 0.2] : [0, 0]>>{{$}}
// CHECK:         nn.relu %x {nn.m_id = 3 : i64, nn.out_scale = 5.000000e-01 : f64, nn.out_zero_point = -3 : i64}
// CHECK-NEXT:    nn.relu %f {nn.m_id = 4 : i64}
func.func @quant(%x: tensor<4x!nn.q<i8, 0.5 : -3>>, %f: tensor<4xf32>) -> (tensor<4x!nn.q<i8, 0.5 : -3>>, tensor<4xf32>, tensor<2x!nn.q<i8, axis 0, [0.1, 0.2] : [0, 0]>>) {
  %c = nn.constant dense<1> : tensor<2xi8> -> tensor<2x!nn.q<i8, axis 0, [0.1, 0.2] : [0, 0]>>
  %r = nn.relu %x {nn.m_id = 3 : i64} : (tensor<4x!nn.q<i8, 0.5 : -3>>) -> tensor<4x!nn.q<i8, 0.5 : -3>>
  %g = nn.relu %f {nn.m_id = 4 : i64} : (tensor<4xf32>) -> tensor<4xf32>
  func.return %r, %g, %c : tensor<4x!nn.q<i8, 0.5 : -3>>, tensor<4xf32>, tensor<2x!nn.q<i8, axis 0, [0.1, 0.2] : [0, 0]>>
}
