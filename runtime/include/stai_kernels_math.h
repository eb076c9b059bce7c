/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stai's float32 element-wise math functions: out[i] = f(in[i]) for `size` values, f the C
 * library's float function as TFLite's reference kernels compute it (RSQRT is 1 / sqrtf,
 * SQUARE in * in, NEG -in; ERF the C library's erff, GELU 0.5 * x * (1 + erff(x / sqrt(2))),
 * GELU_TANH its tanh approximation, ROUND rintf: halves to even, ELU expm1f below zero). The
 * output may be the input (in place). Every function returns ARM_CMSIS_NN_SUCCESS, or
 * ARM_CMSIS_NN_ARG_ERROR for a negative size.
 */
#ifndef STAI_KERNELS_MATH_H
#define STAI_KERNELS_MATH_H

#include "arm_nn_types.h"

#ifdef __cplusplus
extern "C" {
#endif

arm_cmsis_nn_status stai_abs_f32(const float *in, float *out, int32_t size);
arm_cmsis_nn_status stai_neg_f32(const float *in, float *out, int32_t size);
arm_cmsis_nn_status stai_exp_f32(const float *in, float *out, int32_t size);
arm_cmsis_nn_status stai_log_f32(const float *in, float *out, int32_t size);
arm_cmsis_nn_status stai_sqrt_f32(const float *in, float *out, int32_t size);
arm_cmsis_nn_status stai_rsqrt_f32(const float *in, float *out, int32_t size);
arm_cmsis_nn_status stai_square_f32(const float *in, float *out, int32_t size);
arm_cmsis_nn_status stai_floor_f32(const float *in, float *out, int32_t size);
arm_cmsis_nn_status stai_ceil_f32(const float *in, float *out, int32_t size);
arm_cmsis_nn_status stai_erf_f32(const float *in, float *out, int32_t size);
arm_cmsis_nn_status stai_gelu_f32(const float *in, float *out, int32_t size);
arm_cmsis_nn_status stai_gelu_tanh_f32(const float *in, float *out, int32_t size);
arm_cmsis_nn_status stai_sin_f32(const float *in, float *out, int32_t size);
arm_cmsis_nn_status stai_cos_f32(const float *in, float *out, int32_t size);
arm_cmsis_nn_status stai_round_f32(const float *in, float *out, int32_t size);
arm_cmsis_nn_status stai_elu_f32(const float *in, float *out, int32_t size);

#ifdef __cplusplus
}
#endif

#endif /* STAI_KERNELS_MATH_H */
