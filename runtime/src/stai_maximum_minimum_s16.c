/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_maximum_s16 stai_minimum_s16 */
/* stai-requires: */
/*
 * 16x8 (int16) element-wise MAXIMUM / MINIMUM with broadcasting: the codes are compared (the
 * inputs and the output share one quantization, as TFLite Micro requires). A dimension of
 * size 1 in an input is repeated along the output's.
 */
#include "stai_kernels_s16.h"

#include <stddef.h>

/* Whether an input's dims broadcast to the output's: each equal, or 1. */
static int stai_broadcasts_s16(const cmsis_nn_dims *in, const cmsis_nn_dims *out)
{
    return (in->n == out->n || in->n == 1) && (in->h == out->h || in->h == 1) &&
           (in->w == out->w || in->w == 1) && (in->c == out->c || in->c == 1);
}

/* The element strides of an input, 0 along its broadcast dimensions. */
static void stai_strides_s16(const cmsis_nn_dims *in, const cmsis_nn_dims *out, ptrdiff_t stride[4])
{
    const ptrdiff_t c = 1;
    const ptrdiff_t w = c * in->c;
    const ptrdiff_t h = w * in->w;
    const ptrdiff_t n = h * in->h;
    stride[0] = in->n == out->n ? n : 0;
    stride[1] = in->h == out->h ? h : 0;
    stride[2] = in->w == out->w ? w : 0;
    stride[3] = in->c == out->c ? c : 0;
}

#define STAI_SELECT_KERNEL_S16(NAME, TYPE, PICK_FIRST)                                                  \
    arm_cmsis_nn_status NAME(const TYPE *input_1,                                                   \
                             const cmsis_nn_dims *input_1_dims,                                     \
                             const TYPE *input_2,                                                   \
                             const cmsis_nn_dims *input_2_dims,                                     \
                             TYPE *output,                                                          \
                             const cmsis_nn_dims *output_dims)                                      \
    {                                                                                               \
        if (!stai_broadcasts_s16(input_1_dims, output_dims) || !stai_broadcasts_s16(input_2_dims, output_dims)) \
        {                                                                                           \
            return ARM_CMSIS_NN_ARG_ERROR;                                                          \
        }                                                                                           \
        ptrdiff_t s1[4];                                                                            \
        ptrdiff_t s2[4];                                                                            \
        stai_strides_s16(input_1_dims, output_dims, s1);                                                \
        stai_strides_s16(input_2_dims, output_dims, s2);                                                \
        TYPE *out = output;                                                                         \
        for (int32_t n = 0; n < output_dims->n; ++n)                                                \
        {                                                                                           \
            for (int32_t h = 0; h < output_dims->h; ++h)                                            \
            {                                                                                       \
                for (int32_t w = 0; w < output_dims->w; ++w)                                        \
                {                                                                                   \
                    const TYPE *a = input_1 + n * s1[0] + h * s1[1] + w * s1[2];                    \
                    const TYPE *b = input_2 + n * s2[0] + h * s2[1] + w * s2[2];                    \
                    for (int32_t c = 0; c < output_dims->c; ++c)                                    \
                    {                                                                               \
                        const TYPE x = a[c * s1[3]];                                                \
                        const TYPE y = b[c * s2[3]];                                                \
                        *out++ = (PICK_FIRST) ? x : y;                                              \
                    }                                                                               \
                }                                                                               \
            }                                                                                       \
        }                                                                                           \
        return ARM_CMSIS_NN_SUCCESS;                                                                \
    }

STAI_SELECT_KERNEL_S16(stai_maximum_s16, int16_t, x > y)
STAI_SELECT_KERNEL_S16(stai_minimum_s16, int16_t, x < y)
