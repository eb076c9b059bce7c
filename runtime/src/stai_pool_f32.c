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

/* The value of channel c over the window [ky_first, ky_last) x [kx_first, kx_last) at
 * (y0, x0): the largest (max 1; -FLT_MAX for an empty window) or the mean (max 0), in
 * *value; 0 for an empty average window. */
static int pool_window(int32_t max,
                       const float *in_batch,
                       int32_t in_w,
                       int32_t ch,
                       int32_t c,
                       int32_t y0,
                       int32_t x0,
                       const int32_t first[2],
                       const int32_t last[2],
                       float *value)
{
    float total = 0.0f;
    float best = -FLT_MAX;
    int32_t count = 0;
    for (int32_t ky = first[0]; ky < last[0]; ky++)
    {
        for (int32_t kx = first[1]; kx < last[1]; kx++)
        {
            const float x = in_batch[((size_t)(y0 + ky) * in_w + (x0 + kx)) * ch + c];
            if (max)
            {
                best = x > best ? x : best;
            }
            else
            {
                total += x;
            }
            count++;
        }
    }
    if (max)
    {
        *value = best;
        return 1;
    }
    if (count == 0)
    {
        return 0;
    }
    *value = total / (float)count;
    return 1;
}

/* The body of both pools (max 1: max pooling, 0: average pooling). */
static arm_cmsis_nn_status pool_f32(int32_t max,
                                    const stai_pool_params_f32 *params,
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
            int32_t first[2];
            int32_t last[2];
            window(y0, filter_dims->h, in_h, &first[0], &last[0]);
            for (int32_t ox = 0; ox < out_w; ox++)
            {
                const int32_t x0 = ox * params->stride.w - params->padding.w;
                window(x0, filter_dims->w, in_w, &first[1], &last[1]);
                float *out_pixel = output + (((size_t)b * out_h + oy) * out_w + ox) * ch;
                for (int32_t c = 0; c < ch; c++)
                {
                    float value;
                    if (!pool_window(max, in_batch, in_w, ch, c, y0, x0, first, last, &value))
                    {
                        return ARM_CMSIS_NN_ARG_ERROR;
                    }
                    out_pixel[c] = clamp_f32(value, params->act_min, params->act_max);
                }
            }
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}

arm_cmsis_nn_status stai_avgpool_f32(const stai_pool_params_f32 *params,
                                     const cmsis_nn_dims *input_dims,
                                     const float *input,
                                     const cmsis_nn_dims *filter_dims,
                                     const cmsis_nn_dims *output_dims,
                                     float *output)
{
    return pool_f32(0, params, input_dims, input, filter_dims, output_dims, output);
}

arm_cmsis_nn_status stai_max_pool_f32(const stai_pool_params_f32 *params,
                                      const cmsis_nn_dims *input_dims,
                                      const float *input,
                                      const cmsis_nn_dims *filter_dims,
                                      const cmsis_nn_dims *output_dims,
                                      float *output)
{
    return pool_f32(1, params, input_dims, input, filter_dims, output_dims, output);
}
