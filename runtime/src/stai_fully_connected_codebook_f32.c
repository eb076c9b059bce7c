/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_fully_connected_codebook_f32 */
/* stai-requires: */
/*
 * Float32 fully connected layer with k-means-shared weights: weight (o, d) is
 * codebook[index[o * depth + d]], the indices being one byte each (index_bits 8) or two
 * 4-bit indices per byte, low nibble first (index_bits 4). Weights are decoded one at a
 * time inside the dot product: no decompressed copy is ever held in memory.
 */
#include "stai_kernels_f32.h"
#include "stai_codebook.h"

#include <stddef.h>

arm_cmsis_nn_status stai_fully_connected_codebook_f32(const stai_fc_params_f32 *params,
                                                      const cmsis_nn_dims *input_dims,
                                                      const float *input,
                                                      const cmsis_nn_dims *filter_dims,
                                                      const float *codebook,
                                                      const uint8_t *indices,
                                                      int32_t index_bits,
                                                      const cmsis_nn_dims *bias_dims,
                                                      const float *bias,
                                                      const cmsis_nn_dims *output_dims,
                                                      float *output)
{
    (void)bias_dims;
    if (params == NULL || input == NULL || output == NULL ||
        !stai_codebook_fc_args_ok(input_dims, filter_dims, output_dims, codebook, indices, index_bits))
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    const int32_t batches = input_dims->n;
    const int32_t depth = filter_dims->n;
    const int32_t out_c = output_dims->c;
    for (int32_t b = 0; b < batches; b++)
    {
        const float *row = input + (size_t)b * depth;
        float *out_row = output + (size_t)b * out_c;
        for (int32_t o = 0; o < out_c; o++)
        {
            const size_t base = (size_t)o * depth;
            float total = 0.0f;
            for (int32_t d = 0; d < depth; d++)
            {
                total += row[d] * codebook[stai_codebook_index(indices, index_bits, base + d)];
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
