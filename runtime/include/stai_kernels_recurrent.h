/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stai's recurrent kernels besides stai_lstm_f32 (stai_kernels_f32.h): the float32 GRU,
 * simple RNN and LSTM final cell state, and the stateful sequence LSTM (float, int8 and
 * 16x8, at the end). Every function returns ARM_CMSIS_NN_SUCCESS,
 * or ARM_CMSIS_NN_ARG_ERROR for a missing pointer or sizes out of range.
 *
 * Common layout: input_dims {n = batches, h = 1, w = time steps T, c = features F}, input
 * [batches, T, F]; weights [G * U, F] and recurrent [G * U, U] hold G gates of U rows (row
 * k * U + j: gate k, unit j); every batch item starts from its initial state ([batches, U],
 * or NULL: zeros) and runs over the steps in order; output [batches, T, U] (every step's
 * state, return_sequences = 1) or [batches, U] (the last one).
 */
#ifndef STAI_KERNELS_RECURRENT_H
#define STAI_KERNELS_RECURRENT_H

#include "arm_nn_types.h"
#include "stai_kernels_f32.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Parameters of stai_gru_f32. */
typedef struct
{
    int32_t units;               /* U: size of the state */
    int32_t return_sequences;    /* 1: every step's h; 0: only the last one */
    int32_t linear_before_reset; /* 1: the reset gate scales (h R_n + rb_n); 0: it scales h */
} stai_gru_params_f32;

/*
 * GRU. Gates (G = 3) update z, reset r, candidate n; bias and recurrent_bias [3 * U] (or
 * NULL: zeros). Per step, with x the step's input and h the state:
 *   z = logistic(x W_z + b_z + h R_z + rb_z), r = logistic(x W_r + b_r + h R_r + rb_r)
 *   n = tanh(x W_n + b_n + (r * h) R_n + rb_n)       (linear_before_reset = 0)
 *   n = tanh(x W_n + b_n + r * (h R_n + rb_n))       (linear_before_reset = 1)
 *   h = (1 - z) * n + z * h
 * state: scratch of 3 * U floats (overwritten).
 */
arm_cmsis_nn_status stai_gru_f32(const stai_gru_params_f32 *params,
                                 const cmsis_nn_dims *input_dims,
                                 const float *input,
                                 const float *weights,
                                 const float *recurrent,
                                 const float *bias,
                                 const float *recurrent_bias,
                                 const float *initial_state,
                                 float *state,
                                 float *output);

/* Activations of stai_rnn_f32. */
#define STAI_RNN_TANH 0
#define STAI_RNN_RELU 1
#define STAI_RNN_SIGMOID 2
#define STAI_RNN_LINEAR 3

/* Parameters of stai_rnn_f32. */
typedef struct
{
    int32_t units;            /* U: size of the state */
    int32_t return_sequences; /* 1: every step's h; 0: only the last one */
    int32_t activation;       /* STAI_RNN_TANH, _RELU, _SIGMOID or _LINEAR (none) */
} stai_rnn_params_f32;

/*
 * Simple (Elman) RNN (G = 1): h = activation(x W + h R + bias), bias [U] or NULL.
 * state: scratch of 2 * U floats (overwritten).
 */
arm_cmsis_nn_status stai_rnn_f32(const stai_rnn_params_f32 *params,
                                 const cmsis_nn_dims *input_dims,
                                 const float *input,
                                 const float *weights,
                                 const float *recurrent,
                                 const float *bias,
                                 const float *initial_state,
                                 float *state,
                                 float *output);

/*
 * The cell state c after the last step of the LSTM stai_lstm_f32 computes with the same
 * arguments (params->return_sequences must be 0): output [batches, U].
 */
arm_cmsis_nn_status stai_lstm_cell_state_f32(const stai_lstm_params_f32 *params,
                                             const cmsis_nn_dims *input_dims,
                                             const float *input,
                                             const float *weights,
                                             const float *recurrent,
                                             const float *bias,
                                             float *state,
                                             float *output);

/* Sizes and integer parameters of the stai_sequence_lstm_* kernels. */
typedef struct
{
    int32_t batches;               /* B */
    int32_t time_steps;            /* T */
    int32_t features;              /* F */
    int32_t units;                 /* U: size of the hidden and cell states */
    int32_t time_major;            /* 1: input [T, B, F], output [T, B, U]; 0: [B, T, ...] */
    int32_t input_offset;          /* minus the input's zero point (int8; 0 for int16) */
    int32_t hidden_offset;         /* minus the hidden state's zero point */
    int32_t hidden_zero_point;     /* the hidden state's (and output's) zero point */
    int32_t forget_multiplier;     /* f * c -> c */
    int32_t forget_shift;
    int32_t input_gate_multiplier; /* i * g -> c */
    int32_t input_gate_shift;
    int32_t hidden_multiplier;     /* o * tanh(c) -> h */
    int32_t hidden_shift;
    int32_t cell_clip;             /* |c| limit in cell-state codes; 0: none */
    int32_t cell_tanh_multiplier;  /* the int16 tanh of c (stai_tanh_s16's arguments) */
    int32_t cell_tanh_shift;
} stai_sequence_lstm_params;

/*
 * TFLite's UNIDIRECTIONAL_SEQUENCE_LSTM (no peephole, projection or layer norm; cell gate
 * tanh) with its states kept between calls: hidden_state [B, U] (the activations' type) and
 * cell_state [B, U] (int16, or float) are read and updated in place (the network's state
 * buffer). weights [4 * U, F], recurrent [4 * U, U] and bias [4 * U] hold the gates input,
 * forget, cell, output (rows k * U + j). The output gets every step's h.
 * gate_quant: per gate k, {x W multiplier, shift, h R multiplier, shift} (requantization to
 * 2^-12); sigmoid_table as stai_logistic_s16's; scratch: 5 * U int16 values. TFLite Micro's
 * integer arithmetic, bit for bit (see the source).
 */
arm_cmsis_nn_status stai_sequence_lstm_s8(const stai_sequence_lstm_params *params,
                                          const int32_t *gate_quant,
                                          const int8_t *input,
                                          const int8_t *weights,
                                          const int8_t *recurrent,
                                          const int32_t *bias,
                                          int8_t *hidden_state,
                                          int16_t *cell_state,
                                          int16_t *scratch,
                                          const int16_t *sigmoid_table,
                                          int8_t *output);

/* 16x8: int16 activations (zero point 0), int8 weights, int64 bias; as stai_sequence_lstm_s8. */
arm_cmsis_nn_status stai_sequence_lstm_s16(const stai_sequence_lstm_params *params,
                                           const int32_t *gate_quant,
                                           const int16_t *input,
                                           const int8_t *weights,
                                           const int8_t *recurrent,
                                           const int64_t *bias,
                                           int16_t *hidden_state,
                                           int16_t *cell_state,
                                           int16_t *scratch,
                                           const int16_t *sigmoid_table,
                                           int16_t *output);

/* Float: the same layer (integer parameters unused), |c| clipped to cell_clip when it is
 * positive; scratch: 4 * U floats. */
arm_cmsis_nn_status stai_sequence_lstm_f32(const stai_sequence_lstm_params *params,
                                           float cell_clip,
                                           const float *input,
                                           const float *weights,
                                           const float *recurrent,
                                           const float *bias,
                                           float *hidden_state,
                                           float *cell_state,
                                           float *scratch,
                                           float *output);

#ifdef __cplusplus
}
#endif

#endif /* STAI_KERNELS_RECURRENT_H */
