/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_fully_connected_f32 */
/* stai-requires: */
/*
 * Float32 fully connected layer over batch rows: each output is the dot product of an
 * input row with a filter row (summed in index order), plus the bias, clamped.
 */
#include "stai_kernels_f32.h"

#include <stddef.h>

arm_cmsis_nn_status stai_fully_connected_f32(const stai_fc_params_f32 *params,
                                             const cmsis_nn_dims *input_dims,
                                             const float *input,
                                             const cmsis_nn_dims *filter_dims,
                                             const float *filter,
                                             const cmsis_nn_dims *bias_dims,
                                             const float *bias,
                                             const cmsis_nn_dims *output_dims,
                                             float *output)
{
    (void)bias_dims;
    if (params == NULL || input_dims == NULL || input == NULL || filter_dims == NULL || filter == NULL ||
        output_dims == NULL || output == NULL)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    const int32_t batches = input_dims->n;
    const int32_t depth = filter_dims->n;
    const int32_t out_c = output_dims->c;
    if (batches < 0 || depth < 0 || out_c != filter_dims->c)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }

    for (int32_t b = 0; b < batches; b++)
    {
        const float *row = input + (size_t)b * depth;
        float *out_row = output + (size_t)b * out_c;
        for (int32_t o = 0; o < out_c; o++)
        {
            const float *weights = filter + (size_t)o * depth;
            float total = 0.0f;
            for (int32_t d = 0; d < depth; d++)
            {
                total += row[d] * weights[d];
            }
            float value = total + (bias != NULL ? bias[o] : 0.0f);
            if (value < params->act_min)
            {
                value = params->act_min;
            }
            if (value > params->act_max)
            {
                value = params->act_max;
            }
            out_row[o] = value;
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}
