// RUN: stai-opt %s -p 'select-kernels{kernels=stai optimize=time}' | filecheck %s
// RUN: stai-opt %s -p 'select-kernels{kernels=stai optimize=balanced}' | filecheck %s --check-prefix=BALANCED
// RUN: stai-opt %s -p 'select-kernels{kernels=stai optimize=ram}' | filecheck %s --check-prefix=RAM
// RUN: not stai-opt %s -p 'select-kernels{kernels=stai optimize=fast}' 2>&1 | filecheck %s --check-prefix=BAD

// -O time: the 1x1 convolution of select-kernels.mlir (5 -> 3 channels, w[o][i] = 5o+i+1)
// takes int16 weights. Each int8 word {w[2j][a], w[2j+1][a], w[2j][b], w[2j+1][b]} of
// output pair j and input slot (a, b) becomes the int16 words {w[2j][a], w[2j][b]},
// {w[2j+1][a], w[2j+1][b]}, in the same order: the int8 words [1, 6, 3, 8] [11, 0, 13, 0]
// [2, 7, 4, 9] [12, 0, 14, 0] [5, 10, 0, 0] [15, 0, 0, 0] become the values below (24
// int16, 48 bytes against 24). The effective bias is the same.

// CHECK-LABEL: func.func @conv1x1
// CHECK:       %[[W:.*]] = arith.constant dense<[1, 3, 6, 8, 11, 13, 0, 0, 2, 4, 7, 9, 12, 14, 0, 0, 5, 0, 10, 0, 15, 0, 0, 0]> : tensor<24xi16>
// CHECK-NEXT:  %[[B:.*]] = arith.constant dense<[40, 100, 160, 0]> : tensor<4xi32>
// CHECK-NEXT:  %[[Y:.*]] = mk.conv1x1_s8 ins(%x, %[[W]], %[[B]] : tensor<1x2x2x5xi8>, tensor<24xi16>, tensor<4xi32>)

// BALANCED-LABEL: func.func @conv1x1
// BALANCED:       mk.conv1x1_s8 ins(%x, %{{.*}}, %{{.*}} : tensor<1x2x2x5xi8>, tensor<24xi8>, tensor<4xi32>)

// -O ram: stai's kernel needs 36 bytes of scratch (three pixels' input as int16 slots);
// this layer's working set is the model's largest, so it takes the first kernel without
// scratch in the order of preference: stai's 1x1 kernel with `no_scratch` (every pixel
// widened in registers, one at a time), before CMSIS-NN's call.

// RAM-LABEL: func.func @conv1x1
// RAM:       mk.conv1x1_s8 ins(%x, %{{.*}}, %{{.*}} : tensor<1x2x2x5xi8>, tensor<24xi8>, tensor<4xi32>)
// RAM-SAME:  no_scratch

// BAD: optimize must be balanced, time, ram, got 'fast'

func.func @conv1x1(%x: tensor<1x2x2x5xi8>) -> tensor<1x2x2x3xi8> {
  %w = arith.constant dense<[[[[1, 2, 3, 4, 5]]], [[[6, 7, 8, 9, 10]]], [[[11, 12, 13, 14, 15]]]]> : tensor<3x1x1x5xi8>
  %b = arith.constant dense<[10, 20, 30]> : tensor<3xi32>
  %y = qnn.conv2d ins(%x, %w, %b : tensor<1x2x2x5xi8>, tensor<3x1x1x5xi8>, tensor<3xi32>) {nn.name = "conv", strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, act = array<i32: -128, 127>, params = #qnn.conv_s8<input_offset = 2, output_offset = -1, multipliers = array<i32: 1073741824, 1073741824, 1073741824>, shifts = array<i32: -1, -1, -1>>} -> tensor<1x2x2x3xi8>
  func.return %y : tensor<1x2x2x3xi8>
}
