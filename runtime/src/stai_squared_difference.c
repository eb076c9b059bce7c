/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_squared_difference_s8 stai_squared_difference_s16 stai_squared_difference_s32 */
/* stai-requires: */
/* SQUARED_DIFFERENCE with broadcasting over NHWC dims: int8 and int16 with the reference's
 * fixed-point rescaling, int32 plain. */
#include "stai_kernels_sqdiff.h"

#include "stai_fixedpoint.h"

#include <stddef.h>

/* 1 when the input dims each equal the output's or are 1. */
static int fits(const cmsis_nn_dims *in, const cmsis_nn_dims *out)
{
    return (in->n == out->n || in->n == 1) && (in->h == out->h || in->h == 1) &&
           (in->w == out->w || in->w == 1) && (in->c == out->c || in->c == 1);
}

static int bad_args(const void *a, const cmsis_nn_dims *ad, const void *b, const cmsis_nn_dims *bd,
                    const void *y, const cmsis_nn_dims *yd)
{
    return a == NULL || b == NULL || y == NULL || ad == NULL || bd == NULL || yd == NULL ||
           yd->n < 0 || yd->h < 0 || yd->w < 0 || yd->c < 0 || !fits(ad, yd) || !fits(bd, yd);
}

/* The flat index, in an input of dims d, of the output position (n, h, w, c). */
static int32_t at(const cmsis_nn_dims *d, int32_t n, int32_t h, int32_t w, int32_t c)
{
    const int32_t nn = d->n == 1 ? 0 : n, hh = d->h == 1 ? 0 : h;
    const int32_t ww = d->w == 1 ? 0 : w, cc = d->c == 1 ? 0 : c;
    return ((nn * d->h + hh) * d->w + ww) * d->c + cc;
}

static int32_t sqdiff_code(int32_t a, int32_t b, const stai_sqdiff_params *p, int32_t lo, int32_t hi)
{
    const int32_t sa = (int32_t)((uint32_t)(a + p->input1_offset) << p->left_shift);
    const int32_t sb = (int32_t)((uint32_t)(b + p->input2_offset) << p->left_shift);
    const int32_t xa = stai_multiply_by_quantized_multiplier(sa, p->input1_multiplier, p->input1_shift);
    const int32_t xb = stai_multiply_by_quantized_multiplier(sb, p->input2_multiplier, p->input2_shift);
    const uint32_t diff = (uint32_t)xa - (uint32_t)xb;
    const int32_t square = (int32_t)(diff * diff);
    int32_t y = stai_multiply_by_quantized_multiplier(square, p->output_multiplier, p->output_shift);
    y += p->output_offset;
    return y < lo ? lo : (y > hi ? hi : y);
}

#define STAI_SQDIFF_LOOP(EXPR)                                                                    \
    for (int32_t n = 0; n < yd->n; n++)                                                           \
        for (int32_t h = 0; h < yd->h; h++)                                                       \
            for (int32_t w = 0; w < yd->w; w++)                                                   \
                for (int32_t c = 0; c < yd->c; c++)                                               \
                {                                                                                 \
                    const int32_t ia = at(ad, n, h, w, c), ib = at(bd, n, h, w, c);               \
                    output[((n * yd->h + h) * yd->w + w) * yd->c + c] = (EXPR);                   \
                }

arm_cmsis_nn_status stai_squared_difference_s8(const int8_t *input_1,
                                               const cmsis_nn_dims *ad,
                                               const int8_t *input_2,
                                               const cmsis_nn_dims *bd,
                                               int8_t *output,
                                               const cmsis_nn_dims *yd,
                                               const stai_sqdiff_params *params)
{
    if (params == NULL || bad_args(input_1, ad, input_2, bd, output, yd))
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    STAI_SQDIFF_LOOP((int8_t)sqdiff_code(input_1[ia], input_2[ib], params, INT8_MIN, INT8_MAX))
    return ARM_CMSIS_NN_SUCCESS;
}

arm_cmsis_nn_status stai_squared_difference_s16(const int16_t *input_1,
                                                const cmsis_nn_dims *ad,
                                                const int16_t *input_2,
                                                const cmsis_nn_dims *bd,
                                                int16_t *output,
                                                const cmsis_nn_dims *yd,
                                                const stai_sqdiff_params *params)
{
    if (params == NULL || bad_args(input_1, ad, input_2, bd, output, yd))
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    STAI_SQDIFF_LOOP((int16_t)sqdiff_code(input_1[ia], input_2[ib], params, INT16_MIN, INT16_MAX))
    return ARM_CMSIS_NN_SUCCESS;
}

static int32_t square_of_difference(int32_t a, int32_t b)
{
    const uint32_t diff = (uint32_t)a - (uint32_t)b;
    return (int32_t)(diff * diff);
}

arm_cmsis_nn_status stai_squared_difference_s32(const int32_t *input_1,
                                                const cmsis_nn_dims *ad,
                                                const int32_t *input_2,
                                                const cmsis_nn_dims *bd,
                                                int32_t *output,
                                                const cmsis_nn_dims *yd)
{
    if (bad_args(input_1, ad, input_2, bd, output, yd))
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    STAI_SQDIFF_LOOP(square_of_difference(input_1[ia], input_2[ib]))
    return ARM_CMSIS_NN_SUCCESS;
}
