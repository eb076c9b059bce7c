// nn.transpose, nn.clamp and nn.transpose_conv2d: their qnn kernels and C calls.
// RUN: stai-opt %s -p convert-nn-to-qnn | filecheck %s --check-prefix=QNN
// RUN: stai-opt %s -p convert-nn-to-qnn,convert-qnn-to-buf,convert-buf-to-c -t c | %python -c "import re, sys; print(re.sub(r'\s+', ' ', sys.stdin.read()).replace('; ', ';\n'))" | filecheck %s --check-prefix=C

// QNN:      qnn.transpose ins(%{{.*}} : tensor<1x2x3x4xf32>) {perm = array<i64: 0, 3, 1, 2>} -> tensor<1x4x2x3xf32>
// QNN:      qnn.clamp ins(%{{.*}} : tensor<1x4x2x3xf32>) {act = array<f32: -5.000000e-01, 7.500000e-01>} -> tensor<1x4x2x3xf32>
// QNN:      qnn.transpose_conv2d ins(%{{.*}}, %{{.*}}, %{{.*}} : tensor<1x2x3x4xf32>, tensor<2x3x3x4xf32>, tensor<2xf32>)
// QNN-SAME: strides = array<i64: 2, 2>, pads = array<i64: 1, 0, 1, 0>, dilations = array<i64: 1, 1>, act = array<f32: 0.000000e+00, 3.40282347e+38>
// QNN-SAME: -> tensor<1x4x6x2xf32>
// QNN:      qnn.transpose ins(%{{.*}} : tensor<1x4x2x3xi8>) {perm = array<i64: 0, 2, 3, 1>} -> tensor<1x2x3x4xi8>
// QNN:      qnn.clamp ins(%{{.*}} : tensor<1x2x3x4xi8>) {params = #qnn.requantize_s8<input_offset = 0, output_offset = 0, multiplier = 1073741824, shift = 1>, act = array<i32: -2, 6>}

// C:      stai_transpose((float *){{.*}}, (float *){{.*}}, &input_dims, 0, 3, 1, 2, 4)
// C:      stai_clamp_f32({{.*}}, -0.5f, 0.75f)
// C:      stai_transpose_conv2d_f32(&conv_params, &input_dims, {{.*}}, &filter_dims, {{.*}}, &bias_dims, {{.*}}, &output_dims, {{.*}})
// C:      stai_transpose((int8_t *){{.*}}, (int8_t *){{.*}}, &input_dims, 0, 2, 3, 1, 1)
// C:      stai_relu_s8({{.*}}, 0, 1073741824, 1, 0, -2, 6)

func.func @main(%x: tensor<1x2x3x4xf32>, %q: tensor<1x4x2x3x!nn.q<i8, 0.25 : 0>>) -> (tensor<1x4x2x3xf32>, tensor<1x4x6x2xf32>, tensor<1x2x3x4x!nn.q<i8, 0.25 : 0>>) {
  %t = nn.transpose %x {perm = array<i64: 0, 3, 1, 2>} : (tensor<1x2x3x4xf32>) -> tensor<1x4x2x3xf32>
  %c = nn.clamp %t {min = -0.5 : f32, max = 0.75 : f32} : (tensor<1x4x2x3xf32>) -> tensor<1x4x2x3xf32>
  %w = nn.constant dense<0.5> : tensor<2x3x3x4xf32> -> tensor<2x3x3x4xf32>
  %b = nn.constant dense<0.25> : tensor<2xf32> -> tensor<2xf32>
  %y = nn.transpose_conv2d %x, %w, %b {strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 0, 1, 0>, activation = "relu"} : (tensor<1x2x3x4xf32>, tensor<2x3x3x4xf32>, tensor<2xf32>) -> tensor<1x4x6x2xf32>
  %qt = nn.transpose %q {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x4x2x3x!nn.q<i8, 0.25 : 0>>) -> tensor<1x2x3x4x!nn.q<i8, 0.25 : 0>>
  %qc = nn.clamp %qt {min = -0.5 : f32, max = 1.5 : f32} : (tensor<1x2x3x4x!nn.q<i8, 0.25 : 0>>) -> tensor<1x2x3x4x!nn.q<i8, 0.25 : 0>>
  func.return %c, %y, %qc : tensor<1x4x2x3xf32>, tensor<1x4x6x2xf32>, tensor<1x2x3x4x!nn.q<i8, 0.25 : 0>>
}
