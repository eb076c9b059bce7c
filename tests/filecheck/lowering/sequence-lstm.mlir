// RUN: stai-opt %s -p convert-nn-to-qnn | filecheck %s
// RUN: stai-opt %s -p convert-nn-to-qnn,convert-qnn-to-buf,plan-memory,convert-buf-to-c | stai-translate | filecheck %s --check-prefix=C

// An int8 nn.sequence_lstm (2 units, 3 features, 2 steps; power-of-two scales, so the
// parameters read as exact powers of two): qnn.sequence_lstm's quant holds the offsets,
// the three gate products' (multiplier, shift) (forget x cell -> cell 2^-15, input x cell
// gate -> cell 2^-19, output x tanh(c) -> hidden 2^-23), the cell clip 0.5 in cell codes
// of 2^-11 (1024), the cell tanh's (0, 1), then per gate the input and recurrent FCs'
// requantization to 2^-12. Its state is one variable: 2 x 2 bytes of int16 cell state
// (zeros), then 2 bytes of hidden state holding its zero point -3. In buffer form the
// buf.state is its fifth input; the C passes the cell state at the variable's offset and
// the hidden state 4 bytes further.

builtin.module {
  func.func @main(%x: tensor<1x2x3x!nn.q<i8, 0.03125 : 5>> {nn.name = "x"}) -> (tensor<1x2x2x!nn.q<i8, 0.0078125 : -3>> {nn.name = "y"}) {
    %w = nn.constant dense<[[1, 2, 3], [4, 5, 6], [7, 8, 9], [10, 11, 12], [-1, -2, -3], [-4, -5, -6], [-7, -8, -9], [-10, -11, -12]]> : tensor<8x3xi8> -> tensor<8x3x!nn.q<i8, axis 0, [0.00390625, 0.00390625, 0.0078125, 0.0078125, 0.00390625, 0.00390625, 0.0078125, 0.0078125] : [0, 0, 0, 0, 0, 0, 0, 0]>>
    %r = nn.constant dense<[[1, 2], [3, 4], [5, 6], [7, 8], [-1, -2], [-3, -4], [-5, -6], [-7, -8]]> : tensor<8x2xi8> -> tensor<8x2x!nn.q<i8, axis 0, [0.00390625, 0.00390625, 0.0078125, 0.0078125, 0.00390625, 0.00390625, 0.0078125, 0.0078125] : [0, 0, 0, 0, 0, 0, 0, 0]>>
    %b = nn.constant dense<[10, 20, 30, 40, 50, 60, 70, 80]> : tensor<8xi32> -> tensor<8x!nn.q<i32, axis 0, [0.0001220703125, 0.0001220703125, 0.000244140625, 0.000244140625, 0.0001220703125, 0.0001220703125, 0.000244140625, 0.000244140625] : [0, 0, 0, 0, 0, 0, 0, 0]>>
    %y = nn.sequence_lstm %x, %w, %r, %b {variable = "lstm:cell", time_major = 0 : i64, cell_clip = 5.000000e-01 : f32, hidden_scale = 7.812500e-03 : f32, hidden_zero_point = -3 : i64, cell_scale = 0.00048828125 : f32} : (tensor<1x2x3x!nn.q<i8, 0.03125 : 5>>, tensor<8x3x!nn.q<i8, axis 0, [0.00390625, 0.00390625, 0.0078125, 0.0078125, 0.00390625, 0.00390625, 0.0078125, 0.0078125] : [0, 0, 0, 0, 0, 0, 0, 0]>>, tensor<8x2x!nn.q<i8, axis 0, [0.00390625, 0.00390625, 0.0078125, 0.0078125, 0.00390625, 0.00390625, 0.0078125, 0.0078125] : [0, 0, 0, 0, 0, 0, 0, 0]>>, tensor<8x!nn.q<i32, axis 0, [0.0001220703125, 0.0001220703125, 0.000244140625, 0.000244140625, 0.0001220703125, 0.0001220703125, 0.000244140625, 0.000244140625] : [0, 0, 0, 0, 0, 0, 0, 0]>>) -> tensor<1x2x2x!nn.q<i8, 0.0078125 : -3>>
    func.return %y : tensor<1x2x2x!nn.q<i8, 0.0078125 : -3>>
  }
}

// CHECK:      %y = qnn.sequence_lstm ins(%x, %w, %r, %b : tensor<1x2x3xi8>, tensor<8x3xi8>, tensor<8x2xi8>, tensor<8xi32>)
// CHECK-SAME: variable = "lstm:cell", initial = dense<[0, 0, 0, 0, -3, -3]> : tensor<6xi8>, time_major = 0 : i64,
// CHECK-SAME: quant = array<i32: -5, 3, -3, 1073741824, -14, 1073741824, -18, 1073741824, -22, 1024, 0, 1,
// CHECK-SAME: 1073741824, 0, 1073741824, -2, 1073741824, 1, 1073741824, -1, 1073741824, 0, 1073741824, -2, 1073741824, 1, 1073741824, -1>}
// CHECK-SAME: -> tensor<1x2x2xi8>

// C:      static uint8_t stai_network_state[16] __attribute__((aligned(16)));
// C:      static const int8_t stai_network_state_init_0[6] = {0, 0, 0, 0, -3, -3};
// C:      /* 0: sequence_lstm (s8) */
// C-NEXT: static const stai_sequence_lstm_params lstm_params = {
// C-NEXT:     .batches = 1,
// C-NEXT:     .time_steps = 2,
// C-NEXT:     .features = 3,
// C-NEXT:     .units = 2,
// C-NEXT:     .time_major = 0,
// C-NEXT:     .input_offset = -5,
// C-NEXT:     .hidden_offset = 3,
// C-NEXT:     .hidden_zero_point = -3,
// C:          .cell_clip = 1024,
// C-NEXT:     .cell_tanh_multiplier = 0,
// C-NEXT:     .cell_tanh_shift = 1,
// C-NEXT: };
// C-NEXT: if (stai_sequence_lstm_s8(&lstm_params,
// C-NEXT:                           (int32_t *)network_sequence_lstm_0_lstm_gates,
// C-NEXT:                           (int8_t *)(stai_network_arena + 20),
// C-NEXT:                           network_sequence_lstm_weights,
// C-NEXT:                           network_sequence_lstm_recurrent,
// C-NEXT:                           network_sequence_lstm_bias,
// C-NEXT:                           (int8_t *)(stai_network_state + 4),
// C-NEXT:                           (int16_t *)stai_network_state,
// C-NEXT:                           (int16_t *)(void *)stai_network_arena,
// C-NEXT:                           network_sigmoid_s16_table,
// C-NEXT:                           (int8_t *)(stai_network_arena + 28)) != ARM_CMSIS_NN_SUCCESS) {
// C:      const int32_t network_sequence_lstm_0_lstm_gates[16] = {
// C-NEXT:     1073741824, 0, 1073741824, -2, 1073741824, 1, 1073741824, -1,
// C-NEXT:     1073741824, 0, 1073741824, -2, 1073741824, 1, 1073741824, -1,
// C-NEXT: };
