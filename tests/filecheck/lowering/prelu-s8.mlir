// RUN: stai-opt %s -p convert-nn-to-qnn | filecheck %s --check-prefix=QNN
// RUN: stai-opt %s -p convert-nn-to-qnn,convert-qnn-to-buf,convert-buf-to-c | stai-translate | filecheck %s --check-prefix=C
//
// int8 prelu: alpha is an int8 constant with its own quantization, broadcast from
// [1, 1, C] or [C]. The parameters are TFLite Micro's: the offsets (-input zp, -alpha zp,
// output zp), the identity multiplier s_in / s_out (0.02 / 0.015 = 1.333: 1431655765, 1)
// and the alpha multiplier s_in * s_alpha / s_out (0.02 * 0.004 / 0.015 = 0.00533:
// 1466015573, -7); the call passes alpha's dims padded to 4-D and the int8 alpha table.

// QNN:      %a = arith.constant dense<{{\[\[\[}}64, -127, 32]]]> : tensor<1x1x3xi8>
// QNN-NEXT: %p = qnn.prelu ins(%x, %a : tensor<1x2x2x3xi8>, tensor<1x1x3xi8>) {params = #qnn.prelu_s8<input_offset = -5, alpha_offset = 0, output_offset = -20, identity_mult = 1431655765, identity_shift = 1, alpha_mult = 1466015573, alpha_shift = -7>} -> tensor<1x2x2x3xi8>
// QNN:      %q = qnn.prelu ins(%p, %b : tensor<1x2x2x3xi8>, tensor<3xi8>) {params = #qnn.prelu_s8<input_offset = 20, alpha_offset = -2, output_offset = -20, identity_mult = 1073741824, identity_shift = 1, alpha_mult = 1374389504, alpha_shift = -6>} -> tensor<1x2x2x3xi8>

// C:      static const cmsis_nn_dims input_dims = {.n = 1, .h = 2, .w = 2, .c = 3};
// C-NEXT: static const cmsis_nn_dims alpha_dims = {.n = 1, .h = 1, .w = 1, .c = 3};
// C-NEXT: if (stai_prelu_s8(&input_dims,
// C-NEXT:     (int8_t *)stai_network_arena,
// C-NEXT:     &alpha_dims,
// C-NEXT:     network_prelu_alpha,
// C-NEXT:     (int8_t *)(stai_network_arena + 12),
// C-NEXT:     -5,
// C-NEXT:     0,
// C-NEXT:     -20,
// C-NEXT:     1431655765,
// C-NEXT:     1,
// C-NEXT:     1466015573,
// C-NEXT:     -7) != ARM_CMSIS_NN_SUCCESS) {
// C:          stai_prelu_s8(
// C:          network_prelu_alpha_1,
// C:          1374389504,
// C-NEXT:     -6) != ARM_CMSIS_NN_SUCCESS) {
// C:      const int8_t network_prelu_alpha[3] {{.*}}= {64, -127, 32};
// C:      const int8_t network_prelu_alpha_1[3] {{.*}}= {10, -3, 100};

func.func @main(%x: tensor<1x2x2x3x!nn.q<i8, 0.02 : 5>>) -> tensor<1x2x2x3x!nn.q<i8, 0.015 : -20>> {
  %a = nn.constant dense<[[[64, -127, 32]]]> : tensor<1x1x3xi8> -> tensor<1x1x3x!nn.q<i8, 0.004 : 0>>
  %p = nn.prelu %x, %a : (tensor<1x2x2x3x!nn.q<i8, 0.02 : 5>>, tensor<1x1x3x!nn.q<i8, 0.004 : 0>>) -> tensor<1x2x2x3x!nn.q<i8, 0.015 : -20>>
  %b = nn.constant dense<[10, -3, 100]> : tensor<3xi8> -> tensor<3x!nn.q<i8, 0.01 : 2>>
  %q = nn.prelu %p, %b : (tensor<1x2x2x3x!nn.q<i8, 0.015 : -20>>, tensor<3x!nn.q<i8, 0.01 : 2>>) -> tensor<1x2x2x3x!nn.q<i8, 0.015 : -20>>
  func.return %q : tensor<1x2x2x3x!nn.q<i8, 0.015 : -20>>
}
