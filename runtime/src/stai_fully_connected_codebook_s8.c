/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_fully_connected_codebook_s8 */
/* stai-requires: */
/*
 * int8 fully connected layer with k-means-shared int8 weights (then the integer
 * arithmetic of the CMSIS-NN API's s8 fully connected): weight (o, d) is
 * codebook[index[o * depth + d]], the indices being one byte each (index_bits 8) or two
 * 4-bit indices per byte, low nibble first (index_bits 4). Weights are decoded one at a
 * time inside the dot product: no decompressed copy is ever held in memory.
 */
#include "stai_kernels_s8.h"
#include "stai_codebook.h"

#include <stddef.h>

#include "stai_fixedpoint.h"

arm_cmsis_nn_status stai_fully_connected_codebook_s8(const cmsis_nn_fc_params *params,
                                                     const cmsis_nn_per_channel_quant_params *quant,
                                                     int32_t per_channel,
                                                     const cmsis_nn_dims *input_dims,
                                                     const int8_t *input,
                                                     const cmsis_nn_dims *filter_dims,
                                                     const int8_t *codebook,
                                                     const uint8_t *indices,
                                                     int32_t index_bits,
                                                     const cmsis_nn_dims *bias_dims,
                                                     const int32_t *bias,
                                                     const cmsis_nn_dims *output_dims,
                                                     int8_t *output)
{
    (void)bias_dims;
    if (params == NULL || quant == NULL || quant->multiplier == NULL || quant->shift == NULL ||
        input == NULL || output == NULL ||
        !stai_codebook_fc_args_ok(input_dims, filter_dims, output_dims, codebook, indices, index_bits))
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    const int32_t batches = input_dims->n;
    const int32_t depth = filter_dims->n;
    const int32_t out_c = output_dims->c;
    for (int32_t b = 0; b < batches; b++)
    {
        const int8_t *row = input + (size_t)b * depth;
        for (int32_t o = 0; o < out_c; o++)
        {
            const size_t base = (size_t)o * depth;
            int32_t acc = 0;
            for (int32_t d = 0; d < depth; d++)
            {
                const int32_t w = codebook[stai_codebook_index(indices, index_bits, base + d)];
                acc += ((int32_t)row[d] + params->input_offset) * (w + params->filter_offset);
            }
            if (bias != NULL)
            {
                acc += bias[o];
            }
            const int32_t k = per_channel ? o : 0;
            acc = stai_multiply_by_quantized_multiplier(acc, quant->multiplier[k], quant->shift[k]);
            acc += params->output_offset;
            acc = stai_clamp_s32(acc, params->activation.min, params->activation.max);
            output[(size_t)b * out_c + o] = (int8_t)acc;
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}
