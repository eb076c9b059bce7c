/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stai's float32 recurrent kernels besides stai_lstm_f32 (stai_kernels_f32.h): the GRU, the
 * simple RNN and the LSTM's final cell state. Every function returns ARM_CMSIS_NN_SUCCESS,
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

#ifdef __cplusplus
}
#endif

#endif /* STAI_KERNELS_RECURRENT_H */
