/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_pad_s16 */
/* stai-requires: */
/*
 * int16 constant padding of a 4-D NHWC tensor (PAD / PADV2 of 16x8 models): the output is
 * the input surrounded, along each dimension, by pad_before cells before and pad_after
 * cells after, all holding pad_value.
 */
#include "stai_kernels_s16.h"

#include <stddef.h>
#include <string.h>

static int stai_pad_s16_dims_ok(const cmsis_nn_dims *d)
{
    return d != NULL && d->n >= 0 && d->h >= 0 && d->w >= 0 && d->c >= 0;
}

arm_cmsis_nn_status stai_pad_s16(const int16_t *input,
                                 const cmsis_nn_dims *input_dims,
                                 const cmsis_nn_dims *pad_before,
                                 const cmsis_nn_dims *pad_after,
                                 int16_t pad_value,
                                 int16_t *output)
{
    if (!stai_pad_s16_dims_ok(input_dims) || !stai_pad_s16_dims_ok(pad_before) ||
        !stai_pad_s16_dims_ok(pad_after))
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    const size_t out_c = (size_t)(input_dims->c + pad_before->c + pad_after->c);
    const size_t out_w = (size_t)(input_dims->w + pad_before->w + pad_after->w);
    const size_t out_h = (size_t)(input_dims->h + pad_before->h + pad_after->h);
    const size_t out_n = (size_t)(input_dims->n + pad_before->n + pad_after->n);
    const size_t plane = out_c * out_w;
    const size_t image = plane * out_h;
    const size_t total = image * out_n;
    for (size_t i = 0; i < total; ++i)
    {
        output[i] = pad_value;
    }
    const int16_t *in = input;
    const size_t row_bytes = (size_t)input_dims->c * sizeof(int16_t);
    for (int32_t n = 0; n < input_dims->n; ++n)
    {
        for (int32_t h = 0; h < input_dims->h; ++h)
        {
            for (int32_t w = 0; w < input_dims->w; ++w)
            {
                int16_t *dst = output + (size_t)(n + pad_before->n) * image +
                               (size_t)(h + pad_before->h) * plane +
                               (size_t)(w + pad_before->w) * out_c + (size_t)pad_before->c;
                memcpy(dst, in, row_bytes);
                in += input_dims->c;
            }
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}
