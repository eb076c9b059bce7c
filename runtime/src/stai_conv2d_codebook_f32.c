/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_conv2d_codebook_f32 */
/* stai-requires: */
/*
 * Float32 2-D convolution with k-means-shared weights: filter element (oc, ky, kx, i) is
 * codebook[index[((oc * kh + ky) * kw + kx) * group_c + i]], the indices being one byte
 * each (index_bits 8) or two 4-bit indices per byte, low nibble first (index_bits 4).
 * Weights are decoded one at a time inside the sums, which follow stai_conv2d_f32's
 * order: (ky, kx, i), then the bias, then the clamp.
 */
#include "stai_kernels_f32.h"
#include "stai_codebook.h"

#include <stddef.h>

static float stai_cb_clamp_f32(float value, float lo, float hi)
{
    if (value < lo)
    {
        value = lo;
    }
    if (value > hi)
    {
        value = hi;
    }
    return value;
}

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
    const int32_t batches = input_dims->n;
    const int32_t in_h = input_dims->h;
    const int32_t in_w = input_dims->w;
    const int32_t in_c = input_dims->c;
    const int32_t out_h = output_dims->h;
    const int32_t out_w = output_dims->w;
    const int32_t out_c = output_dims->c;
    const int32_t k_h = filter_dims->h;
    const int32_t k_w = filter_dims->w;
    const int32_t group_c = filter_dims->c;
    if (batches != output_dims->n || filter_dims->n != out_c || group_c <= 0 || in_c % group_c != 0 ||
        params->stride.h < 1 || params->stride.w < 1 || params->dilation.h < 1 || params->dilation.w < 1)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    const int32_t groups = in_c / group_c;
    if (out_c % groups != 0)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    const int32_t filters_per_group = out_c / groups;

    for (int32_t b = 0; b < batches; b++)
    {
        const float *in_batch = input + (size_t)b * in_h * in_w * in_c;
        for (int32_t oy = 0; oy < out_h; oy++)
        {
            const int32_t y0 = oy * params->stride.h - params->padding.h;
            for (int32_t ox = 0; ox < out_w; ox++)
            {
                const int32_t x0 = ox * params->stride.w - params->padding.w;
                float *out_pixel = output + (((size_t)b * out_h + oy) * out_w + ox) * out_c;
                for (int32_t oc = 0; oc < out_c; oc++)
                {
                    const int32_t channel_base = (oc / filters_per_group) * group_c;
                    const size_t filter_base = (size_t)oc * k_h * k_w * group_c;
                    float total = 0.0f;
                    for (int32_t ky = 0; ky < k_h; ky++)
                    {
                        const int32_t iy = y0 + ky * params->dilation.h;
                        if (iy < 0 || iy >= in_h)
                        {
                            continue;
                        }
                        for (int32_t kx = 0; kx < k_w; kx++)
                        {
                            const int32_t ix = x0 + kx * params->dilation.w;
                            if (ix < 0 || ix >= in_w)
                            {
                                continue;
                            }
                            const float *in_px = in_batch + ((size_t)iy * in_w + ix) * in_c + channel_base;
                            const size_t w_base = filter_base + ((size_t)ky * k_w + kx) * group_c;
                            for (int32_t i = 0; i < group_c; i++)
                            {
                                total += in_px[i] * codebook[stai_codebook_index(indices, index_bits, w_base + (size_t)i)];
                            }
                        }
                    }
                    const float bias_value = bias != NULL ? bias[oc] : 0.0f;
                    out_pixel[oc] = stai_cb_clamp_f32(total + bias_value, params->act_min, params->act_max);
                }
            }
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}
