// RUN: stai-opt %s -p convert-buf-to-c | stai-translate | filecheck %s
//
// Every qnn op, int8 and float, calls the kernel its docstring names: same-shape int8
// add/sub/mul use the element-wise kernels, broadcasting ones stai's; a reshape whose
// output aliases its input costs nothing; a fully connected with a scratch buffer (Helium)
// fills it with the kernel sums first; a hybrid conv (f32 activations, int8 weights, one or
// per-channel filter scales) calls stai_conv2d_hybrid_f32 with its scratch buffer and a
// const float table of the scales, and so do a hybrid fully connected (its input
// quantization in asymmetric_inputs) and a hybrid depthwise conv.
// tests/unit/test_convert_buf_to_c.py builds and runs this network.

// CHECK-LABEL: int stai_network_run(void)
// CHECK: arm_depthwise_conv_wrapper_s8(
// CHECK: arm_avgpool_s8(
// CHECK: arm_max_pool_s8(
// CHECK: arm_elementwise_add_s8(
// CHECK: stai_broadcast_add_s8(
// CHECK: stai_elementwise_sub_s8(
// CHECK: stai_broadcast_sub_s8(
// CHECK: arm_elementwise_mul_s8(
// CHECK: stai_broadcast_mul_s8(
// CHECK: stai_relu_s8(
// CHECK: stai_logistic_s8(
// CHECK: stai_tanh_s8(
// CHECK: stai_requantize_s8(
// CHECK: stai_pad_s8(
// CHECK: stai_concat(
// CHECK: stai_concat(
// CHECK: /* reshape: the output aliases the input */
// CHECK: stai_copy(
// CHECK: stai_mean_hw_s8(
// CHECK: arm_fully_connected_per_channel_s8(
// CHECK: arm_vector_sum_s8(
// CHECK: arm_fully_connected_s8(
// CHECK: arm_softmax_s8(
// CHECK: stai_dequantize_s8_f32(
// CHECK: stai_conv2d_f32(
// CHECK: stai_depthwise_conv2d_f32(
// CHECK: stai_fully_connected_f32(
// CHECK: stai_avgpool_f32(
// CHECK: stai_max_pool_f32(
// CHECK: stai_add_f32(
// CHECK: stai_sub_f32(
// CHECK: stai_mul_f32(
// CHECK: stai_div_f32(
// CHECK: stai_clamp_f32(
// CHECK: stai_logistic_f32(
// CHECK: stai_tanh_f32(
// CHECK: stai_leaky_relu_f32(
// CHECK: stai_hard_swish_f32(
// CHECK: stai_pad_f32(
// CHECK: stai_mean_hw_f32(
// CHECK: stai_quantize_f32_s8(
// CHECK: stai_softmax_f32(
// CHECK: .scales = network_hybrid_conv2d_40_filter_scales,
// CHECK-NEXT: .num_scales = 1,
// CHECK: stai_conv2d_hybrid_f32(&ctx,
// CHECK: .num_scales = 2,
// CHECK: stai_conv2d_hybrid_f32(&ctx,
// CHECK: const cmsis_nn_context ctx = {.buf = (void *)(stai_network_arena + 2032), .size = 40};
// CHECK-NEXT: static const stai_fc_hybrid_params_f32 fc_params = {
// CHECK-NEXT: .asymmetric_inputs = 1,
// CHECK: .scales = network_hybrid_fully_connected_42_filter_scales,
// CHECK-NEXT: .num_scales = 3,
// CHECK: static const cmsis_nn_dims filter_dims = {.n = 32, .h = 1, .w = 1, .c = 3};
// CHECK: stai_fully_connected_hybrid_f32(&ctx,
// CHECK: .asymmetric_inputs = 0,
// CHECK: .num_scales = 1,
// CHECK: static const cmsis_nn_dims input_dims = {.n = 1, .h = 1, .w = 1, .c = 8};
// CHECK: stai_fully_connected_hybrid_f32(&ctx,
// CHECK: static const stai_dw_conv_params_f32 conv_params = {
// CHECK-NEXT: .ch_mult = 2,
// CHECK: .num_scales = 4,
// CHECK: stai_depthwise_conv2d_hybrid_f32(&ctx,
// CHECK: const int8_t network_hyb_w[36]
// CHECK: const int8_t network_hfc_w[96]
// CHECK: const int8_t network_hdw_w[36]
// CHECK: const float network_hybrid_conv2d_40_filter_scales[1] = {0.0199999996f};
// CHECK: const float network_hybrid_conv2d_41_filter_scales[2] = {0.0500000007f, 0.25f};
// CHECK: const float network_hybrid_fully_connected_42_filter_scales[3] = {
// CHECK-NEXT: 0.00999999978f, 0.0199999996f, 0.0299999993f,
// CHECK: const float network_hybrid_fully_connected_43_filter_scales[1] = {0.125f};
// CHECK: const float network_hybrid_depthwise_conv2d_44_filter_scales[4] = {

