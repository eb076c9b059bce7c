/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_pad_f32 */
/* stai-requires: */
/*
 * Float32 constant padding of a 4-D NHWC tensor: the output is the input surrounded, along
 * each dimension, by pre_pad cells before and post_pad cells after, all set to pad_value.
 */
#include "stai_kernels_f32.h"

#include <stddef.h>

static void fill(float *dst, size_t count, float value)
{
    for (size_t i = 0; i < count; i++)
    {
        dst[i] = value;
    }
}

arm_cmsis_nn_status stai_pad_f32(const float *input,
                                 float *output,
                                 float pad_value,
                                 const cmsis_nn_dims *input_size,
                                 const cmsis_nn_dims *pre_pad,
                                 const cmsis_nn_dims *post_pad)
{
    if (input == NULL || output == NULL || input_size == NULL || pre_pad == NULL || post_pad == NULL)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    if (input_size->n < 0 || input_size->h < 0 || input_size->w < 0 || input_size->c < 0 || pre_pad->n < 0 ||
        pre_pad->h < 0 || pre_pad->w < 0 || pre_pad->c < 0 || post_pad->n < 0 || post_pad->h < 0 ||
        post_pad->w < 0 || post_pad->c < 0)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    const size_t out_c = (size_t)(pre_pad->c + input_size->c + post_pad->c);
    const size_t out_w = (size_t)(pre_pad->w + input_size->w + post_pad->w);
    const size_t out_h = (size_t)(pre_pad->h + input_size->h + post_pad->h);
    const size_t row = out_w * out_c;   /* one output row of pixels */
    const size_t plane = out_h * row;   /* one output batch */

    fill(output, (size_t)pre_pad->n * plane, pad_value);
    output += (size_t)pre_pad->n * plane;
    for (int32_t n = 0; n < input_size->n; n++)
    {
        fill(output, (size_t)pre_pad->h * row, pad_value);
        output += (size_t)pre_pad->h * row;
        for (int32_t y = 0; y < input_size->h; y++)
        {
            fill(output, (size_t)pre_pad->w * out_c, pad_value);
            output += (size_t)pre_pad->w * out_c;
            for (int32_t x = 0; x < input_size->w; x++)
            {
                fill(output, (size_t)pre_pad->c, pad_value);
                output += pre_pad->c;
                for (int32_t c = 0; c < input_size->c; c++)
                {
                    *output++ = *input++;
                }
                fill(output, (size_t)post_pad->c, pad_value);
                output += post_pad->c;
            }
            fill(output, (size_t)post_pad->w * out_c, pad_value);
            output += (size_t)post_pad->w * out_c;
        }
        fill(output, (size_t)post_pad->h * row, pad_value);
        output += (size_t)post_pad->h * row;
    }
    fill(output, (size_t)post_pad->n * plane, pad_value);
    return ARM_CMSIS_NN_SUCCESS;
}
