/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_gelu_f32 stai_gelu_tanh_f32 */
/* stai-requires: */
/* Float32 GELU, declared in stai_kernels_math.h: exact, 0.5 * x * (1 + erf(x / sqrt(2))),
 * and the tanh approximation 0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3))). */
#include "stai_kernels_math.h"

#include <math.h>

arm_cmsis_nn_status stai_gelu_f32(const float *in, float *out, int32_t size)
{
    if (size < 0)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    for (int32_t i = 0; i < size; ++i)
    {
        const float x = in[i];
        out[i] = 0.5f * x * (1.0f + erff(x * 0.70710678118654752f));
    }
    return ARM_CMSIS_NN_SUCCESS;
}

arm_cmsis_nn_status stai_gelu_tanh_f32(const float *in, float *out, int32_t size)
{
    if (size < 0)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    for (int32_t i = 0; i < size; ++i)
    {
        const float x = in[i];
        const float inner = 0.79788456080286536f * (x + 0.044715f * x * x * x);
        out[i] = 0.5f * x * (1.0f + tanhf(inner));
    }
    return ARM_CMSIS_NN_SUCCESS;
}
