/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_avgpool_f32 stai_max_pool_f32 */
/* stai-requires: */
/*
 * Float32 average and max pooling over NHWC tensors. A window is clipped to the input:
 * padded cells take no part (the average divides by the number of cells inside).
 */
#include "stai_kernels_f32.h"

#include <float.h>
#include <stddef.h>

/* The window of one output coordinate, clipped to [0, size): taps [*first, *last). */
static void window(int32_t origin, int32_t kernel, int32_t size, int32_t *first, int32_t *last)
{
    int32_t lo = -origin;
    int32_t hi = size - origin;
    *first = lo > 0 ? lo : 0;
    *last = hi < kernel ? hi : kernel;
}

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

static int pool_args_bad(const stai_pool_params_f32 *params,
                         const cmsis_nn_dims *input_dims,
                         const float *input,
                         const cmsis_nn_dims *filter_dims,
                         const cmsis_nn_dims *output_dims,
                         const float *output)
{
    if (params == NULL || input_dims == NULL || input == NULL || filter_dims == NULL || output_dims == NULL ||
        output == NULL)
    {
        return 1;
    }
    return input_dims->n != output_dims->n || input_dims->c != output_dims->c || params->stride.h < 1 ||
        params->stride.w < 1 || filter_dims->h < 1 || filter_dims->w < 1;
}

arm_cmsis_nn_status stai_avgpool_f32(const stai_pool_params_f32 *params,
                                     const cmsis_nn_dims *input_dims,
                                     const float *input,
                                     const cmsis_nn_dims *filter_dims,
                                     const cmsis_nn_dims *output_dims,
                                     float *output)
{
    if (pool_args_bad(params, input_dims, input, filter_dims, output_dims, output))
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    const int32_t in_h = input_dims->h;
    const int32_t in_w = input_dims->w;
    const int32_t ch = input_dims->c;
    const int32_t out_h = output_dims->h;
    const int32_t out_w = output_dims->w;

    for (int32_t b = 0; b < input_dims->n; b++)
    {
        const float *in_batch = input + (size_t)b * in_h * in_w * ch;
        for (int32_t oy = 0; oy < out_h; oy++)
        {
            const int32_t y0 = oy * params->stride.h - params->padding.h;
            int32_t ky_first;
            int32_t ky_last;
            window(y0, filter_dims->h, in_h, &ky_first, &ky_last);
            for (int32_t ox = 0; ox < out_w; ox++)
            {
                const int32_t x0 = ox * params->stride.w - params->padding.w;
                int32_t kx_first;
                int32_t kx_last;
                window(x0, filter_dims->w, in_w, &kx_first, &kx_last);
                float *out_pixel = output + (((size_t)b * out_h + oy) * out_w + ox) * ch;
                for (int32_t c = 0; c < ch; c++)
                {
                    float total = 0.0f;
                    int32_t count = 0;
                    for (int32_t ky = ky_first; ky < ky_last; ky++)
                    {
                        for (int32_t kx = kx_first; kx < kx_last; kx++)
                        {
                            total += in_batch[((size_t)(y0 + ky) * in_w + (x0 + kx)) * ch + c];
                            count++;
                        }
                    }
                    if (count == 0)
                    {
                        return ARM_CMSIS_NN_ARG_ERROR;
                    }
                    out_pixel[c] = clamp_f32(total / (float)count, params->act_min, params->act_max);
                }
            }
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}

arm_cmsis_nn_status stai_max_pool_f32(const stai_pool_params_f32 *params,
                                      const cmsis_nn_dims *input_dims,
                                      const float *input,
                                      const cmsis_nn_dims *filter_dims,
                                      const cmsis_nn_dims *output_dims,
                                      float *output)
{
    if (pool_args_bad(params, input_dims, input, filter_dims, output_dims, output))
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    const int32_t in_h = input_dims->h;
    const int32_t in_w = input_dims->w;
    const int32_t ch = input_dims->c;
    const int32_t out_h = output_dims->h;
    const int32_t out_w = output_dims->w;

    for (int32_t b = 0; b < input_dims->n; b++)
    {
        const float *in_batch = input + (size_t)b * in_h * in_w * ch;
        for (int32_t oy = 0; oy < out_h; oy++)
        {
            const int32_t y0 = oy * params->stride.h - params->padding.h;
            int32_t ky_first;
            int32_t ky_last;
            window(y0, filter_dims->h, in_h, &ky_first, &ky_last);
            for (int32_t ox = 0; ox < out_w; ox++)
            {
                const int32_t x0 = ox * params->stride.w - params->padding.w;
                int32_t kx_first;
                int32_t kx_last;
                window(x0, filter_dims->w, in_w, &kx_first, &kx_last);
                float *out_pixel = output + (((size_t)b * out_h + oy) * out_w + ox) * ch;
                for (int32_t c = 0; c < ch; c++)
                {
                    float best = -FLT_MAX;
                    for (int32_t ky = ky_first; ky < ky_last; ky++)
                    {
                        for (int32_t kx = kx_first; kx < kx_last; kx++)
                        {
                            const float value = in_batch[((size_t)(y0 + ky) * in_w + (x0 + kx)) * ch + c];
                            if (value > best)
                            {
                                best = value;
                            }
                        }
                    }
                    out_pixel[c] = clamp_f32(best, params->act_min, params->act_max);
                }
            }
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}
