/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_abs_f32 stai_neg_f32 stai_exp_f32 stai_log_f32 stai_sqrt_f32 stai_rsqrt_f32 stai_square_f32 stai_floor_f32 stai_ceil_f32 stai_sin_f32 stai_cos_f32 stai_round_f32 stai_elu_f32 */
/* stai-requires: */
/* Float32 element-wise math functions (ABS, NEG, EXP, LOG, SQRT, RSQRT, SQUARE, FLOOR, CEIL,
 * SIN, COS, ROUND: halves to even, ELU: expm1 below zero), declared in stai_kernels_math.h. */
#include "stai_kernels_math.h"

#include <math.h>

#define STAI_MATH_KERNEL(NAME, EXPR)                                                     \
    arm_cmsis_nn_status NAME(const float *in, float *out, int32_t size)                  \
    {                                                                                    \
        if (size < 0)                                                                    \
        {                                                                                \
            return ARM_CMSIS_NN_ARG_ERROR;                                               \
        }                                                                                \
        for (int32_t i = 0; i < size; ++i)                                               \
        {                                                                                \
            const float x = in[i];                                                       \
            out[i] = (EXPR);                                                             \
        }                                                                                \
        return ARM_CMSIS_NN_SUCCESS;                                                     \
    }

STAI_MATH_KERNEL(stai_abs_f32, fabsf(x))
STAI_MATH_KERNEL(stai_neg_f32, -x)
STAI_MATH_KERNEL(stai_exp_f32, expf(x))
STAI_MATH_KERNEL(stai_log_f32, logf(x))
STAI_MATH_KERNEL(stai_sqrt_f32, sqrtf(x))
STAI_MATH_KERNEL(stai_rsqrt_f32, 1.0f / sqrtf(x))
STAI_MATH_KERNEL(stai_square_f32, x * x)
STAI_MATH_KERNEL(stai_floor_f32, floorf(x))
STAI_MATH_KERNEL(stai_ceil_f32, ceilf(x))
STAI_MATH_KERNEL(stai_sin_f32, sinf(x))
STAI_MATH_KERNEL(stai_cos_f32, cosf(x))
STAI_MATH_KERNEL(stai_round_f32, rintf(x))
STAI_MATH_KERNEL(stai_elu_f32, x < 0.0f ? expm1f(x) : x)
