/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_hard_sigmoid_f32 */
/* stai-requires: */
/*
 * Float32 hard sigmoid: a line alpha * x + beta clamped to [0, 1]. Reads in[i] before
 * writing out[i], so it may run in place.
 */
#include "stai_kernels_f32.h"

#include <stddef.h>

arm_cmsis_nn_status stai_hard_sigmoid_f32(const float *in, float *out, int32_t size, float alpha, float beta)
{
    if (in == NULL || out == NULL || size < 0)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    for (int32_t i = 0; i < size; i++)
    {
        const float y = alpha * in[i] + beta;
        out[i] = y < 0.0f ? 0.0f : (y > 1.0f ? 1.0f : y);
    }
    return ARM_CMSIS_NN_SUCCESS;
}
