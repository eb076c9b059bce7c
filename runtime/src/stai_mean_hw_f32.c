/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_mean_hw_f32 */
/* stai-requires: */
/*
 * Float32 mean over the H and W axes of an NHWC tensor (global average pooling): the
 * values of one (batch, channel) are summed in (h, w) order, then divided by H * W.
 */
#include "stai_kernels_f32.h"

#include <stddef.h>

arm_cmsis_nn_status stai_mean_hw_f32(const cmsis_nn_dims *input_dims, const float *input, float *output)
{
    if (input_dims == NULL || input == NULL || output == NULL)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    const int32_t plane = input_dims->h * input_dims->w;
    const int32_t ch = input_dims->c;
    if (plane <= 0 || ch < 0 || input_dims->n < 0)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    for (int32_t b = 0; b < input_dims->n; b++)
    {
        const float *in_batch = input + (size_t)b * plane * ch;
        for (int32_t c = 0; c < ch; c++)
        {
            float total = 0.0f;
            for (int32_t p = 0; p < plane; p++)
            {
                total += in_batch[(size_t)p * ch + c];
            }
            output[(size_t)b * ch + c] = total / (float)plane;
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}
