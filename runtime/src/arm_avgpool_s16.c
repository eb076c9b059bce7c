/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: arm_avgpool_s16 arm_avgpool_s16_get_buffer_size arm_avgpool_s16_get_buffer_size_dsp arm_avgpool_s16_get_buffer_size_mve */
/* stai-requires: */
/*
 * Portable s16 average pooling of the CMSIS-NN API, bit-exact with the TFLite Micro
 * reference: the window is clipped to the input, the sum of the raw int16 values is
 * divided by the number of values inside, rounded to nearest with ties away from zero,
 * then clamped. Scratch sizes are those of CMSIS-NN v7.0.0 (plain C: none; DSP: one
 * int32 per channel; Helium: none).
 */
#include "arm_nnfunctions.h"
#include "arm_nnsupportfunctions.h"

/* Average of one channel over one clipped window; returns false when the window is empty. */
static bool stai_avg_window_s16(const cmsis_nn_dims *input_dims,
                            const int16_t *input_batch,
                            const cmsis_nn_dims *filter_dims,
                            int32_t channel,
                            int32_t in_y0,
                            int32_t in_x0,
                            int32_t *average)
{
    const int32_t y_start = MAX(0, -in_y0);
    const int32_t y_end = MIN(filter_dims->h, input_dims->h - in_y0);
    const int32_t x_start = MAX(0, -in_x0);
    const int32_t x_end = MIN(filter_dims->w, input_dims->w - in_x0);
    int32_t sum = 0;
    int32_t count = 0;
    for (int32_t fy = y_start; fy < y_end; fy++)
    {
        for (int32_t fx = x_start; fx < x_end; fx++)
        {
            sum += input_batch[((in_y0 + fy) * input_dims->w + (in_x0 + fx)) * input_dims->c + channel];
            count++;
        }
    }
    if (count == 0)
    {
        return false;
    }
    *average = sum > 0 ? (sum + count / 2) / count : (sum - count / 2) / count;
    return true;
}

arm_cmsis_nn_status arm_avgpool_s16(const cmsis_nn_context *ctx,
                                   const cmsis_nn_pool_params *pool_params,
                                   const cmsis_nn_dims *input_dims,
                                   const int16_t *input_data,
                                   const cmsis_nn_dims *filter_dims,
                                   const cmsis_nn_dims *output_dims,
                                   int16_t *output_data)
{
    (void)ctx;
    const cmsis_nn_pool_params *p = pool_params;
    const int32_t channels = input_dims->c;
    if (input_dims->n < 1)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    for (int32_t b = 0; b < input_dims->n; b++)
    {
        const int16_t *input_batch = input_data + b * input_dims->h * input_dims->w * channels;
        for (int32_t oy = 0; oy < output_dims->h; oy++)
        {
            const int32_t in_y0 = oy * p->stride.h - p->padding.h;
            for (int32_t ox = 0; ox < output_dims->w; ox++)
            {
                const int32_t in_x0 = ox * p->stride.w - p->padding.w;
                int16_t *out = output_data + ((b * output_dims->h + oy) * output_dims->w + ox) * channels;
                for (int32_t ch = 0; ch < channels; ch++)
                {
                    int32_t value = 0;
                    if (!stai_avg_window_s16(input_dims, input_batch, filter_dims, ch, in_y0, in_x0, &value))
                    {
                        return ARM_CMSIS_NN_ARG_ERROR;
                    }
                    value = MAX(value, p->activation.min);
                    value = MIN(value, p->activation.max);
                    out[ch] = (int16_t)value;
                }
            }
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}

int32_t arm_avgpool_s16_get_buffer_size(const int dim_dst_width, const int ch_src)
{
    (void)dim_dst_width;
    (void)ch_src;
    return 0;
}

int32_t arm_avgpool_s16_get_buffer_size_dsp(const int dim_dst_width, const int ch_src)
{
    (void)dim_dst_width;
    return ch_src * (int32_t)sizeof(int32_t);
}

int32_t arm_avgpool_s16_get_buffer_size_mve(const int dim_dst_width, const int ch_src)
{
    (void)dim_dst_width;
    (void)ch_src;
    return 0;
}
