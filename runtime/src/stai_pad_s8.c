/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_pad_s8 */
/* stai-requires: */
/*
 * int8 constant padding of a 4-D NHWC tensor (PAD / PADV2): the output is the input
 * surrounded, along each dimension, by pad_before cells before and pad_after cells after,
 * all holding pad_value.
 */
#include "stai_kernels_s8.h"

#include <stddef.h>
#include <string.h>

static int stai_pad_dims_ok(const cmsis_nn_dims *d, int32_t min_value)
{
    return d != NULL && d->n >= min_value && d->h >= min_value && d->w >= min_value && d->c >= min_value;
}

arm_cmsis_nn_status stai_pad_s8(const int8_t *input,
                                const cmsis_nn_dims *input_dims,
                                const cmsis_nn_dims *pad_before,
                                const cmsis_nn_dims *pad_after,
                                int8_t pad_value,
                                int8_t *output)
{
    if (!stai_pad_dims_ok(input_dims, 0) || !stai_pad_dims_ok(pad_before, 0) || !stai_pad_dims_ok(pad_after, 0))
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    const int32_t out_n = input_dims->n + pad_before->n + pad_after->n;
    const int32_t out_h = input_dims->h + pad_before->h + pad_after->h;
    const int32_t out_w = input_dims->w + pad_before->w + pad_after->w;
    const int32_t out_c = input_dims->c + pad_before->c + pad_after->c;
    const size_t out_row = (size_t)out_c;
    const size_t out_plane = out_row * (size_t)out_w;
    const size_t out_image = out_plane * (size_t)out_h;

    /* Fill everything, then copy the input rows (the C dimension) into place. */
    memset(output, pad_value, out_image * (size_t)out_n);
    const int8_t *in = input;
    for (int32_t n = 0; n < input_dims->n; ++n)
    {
        for (int32_t h = 0; h < input_dims->h; ++h)
        {
            for (int32_t w = 0; w < input_dims->w; ++w)
            {
                int8_t *dst = output + (size_t)(n + pad_before->n) * out_image +
                              (size_t)(h + pad_before->h) * out_plane + (size_t)(w + pad_before->w) * out_row +
                              (size_t)pad_before->c;
                memcpy(dst, in, (size_t)input_dims->c);
                in += input_dims->c;
            }
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}
