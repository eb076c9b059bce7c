/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_conv2d_codebook_s8 */
/* stai-requires: */
/*
 * int8 2-D convolution with k-means-shared int8 weights, then the integer arithmetic of
 * the CMSIS-NN API's s8 convolution (per-channel requantization), bit for bit: filter
 * element (oc, ky, kx, i) is codebook[index[((oc * kh + ky) * kw + kx) * group_c + i]],
 * the indices being one byte each (index_bits 8) or two 4-bit indices per byte, low
 * nibble first (index_bits 4). Weights are decoded one at a time inside the sums. The
 * body, shared with the float kernel, is stai_codebook_conv (stai_codebook.h).
 */
#include "stai_kernels_s8.h"
#include "stai_codebook.h"

#include <stddef.h>

arm_cmsis_nn_status stai_conv2d_codebook_s8(const cmsis_nn_conv_params *params,
                                            const cmsis_nn_per_channel_quant_params *quant,
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
        input_dims == NULL || input == NULL || filter_dims == NULL || codebook == NULL || indices == NULL ||
        (index_bits != 4 && index_bits != 8) || output_dims == NULL || output == NULL)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    stai_codebook_conv_shape shape;
    if (!stai_codebook_conv_shape_of(input_dims, filter_dims, output_dims, params->stride, params->padding,
                                     params->dilation, &shape))
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    const stai_codebook_conv_s8_quant q = {params->input_offset, params->output_offset, quant->multiplier,
                                           quant->shift,         params->activation.min, params->activation.max};
    stai_codebook_conv(&shape, &q, 0.0f, 0.0f, input, codebook, indices, index_bits, bias, output);
    return ARM_CMSIS_NN_SUCCESS;
}
