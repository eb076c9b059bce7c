/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_softmax_f32 */
/* stai-requires: */
/*
 * Float32 softmax over the last dimension. Each row is shifted by its maximum before
 * exponentiation, so large logits do not overflow.
 */
#include "stai_kernels_f32.h"

#include <float.h>
#include <math.h>
#include <stddef.h>

arm_cmsis_nn_status stai_softmax_f32(const float *in, int32_t rows, int32_t depth, float beta, float *out)
{
    if (in == NULL || out == NULL || rows < 0 || depth <= 0)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    for (int32_t r = 0; r < rows; r++)
    {
        const float *row = in + (size_t)r * depth;
        float *out_row = out + (size_t)r * depth;
        float max_value = -FLT_MAX;
        for (int32_t i = 0; i < depth; i++)
        {
            if (row[i] > max_value)
            {
                max_value = row[i];
            }
        }
        float sum = 0.0f;
        for (int32_t i = 0; i < depth; i++)
        {
            const float e = expf((row[i] - max_value) * beta);
            out_row[i] = e;
            sum += e;
        }
        for (int32_t i = 0; i < depth; i++)
        {
            out_row[i] = out_row[i] / sum;
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}
