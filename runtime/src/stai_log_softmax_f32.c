/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_log_softmax_f32 */
/* stai-requires: */
/* LOG_SOFTMAX (float) over the last axis: the row's maximum, the sum of exp(x - max), then
 * x - max - log(sum). */
#include "stai_kernels_indexing.h"

#include <math.h>
#include <stddef.h>

arm_cmsis_nn_status stai_log_softmax_f32(const float *input, float *output, int32_t rows, int32_t depth)
{
    if (rows < 0 || depth <= 0)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    for (int32_t r = 0; r < rows; ++r)
    {
        const float *x = input + (size_t)r * (size_t)depth;
        float *y = output + (size_t)r * (size_t)depth;
        float max = x[0];
        for (int32_t i = 1; i < depth; ++i)
        {
            max = x[i] > max ? x[i] : max;
        }
        float sum = 0.0f;
        for (int32_t i = 0; i < depth; ++i)
        {
            sum += expf(x[i] - max);
        }
        const float log_sum = logf(sum);
        for (int32_t i = 0; i < depth; ++i)
        {
            y[i] = x[i] - max - log_sum;
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}
