/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_depthwise_conv2d_f32 */
/* stai-requires: */
/*
 * Float32 depthwise 2-D convolution with a channel multiplier: output channel
 * i * ch_mult + m is input channel i convolved with filter channel i * ch_mult + m.
 * Products are summed over (ky, kx), then the bias is added, then the result clamped.
 */
#include "stai_kernels_f32.h"

#include <stddef.h>

static float clamp_f32(float value, float lo, float hi)
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

arm_cmsis_nn_status stai_depthwise_conv2d_f32(const stai_dw_conv_params_f32 *params,
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
    const int32_t in_h = input_dims->h;
    const int32_t in_w = input_dims->w;
    const int32_t in_c = input_dims->c;
    const int32_t out_h = output_dims->h;
    const int32_t out_w = output_dims->w;
    const int32_t out_c = output_dims->c;
    const int32_t k_h = filter_dims->h;
    const int32_t k_w = filter_dims->w;
    const int32_t mult = params->ch_mult;
    if (batches != output_dims->n || mult < 1 || out_c != in_c * mult || filter_dims->c != out_c ||
        params->stride.h < 1 || params->stride.w < 1 || params->dilation.h < 1 || params->dilation.w < 1)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }

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
                for (int32_t ic = 0; ic < in_c; ic++)
                {
                    for (int32_t m = 0; m < mult; m++)
                    {
                        const int32_t oc = ic * mult + m;
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
                                const float in_value = in_batch[((size_t)iy * in_w + ix) * in_c + ic];
                                const float w_value = filter[((size_t)ky * k_w + kx) * out_c + oc];
                                total += in_value * w_value;
                            }
                        }
                        const float bias_value = bias != NULL ? bias[oc] : 0.0f;
                        out_pixel[oc] = clamp_f32(total + bias_value, params->act_min, params->act_max);
                    }
                }
            }
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}