buf.const @dw_w dense<[[[[1, -1], [2, 0], [1, 1]], [[0, 1], [3, -2], [1, 0]], [[1, 1], [0, 0], [-1, 2]]]]> : memref<1x3x3x2xi8> {alignment = 4 : i64}
buf.const @dw_b dense<[5, -5]> : memref<2xi32> {alignment = 4 : i64}
buf.const @bias2 dense<[[[[3, -7]]]]> : memref<1x1x1x2xi8> {alignment = 4 : i64}
buf.const @fc_w dense<1> : memref<3x64xi8> {alignment = 4 : i64}
buf.const @fc_b dense<[1, 2, 3]> : memref<3xi32> {alignment = 4 : i64}
buf.const @fc2_w dense<-1> : memref<3x3xi8> {alignment = 4 : i64}
buf.const @fc2_b dense<[0, 10, -10]> : memref<3xi32> {alignment = 4 : i64}
buf.const @cw dense<[[[[0.5, -0.25]]], [[[1.0, 2.0]]]]> : memref<2x1x1x2xf32> {alignment = 4 : i64}
buf.const @cb dense<[0.125, -1.0]> : memref<2xf32> {alignment = 4 : i64}
buf.const @dwf_w dense<0.1> : memref<1x3x3x2xf32> {alignment = 4 : i64}
buf.const @dwf_b dense<[0.0, 1.0]> : memref<2xf32> {alignment = 4 : i64}
buf.const @fcf_w dense<0.01> : memref<4x32xf32> {alignment = 4 : i64}
buf.const @fcf_b dense<[0.0, 1.0, 2.0, 3.0]> : memref<4xf32> {alignment = 4 : i64}
buf.const @two dense<[[[[2.0, -3.0]]]]> : memref<1x1x1x2xf32> {alignment = 4 : i64}
buf.const @hyb_w dense<[[[[1, -2], [3, 4], [-5, 6]], [[7, -8], [9, 10], [-11, 12]], [[13, 14], [-15, 16], [17, -18]]], [[[-1, 2], [3, -4], [5, 6]], [[-7, 8], [9, -10], [11, 12]], [[-13, 14], [15, 16], [-17, 127]]]]> : memref<2x3x3x2xi8> {alignment = 4 : i64}
buf.const @hyb_b dense<[0.25, -0.5]> : memref<2xf32> {alignment = 4 : i64}
buf.const @hfc_w dense<[[1, -2, 3, -4, 5, -6, 7, -8, 9, -10, 11, -12, 13, -14, 15, -16, 17, -18, 19, -20, 21, -22, 23, -24, 25, -26, 27, -28, 29, -30, 31, -127], [2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 32, 34, 36, 38, 40, 42, 44, 46, 48, 50, 52, 54, 56, 58, 60, 62, 127], [-3, 3, -3, 3, -3, 3, -3, 3, -3, 3, -3, 3, -3, 3, -3, 3, -3, 3, -3, 3, -3, 3, -3, 3, -3, 3, -3, 3, -3, 3, -3, 3]]> : memref<3x32xi8> {alignment = 4 : i64}
buf.const @hfc_b dense<[0.5, -0.25, 1.0]> : memref<3xf32> {alignment = 4 : i64}
buf.const @hfc2_w dense<[[1, -1, 2, -2, 3, -3, 4, -4], [5, 6, 7, 8, -9, -10, -11, -12], [127, -127, 0, 0, 64, -64, 1, -1]]> : memref<3x8xi8> {alignment = 4 : i64}
buf.const @hdw_w dense<[[[[1, -2, 3, -4], [5, -6, 7, -8], [9, -10, 11, -12]], [[13, -14, 15, -16], [17, -18, 19, -20], [21, -22, 23, -24]], [[25, -26, 27, -28], [29, -30, 31, -32], [33, -34, 35, -127]]]]> : memref<1x3x3x4xi8> {alignment = 4 : i64}
buf.const @hdw_b dense<[0.25, -0.5, 1.0, 0.0]> : memref<4xf32> {alignment = 4 : i64}
func.func @main() attributes {buf.inputs = ["x", "xf"], buf.outputs = ["probs", "deq", "qf", "sm"]} {
  %a = buf.arena {size = 4096 : i64, alignment = 16 : i64} : memref<4096xi8>
  %x = buf.view %a[0] {role = "input", index = 0 : i64} : memref<4096xi8> -> memref<1x4x4x2xi8>
  %dww = buf.get_const @dw_w : memref<1x3x3x2xi8>
  %dwb = buf.get_const @dw_b : memref<2xi32>
  %dw = buf.view %a[64] {role = "tensor"} : memref<4096xi8> -> memref<1x4x4x2xi8>
  qnn.depthwise_conv2d ins(%x, %dww, %dwb : memref<1x4x4x2xi8>, memref<1x3x3x2xi8>, memref<2xi32>) outs(%dw : memref<1x4x4x2xi8>) {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, depth_multiplier = 1 : i64, act = array<i32: -128, 127>, params = #qnn.conv_s8<input_offset = 3, output_offset = -1, multipliers = array<i32: 1073741824, 1518500250>, shifts = array<i32: -2, -3>>}
  %avg = buf.view %a[128] {role = "tensor"} : memref<4096xi8> -> memref<1x2x2x2xi8>
  qnn.avg_pool2d ins(%dw : memref<1x4x4x2xi8>) outs(%avg : memref<1x2x2x2xi8>) {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, act = array<i32: -128, 127>}
  %max = buf.view %a[160] {role = "tensor"} : memref<4096xi8> -> memref<1x2x2x2xi8>
  qnn.max_pool2d ins(%dw : memref<1x4x4x2xi8>) outs(%max : memref<1x2x2x2xi8>) {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, act = array<i32: -100, 100>}
  %add = buf.view %a[192] {role = "tensor"} : memref<4096xi8> -> memref<1x2x2x2xi8>
  qnn.add ins(%avg, %max : memref<1x2x2x2xi8>, memref<1x2x2x2xi8>) outs(%add : memref<1x2x2x2xi8>) {act = array<i32: -128, 127>, params = #qnn.add_sub_s8<left_shift = 20, input1_offset = 1, input1_multiplier = 1073741824, input1_shift = 0, input2_offset = -2, input2_multiplier = 1073741824, input2_shift = 0, output_offset = 4, output_multiplier = 1073741824, output_shift = -19>}
  %b2 = buf.get_const @bias2 : memref<1x1x1x2xi8>
  %badd = buf.view %a[224] {role = "tensor"} : memref<4096xi8> -> memref<1x2x2x2xi8>
  qnn.add ins(%add, %b2 : memref<1x2x2x2xi8>, memref<1x1x1x2xi8>) outs(%badd : memref<1x2x2x2xi8>) {act = array<i32: -128, 127>, params = #qnn.add_sub_s8<left_shift = 20, input1_offset = 1, input1_multiplier = 1073741824, input1_shift = 0, input2_offset = -2, input2_multiplier = 1073741824, input2_shift = 0, output_offset = 4, output_multiplier = 1073741824, output_shift = -19>}
  %sub = buf.view %a[256] {role = "tensor"} : memref<4096xi8> -> memref<1x2x2x2xi8>
  qnn.sub ins(%badd, %max : memref<1x2x2x2xi8>, memref<1x2x2x2xi8>) outs(%sub : memref<1x2x2x2xi8>) {act = array<i32: -128, 127>, params = #qnn.add_sub_s8<left_shift = 20, input1_offset = 1, input1_multiplier = 1073741824, input1_shift = 0, input2_offset = -2, input2_multiplier = 1073741824, input2_shift = 0, output_offset = 4, output_multiplier = 1073741824, output_shift = -19>}
  %bsub = buf.view %a[288] {role = "tensor"} : memref<4096xi8> -> memref<1x2x2x2xi8>
  qnn.sub ins(%b2, %sub : memref<1x1x1x2xi8>, memref<1x2x2x2xi8>) outs(%bsub : memref<1x2x2x2xi8>) {act = array<i32: -128, 127>, params = #qnn.add_sub_s8<left_shift = 20, input1_offset = 1, input1_multiplier = 1073741824, input1_shift = 0, input2_offset = -2, input2_multiplier = 1073741824, input2_shift = 0, output_offset = 4, output_multiplier = 1073741824, output_shift = -19>}
  %mul = buf.view %a[320] {role = "tensor"} : memref<4096xi8> -> memref<1x2x2x2xi8>
  qnn.mul ins(%bsub, %sub : memref<1x2x2x2xi8>, memref<1x2x2x2xi8>) outs(%mul : memref<1x2x2x2xi8>) {act = array<i32: -128, 127>, params = #qnn.mul_s8<input1_offset = 1, input2_offset = 2, output_offset = -3, output_multiplier = 1073741824, output_shift = -6>}
  %bmul = buf.view %a[352] {role = "tensor"} : memref<4096xi8> -> memref<1x2x2x2xi8>
  qnn.mul ins(%mul, %b2 : memref<1x2x2x2xi8>, memref<1x1x1x2xi8>) outs(%bmul : memref<1x2x2x2xi8>) {act = array<i32: -128, 127>, params = #qnn.mul_s8<input1_offset = 1, input2_offset = 2, output_offset = -3, output_multiplier = 1073741824, output_shift = -6>}
  %relu = buf.view %a[384] {role = "tensor"} : memref<4096xi8> -> memref<1x2x2x2xi8>
  qnn.clamp ins(%bmul : memref<1x2x2x2xi8>) outs(%relu : memref<1x2x2x2xi8>) {act = array<i32: -3, 127>, params = #qnn.requantize_s8<input_offset = 3, output_offset = -3, multiplier = 1073741824, shift = 1>}
  %lg = buf.view %a[416] {role = "tensor"} : memref<4096xi8> -> memref<1x2x2x2xi8>
  qnn.logistic ins(%relu : memref<1x2x2x2xi8>) outs(%lg : memref<1x2x2x2xi8>) {params = #qnn.logistic_tanh_s8<input_zero_point = -3, input_range_radius = 100, input_multiplier = 1207959552, input_left_shift = 3>}
  %th = buf.view %a[448] {role = "tensor"} : memref<4096xi8> -> memref<1x2x2x2xi8>
  qnn.tanh ins(%lg : memref<1x2x2x2xi8>) outs(%th : memref<1x2x2x2xi8>) {params = #qnn.logistic_tanh_s8<input_zero_point = -128, input_range_radius = 100, input_multiplier = 1207959552, input_left_shift = 3>}
  %rq = buf.view %a[480] {role = "tensor"} : memref<4096xi8> -> memref<1x2x2x2xi8>
  qnn.requantize ins(%th : memref<1x2x2x2xi8>) outs(%rq : memref<1x2x2x2xi8>) {params = #qnn.requantize_s8<input_offset = 0, output_offset = 5, multiplier = 1073741824, shift = 0>}
  %pd = buf.view %a[512] {role = "tensor"} : memref<4096xi8> -> memref<1x4x4x2xi8>
  qnn.pad ins(%rq : memref<1x2x2x2xi8>) outs(%pd : memref<1x4x4x2xi8>) {pads = array<i64: 0, 0, 1, 1, 1, 1, 0, 0>, params = #qnn.pad_s8<pad_value = 5>}
  %cat = buf.view %a[576] {role = "tensor"} : memref<4096xi8> -> memref<1x4x4x4xi8>
  qnn.concat ins(%pd, %pd : memref<1x4x4x2xi8>, memref<1x4x4x2xi8>) outs(%cat : memref<1x4x4x4xi8>) {axis = -1 : i64}
  %flat = buf.view %a[576] {role = "tensor"} : memref<4096xi8> -> memref<1x64xi8>
  qnn.reshape ins(%cat : memref<1x4x4x4xi8>) outs(%flat : memref<1x64xi8>)
  %copy = buf.view %a[640] {role = "tensor"} : memref<4096xi8> -> memref<1x64xi8>
  qnn.reshape ins(%flat : memref<1x64xi8>) outs(%copy : memref<1x64xi8>)
  %mean = buf.view %a[704] {role = "tensor"} : memref<4096xi8> -> memref<1x1x1x4xi8>
  qnn.mean ins(%cat : memref<1x4x4x4xi8>) outs(%mean : memref<1x1x1x4xi8>) {params = #qnn.requantize_s8<input_offset = 1, output_offset = 0, multiplier = 1073741824, shift = -4>}
  %fw = buf.get_const @fc_w : memref<3x64xi8>
  %fb = buf.get_const @fc_b : memref<3xi32>
  %fc = buf.view %a[720] {role = "tensor"} : memref<4096xi8> -> memref<1x3xi8>
  qnn.fully_connected ins(%copy, %fw, %fb : memref<1x64xi8>, memref<3x64xi8>, memref<3xi32>) outs(%fc : memref<1x3xi8>) {act = array<i32: -128, 127>, params = #qnn.fully_connected_s8<input_offset = 1, filter_offset = 0, output_offset = 2, multipliers = array<i32: 1073741824, 1300000000, 2000000000>, shifts = array<i32: -7, -8, -9>>}
  %f2w = buf.get_const @fc2_w : memref<3x3xi8>
  %f2b = buf.get_const @fc2_b : memref<3xi32>
  %fc2 = buf.view %a[736] {role = "tensor"} : memref<4096xi8> -> memref<1x3xi8>
  %scr = buf.view %a[752] {role = "scratch"} : memref<4096xi8> -> memref<12xi8>
  qnn.fully_connected ins(%fc, %f2w, %f2b : memref<1x3xi8>, memref<3x3xi8>, memref<3xi32>) outs(%fc2 : memref<1x3xi8>) scratch(%scr : memref<12xi8>) {act = array<i32: -128, 127>, params = #qnn.fully_connected_s8<input_offset = 1, filter_offset = 0, output_offset = 2, multipliers = array<i32: 1073741824>, shifts = array<i32: -2>>}
  %probs = buf.view %a[768] {role = "output", index = 0 : i64} : memref<4096xi8> -> memref<1x3xi8>
  qnn.softmax ins(%fc2 : memref<1x3xi8>) outs(%probs : memref<1x3xi8>) {params = #qnn.softmax_s8<multiplier = 1073741824, shift = 23, diff_min = -248>}
  %deq = buf.view %a[784] {role = "output", index = 1 : i64} : memref<4096xi8> -> memref<1x3xf32>
  qnn.dequantize ins(%probs : memref<1x3xi8>) outs(%deq : memref<1x3xf32>) {params = #qnn.quantization<scale = 3.906250e-03, zero_point = -128>}
  %xf = buf.view %a[800] {role = "input", index = 1 : i64} : memref<4096xi8> -> memref<1x4x4x2xf32>
  %cw = buf.get_const @cw : memref<2x1x1x2xf32>
  %cb = buf.get_const @cb : memref<2xf32>
  %conv = buf.view %a[928] {role = "tensor"} : memref<4096xi8> -> memref<1x4x4x2xf32>
  qnn.conv2d ins(%xf, %cw, %cb : memref<1x4x4x2xf32>, memref<2x1x1x2xf32>, memref<2xf32>) outs(%conv : memref<1x4x4x2xf32>) {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, act = array<f32: 0.0, 3.40282347e+38>}
  %dwfw = buf.get_const @dwf_w : memref<1x3x3x2xf32>
  %dwfb = buf.get_const @dwf_b : memref<2xf32>
  %dwf = buf.view %a[1056] {role = "tensor"} : memref<4096xi8> -> memref<1x4x4x2xf32>
  qnn.depthwise_conv2d ins(%conv, %dwfw, %dwfb : memref<1x4x4x2xf32>, memref<1x3x3x2xf32>, memref<2xf32>) outs(%dwf : memref<1x4x4x2xf32>) {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, depth_multiplier = 1 : i64, act = array<f32: -6.0, 6.0>}
  %flatf = buf.view %a[1056] {role = "tensor"} : memref<4096xi8> -> memref<1x32xf32>
  %fcfw = buf.get_const @fcf_w : memref<4x32xf32>
  %fcfb = buf.get_const @fcf_b : memref<4xf32>
  %fcf = buf.view %a[1184] {role = "tensor"} : memref<4096xi8> -> memref<1x4xf32>
  qnn.fully_connected ins(%flatf, %fcfw, %fcfb : memref<1x32xf32>, memref<4x32xf32>, memref<4xf32>) outs(%fcf : memref<1x4xf32>) {act = array<f32: -3.40282347e+38, 3.40282347e+38>}
  %apf = buf.view %a[1200] {role = "tensor"} : memref<4096xi8> -> memref<1x2x2x2xf32>
  qnn.avg_pool2d ins(%conv : memref<1x4x4x2xf32>) outs(%apf : memref<1x2x2x2xf32>) {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, act = array<f32: -3.40282347e+38, 3.40282347e+38>}
  %mpf = buf.view %a[1232] {role = "tensor"} : memref<4096xi8> -> memref<1x2x2x2xf32>
  qnn.max_pool2d ins(%conv : memref<1x4x4x2xf32>) outs(%mpf : memref<1x2x2x2xf32>) {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, act = array<f32: -3.40282347e+38, 3.40282347e+38>}
  %two = buf.get_const @two : memref<1x1x1x2xf32>
  %addf = buf.view %a[1264] {role = "tensor"} : memref<4096xi8> -> memref<1x2x2x2xf32>
  qnn.add ins(%apf, %two : memref<1x2x2x2xf32>, memref<1x1x1x2xf32>) outs(%addf : memref<1x2x2x2xf32>) {act = array<f32: -3.40282347e+38, 3.40282347e+38>}
  %subf = buf.view %a[1296] {role = "tensor"} : memref<4096xi8> -> memref<1x2x2x2xf32>
  qnn.sub ins(%addf, %mpf : memref<1x2x2x2xf32>, memref<1x2x2x2xf32>) outs(%subf : memref<1x2x2x2xf32>) {act = array<f32: -3.40282347e+38, 3.40282347e+38>}
  %mulf = buf.view %a[1328] {role = "tensor"} : memref<4096xi8> -> memref<1x2x2x2xf32>
  qnn.mul ins(%subf, %two : memref<1x2x2x2xf32>, memref<1x1x1x2xf32>) outs(%mulf : memref<1x2x2x2xf32>) {act = array<f32: -1.0, 1.0>}
  %divf = buf.view %a[1360] {role = "tensor"} : memref<4096xi8> -> memref<1x2x2x2xf32>
  qnn.div ins(%mulf, %two : memref<1x2x2x2xf32>, memref<1x1x1x2xf32>) outs(%divf : memref<1x2x2x2xf32>) {act = array<f32: -3.40282347e+38, 3.40282347e+38>}
  %clf = buf.view %a[1392] {role = "tensor"} : memref<4096xi8> -> memref<1x2x2x2xf32>
  qnn.clamp ins(%divf : memref<1x2x2x2xf32>) outs(%clf : memref<1x2x2x2xf32>) {act = array<f32: 0.0, 6.0>}
  %lgf = buf.view %a[1424] {role = "tensor"} : memref<4096xi8> -> memref<1x2x2x2xf32>
  qnn.logistic ins(%clf : memref<1x2x2x2xf32>) outs(%lgf : memref<1x2x2x2xf32>)
  %thf = buf.view %a[1456] {role = "tensor"} : memref<4096xi8> -> memref<1x2x2x2xf32>
  qnn.tanh ins(%lgf : memref<1x2x2x2xf32>) outs(%thf : memref<1x2x2x2xf32>)
  %lrf = buf.view %a[1488] {role = "tensor"} : memref<4096xi8> -> memref<1x2x2x2xf32>
  qnn.leaky_relu ins(%thf : memref<1x2x2x2xf32>) outs(%lrf : memref<1x2x2x2xf32>) {params = #qnn.leaky_relu_f32<alpha = 2.000000e-01>}
  %hsf = buf.view %a[1520] {role = "tensor"} : memref<4096xi8> -> memref<1x2x2x2xf32>
  qnn.hard_swish ins(%lrf : memref<1x2x2x2xf32>) outs(%hsf : memref<1x2x2x2xf32>)
  %pdf = buf.view %a[1552] {role = "tensor"} : memref<4096xi8> -> memref<1x4x4x2xf32>
  qnn.pad ins(%hsf : memref<1x2x2x2xf32>) outs(%pdf : memref<1x4x4x2xf32>) {pads = array<i64: 0, 0, 1, 1, 1, 1, 0, 0>, params = #qnn.pad_f32<pad_value = 0.5>}
  %mnf = buf.view %a[1680] {role = "tensor"} : memref<4096xi8> -> memref<1x1x1x2xf32>
  qnn.mean ins(%pdf : memref<1x4x4x2xf32>) outs(%mnf : memref<1x1x1x2xf32>)
  %qf = buf.view %a[1696] {role = "output", index = 2 : i64} : memref<4096xi8> -> memref<1x1x1x2xi8>
  qnn.quantize ins(%mnf : memref<1x1x1x2xf32>) outs(%qf : memref<1x1x1x2xi8>) {params = #qnn.quantization<scale = 1.000000e-02, zero_point = 3>}
  %smf = buf.view %a[1712] {role = "output", index = 3 : i64} : memref<4096xi8> -> memref<1x4xf32>
  qnn.softmax ins(%fcf : memref<1x4xf32>) outs(%smf : memref<1x4xf32>) {params = #qnn.softmax_f32<beta = 1.000000e+00>}
  %hw = buf.get_const @hyb_w : memref<2x3x3x2xi8>
  %hb = buf.get_const @hyb_b : memref<2xf32>
  %hy = buf.view %a[1744] {role = "tensor"} : memref<4096xi8> -> memref<1x2x2x2xf32>
  %hs = buf.view %a[1792] {role = "scratch"} : memref<4096xi8> -> memref<40xi8>
  qnn.hybrid_conv2d ins(%xf, %hw, %hb : memref<1x4x4x2xf32>, memref<2x3x3x2xi8>, memref<2xf32>) outs(%hy : memref<1x2x2x2xf32>) scratch(%hs : memref<40xi8>) {strides = array<i64: 2, 2>, pads = array<i64: 0, 1, 0, 1>, dilations = array<i64: 1, 1>, act = array<f32: 0.0, 3.40282347e+38>, params = #qnn.hybrid_conv<filter_scales = array<f32: 0.02>>}
  %hz = buf.view %a[1840] {role = "tensor"} : memref<4096xi8> -> memref<1x2x2x2xf32>
  %hs2 = buf.view %a[1872] {role = "scratch"} : memref<4096xi8> -> memref<136xi8>
  qnn.hybrid_conv2d ins(%conv, %hw, %hb : memref<1x4x4x2xf32>, memref<2x3x3x2xi8>, memref<2xf32>) outs(%hz : memref<1x2x2x2xf32>) scratch(%hs2 : memref<136xi8>) {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 2, 2>, act = array<f32: -3.40282347e+38, 3.40282347e+38>, params = #qnn.hybrid_conv<filter_scales = array<f32: 0.05, 0.25>>}
  %hfw = buf.get_const @hfc_w : memref<3x32xi8>
  %hfb = buf.get_const @hfc_b : memref<3xf32>
  %hf = buf.view %a[2016] {role = "tensor"} : memref<4096xi8> -> memref<1x3xf32>
  %hfs = buf.view %a[2032] {role = "scratch"} : memref<4096xi8> -> memref<40xi8>
  qnn.hybrid_fully_connected ins(%flatf, %hfw, %hfb : memref<1x32xf32>, memref<3x32xi8>, memref<3xf32>) outs(%hf : memref<1x3xf32>) scratch(%hfs : memref<40xi8>) {act = array<f32: 0.0, 3.40282347e+38>, params = #qnn.hybrid_fully_connected<filter_scales = array<f32: 0.01, 0.02, 0.03>, asymmetric_inputs = 1>}
  %hf2w = buf.get_const @hfc2_w : memref<3x8xi8>
  %hf2 = buf.view %a[2080] {role = "tensor"} : memref<4096xi8> -> memref<1x3xf32>
  %hf2s = buf.view %a[2096] {role = "scratch"} : memref<4096xi8> -> memref<16xi8>
  qnn.hybrid_fully_connected ins(%hy, %hf2w, %hfb : memref<1x2x2x2xf32>, memref<3x8xi8>, memref<3xf32>) outs(%hf2 : memref<1x3xf32>) scratch(%hf2s : memref<16xi8>) {act = array<f32: -3.40282347e+38, 3.40282347e+38>, params = #qnn.hybrid_fully_connected<filter_scales = array<f32: 0.125>, asymmetric_inputs = 0>}
  %hdww = buf.get_const @hdw_w : memref<1x3x3x4xi8>
  %hdwb = buf.get_const @hdw_b : memref<4xf32>
  %hdw = buf.view %a[2112] {role = "tensor"} : memref<4096xi8> -> memref<1x2x2x4xf32>
  %hdws = buf.view %a[2176] {role = "scratch"} : memref<4096xi8> -> memref<40xi8>
  qnn.hybrid_depthwise_conv2d ins(%xf, %hdww, %hdwb : memref<1x4x4x2xf32>, memref<1x3x3x4xi8>, memref<4xf32>) outs(%hdw : memref<1x2x2x4xf32>) scratch(%hdws : memref<40xi8>) {strides = array<i64: 2, 2>, pads = array<i64: 0, 1, 0, 1>, dilations = array<i64: 1, 1>, depth_multiplier = 2 : i64, act = array<f32: 0.0, 6.0>, params = #qnn.hybrid_conv<filter_scales = array<f32: 0.01, 0.02, 0.03, 0.04>>}
  func.return
}
