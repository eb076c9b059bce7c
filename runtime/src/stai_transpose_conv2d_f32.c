/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_transpose_conv2d_f32 */
/* stai-requires: */
/*
 * Transposed 2-D convolution in float32: each input pixel scatters filter * value into
 * the full (uncropped) output; the output tensor is the window of the full output that
 * starts padding.h rows and padding.w columns in.
 */
#include "stai_kernels_f32.h"

#include <stddef.h>

static float clampf(float v, float lo, float hi)
{
    return v < lo ? lo : (v > hi ? hi : v);
}

arm_cmsis_nn_status stai_transpose_conv2d_f32(const stai_conv_params_f32 *params,
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
    const int32_t batches = input_dims->n;
    const int32_t in_h = input_dims->h, in_w = input_dims->w, in_c = input_dims->c;
    const int32_t out_c = filter_dims->n, kh = filter_dims->h, kw = filter_dims->w;
    const int32_t out_h = output_dims->h, out_w = output_dims->w;
    if (filter_dims->c != in_c || output_dims->c != out_c || output_dims->n != batches ||
        params->stride.h <= 0 || params->stride.w <= 0 || params->dilation.h <= 0 ||
        params->dilation.w <= 0)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    const int32_t total = batches * out_h * out_w * out_c;
    for (int32_t i = 0; i < total; ++i)
    {
        output[i] = 0.0f;
    }
    for (int32_t b = 0; b < batches; ++b)
    {
        for (int32_t y = 0; y < in_h; ++y)
        {
            for (int32_t x = 0; x < in_w; ++x)
            {
                const float *pixel = input + ((b * in_h + y) * in_w + x) * in_c;
                for (int32_t ky = 0; ky < kh; ++ky)
                {
                    const int32_t oy = y * params->stride.h + ky * params->dilation.h -
                                       params->padding.h;
                    if (oy < 0 || oy >= out_h)
                    {
                        continue;
                    }
                    for (int32_t kx = 0; kx < kw; ++kx)
                    {
                        const int32_t ox = x * params->stride.w + kx * params->dilation.w -
                                           params->padding.w;
                        if (ox < 0 || ox >= out_w)
                        {
                            continue;
                        }
                        float *out = output + ((b * out_h + oy) * out_w + ox) * out_c;
                        for (int32_t o = 0; o < out_c; ++o)
                        {
                            const float *w = filter + ((o * kh + ky) * kw + kx) * in_c;
                            float sum = 0.0f;
                            for (int32_t i = 0; i < in_c; ++i)
                            {
                                sum += pixel[i] * w[i];
                            }
                            out[o] += sum;
                        }
                    }
                }
            }
        }
    }
    const int32_t pixels = batches * out_h * out_w;
    for (int32_t p = 0; p < pixels; ++p)
    {
        float *out = output + p * out_c;
        for (int32_t o = 0; o < out_c; ++o)
        {
            const float v = out[o] + (bias != NULL ? bias[o] : 0.0f);
            out[o] = clampf(v, params->act_min, params->act_max);
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}
