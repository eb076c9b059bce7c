// RUN: stai-opt %s -p convert-nn-to-qnn | filecheck %s --check-prefix=QNN
// RUN: stai-opt %s -p convert-nn-to-qnn,convert-qnn-to-buf,convert-buf-to-c | stai-translate | filecheck %s --check-prefix=C
//
// nn.resize: nearest becomes qnn.resize_nearest with the source row and column of every
// output row and column (TFLite's arithmetic: floor(x * in / out), half-pixel centres,
// align_corners rounding; ONNX's round_prefer_floor), bilinear qnn.resize_bilinear with
// TFLite's integer scales (1/1024) for int8, float scales and offset for f32.

// QNN:      qnn.resize_nearest ins(%x : tensor<1x3x4x2xi8>) {rows = array<i32: 0, 0, 0, 1, 1, 2, 2>, cols = array<i32: 0, 0, 1, 1, 2, 2, 3, 3>} -> tensor<1x7x8x2xi8>
// QNN-NEXT: qnn.resize_nearest ins(%x : tensor<1x3x4x2xi8>) {rows = array<i32: 0, 0, 1, 1, 1, 2, 2>, cols = array<i32: 0, 0, 1, 1, 2, 2, 3, 3>} -> tensor<1x7x8x2xi8>
// QNN-NEXT: qnn.resize_nearest ins(%x : tensor<1x3x4x2xi8>) {rows = array<i32: 0, 0, 1, 1, 1, 2, 2>, cols = array<i32: 0, 0, 1, 1, 2, 2, 3, 3>} -> tensor<1x7x8x2xi8>
// QNN-NEXT: qnn.resize_bilinear ins(%x : tensor<1x3x4x2xi8>) {coefficients = array<i32: 439, 512, 1>} -> tensor<1x7x8x2xi8>
// QNN-NEXT: qnn.resize_bilinear ins(%f : tensor<1x3x4x2xf32>) {coefficients = array<f32: 0.333333343, 0.571428597, 0.000000e+00>} -> tensor<1x9x7x2xf32>

// C:      stai_resize_nearest(
// C:      stai_resize_bilinear_s8(
// C:      stai_resize_bilinear_f32(

!q = !nn.q<i8, 0.5 : 3>
func.func @main(%x: tensor<1x3x4x2x!q>, %f: tensor<1x3x4x2xf32>)
    -> (tensor<1x7x8x2x!q>, tensor<1x7x8x2x!q>, tensor<1x7x8x2x!q>, tensor<1x7x8x2x!q>, tensor<1x9x7x2xf32>) {
  %a = nn.resize %x {mode = "nearest", coordinate_mode = "asymmetric", nearest_mode = "floor", convention = "tflite", scales = array<f32: 2.33333325, 2.0>} : (tensor<1x3x4x2x!q>) -> tensor<1x7x8x2x!q>
  %b = nn.resize %x {mode = "nearest", coordinate_mode = "tf_half_pixel_for_nn", nearest_mode = "floor", convention = "tflite", scales = array<f32: 2.33333325, 2.0>} : (tensor<1x3x4x2x!q>) -> tensor<1x7x8x2x!q>
  %c = nn.resize %x {mode = "nearest", coordinate_mode = "half_pixel", nearest_mode = "round_prefer_floor", convention = "onnx", scales = array<f32: 2.33333325, 2.0>} : (tensor<1x3x4x2x!q>) -> tensor<1x7x8x2x!q>
  %d = nn.resize %x {mode = "linear", coordinate_mode = "half_pixel", nearest_mode = "floor", convention = "tflite", scales = array<f32: 2.33333325, 2.0>} : (tensor<1x3x4x2x!q>) -> tensor<1x7x8x2x!q>
  %e = nn.resize %f {mode = "linear", coordinate_mode = "asymmetric", nearest_mode = "floor", convention = "tflite", scales = array<f32: 3.0, 1.75>} : (tensor<1x3x4x2xf32>) -> tensor<1x9x7x2xf32>
  func.return %a, %b, %c, %d, %e : tensor<1x7x8x2x!q>, tensor<1x7x8x2x!q>, tensor<1x7x8x2x!q>, tensor<1x7x8x2x!q>, tensor<1x9x7x2xf32>
}
