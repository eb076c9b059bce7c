/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_conv2d_codebook_f32 */
/* stai-requires: */
/*
 * Float32 2-D convolution with k-means-shared weights: filter element (oc, ky, kx, i) is
 * codebook[index[((oc * kh + ky) * kw + kx) * group_c + i]], the indices being one byte
 * each (index_bits 8) or two 4-bit indices per byte, low nibble first (index_bits 4).
 * Weights are decoded one at a time inside the sums, which follow stai_conv2d_f32's
 * order: (ky, kx, i), then the bias, then the clamp. The body, shared with the int8
 * kernel, is stai_codebook_conv (stai_codebook.h).
 */
#include "stai_kernels_f32.h"
#include "stai_codebook.h"

#include <stddef.h>

arm_cmsis_nn_status stai_conv2d_codebook_f32(const stai_conv_params_f32 *params,
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
    if (params == NULL || input_dims == NULL || input == NULL || filter_dims == NULL || codebook == NULL ||
        indices == NULL || (index_bits != 4 && index_bits != 8) || output_dims == NULL || output == NULL)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    stai_codebook_conv_shape shape;
    if (!stai_codebook_conv_shape_of(input_dims, filter_dims, output_dims, params->stride, params->padding,
                                     params->dilation, &shape))
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    stai_codebook_conv(&shape, NULL, params->act_min, params->act_max, input, codebook, indices, index_bits, bias,
                       output);
    return ARM_CMSIS_NN_SUCCESS;
}
