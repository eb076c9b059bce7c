/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_broadcast_add_s16 stai_broadcast_sub_s16 stai_broadcast_mul_s16 */
/* stai-requires: */
/*
 * 16x8 ADD / SUB / MUL with 4-D NHWC broadcasting (int16 tensors, offsets 0), with the
 * per-element integer arithmetic of the TFLite Micro reference kernels (the same as the
 * same-shape versions). A dimension of an input broadcasts when it is 1 and the output's
 * is not.
 */
#include "stai_kernels_s16.h"

#include <stddef.h>

#include "stai_fixedpoint.h"

/* Element strides of one input against the output, 0 along the dims it broadcasts. */
typedef struct
{
    int32_t n, h, w, c;
} stai_strides_s16;

static int stai_strides_of(const cmsis_nn_dims *in, const cmsis_nn_dims *out, stai_strides_s16 *s)
{
    if (in == NULL || out == NULL || in->n < 1 || in->h < 1 || in->w < 1 || in->c < 1 || out->n < 1 ||
        out->h < 1 || out->w < 1 || out->c < 1)
    {
        return 0;
    }
    if ((in->n != out->n && in->n != 1) || (in->h != out->h && in->h != 1) || (in->w != out->w && in->w != 1) ||
        (in->c != out->c && in->c != 1))
    {
        return 0;
    }
    s->c = in->c == 1 ? 0 : 1;
    s->w = in->w == 1 ? 0 : in->c;
    s->h = in->h == 1 ? 0 : in->c * in->w;
    s->n = in->n == 1 ? 0 : in->c * in->w * in->h;
    return 1;
}

typedef enum
{
    STAI_S16_ADD,
    STAI_S16_SUB,
    STAI_S16_MUL
} stai_binary_s16_kind;

/* Every parameter of the three operations (MUL reads the offsets and the output's). */
typedef struct
{
    int32_t in1_offset, in1_mult, in1_shift;
    int32_t in2_offset, in2_mult, in2_shift;
    int32_t left_shift;
    int32_t out_offset, out_mult, out_shift, act_min, act_max;
    stai_binary_s16_kind kind;
} stai_binary_s16_params;

static int16_t stai_binary_s16_one(int16_t x1, int16_t x2, const stai_binary_s16_params *p)
{
    int32_t raw;
    if (p->kind == STAI_S16_MUL)
    {
        /* |x| <= 2^15, so the product fits an int32 */
        raw = stai_multiply_by_quantized_multiplier((x1 + p->in1_offset) * (x2 + p->in2_offset), p->out_mult,
                                                    p->out_shift);
    }
    else
    {
        const int32_t a = (x1 + p->in1_offset) * ((int32_t)1 << p->left_shift);
        const int32_t b = (x2 + p->in2_offset) * ((int32_t)1 << p->left_shift);
        const int32_t a_scaled = stai_multiply_by_quantized_multiplier(a, p->in1_mult, p->in1_shift);
        const int32_t b_scaled = stai_multiply_by_quantized_multiplier(b, p->in2_mult, p->in2_shift);
        const int32_t sum = p->kind == STAI_S16_ADD ? stai_wrap_add(a_scaled, b_scaled) : stai_wrap_sub(a_scaled, b_scaled);
        raw = stai_multiply_by_quantized_multiplier(sum, p->out_mult, p->out_shift);
    }
    return (int16_t)stai_clamp_s32(stai_wrap_add(raw, p->out_offset), p->act_min, p->act_max);
}

static arm_cmsis_nn_status stai_broadcast_s16(const int16_t *input_1,
                                              const cmsis_nn_dims *input_1_dims,
                                              const int16_t *input_2,
                                              const cmsis_nn_dims *input_2_dims,
                                              int16_t *output,
                                              const cmsis_nn_dims *output_dims,
                                              const stai_binary_s16_params *p)
{
    stai_strides_s16 s1;
    stai_strides_s16 s2;
    if (!stai_strides_of(input_1_dims, output_dims, &s1) || !stai_strides_of(input_2_dims, output_dims, &s2) ||
        p->left_shift < 0 || p->left_shift > 15 || p->out_shift > 31 || p->out_shift < -31 ||
        p->in1_shift > 31 || p->in2_shift > 31 || p->act_min > p->act_max)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    int16_t *out = output;
    for (int32_t n = 0; n < output_dims->n; ++n)
    {
        for (int32_t h = 0; h < output_dims->h; ++h)
        {
            for (int32_t w = 0; w < output_dims->w; ++w)
            {
                const int16_t *row_1 = input_1 + n * s1.n + h * s1.h + w * s1.w;
                const int16_t *row_2 = input_2 + n * s2.n + h * s2.h + w * s2.w;
                for (int32_t c = 0; c < output_dims->c; ++c)
                {
                    *out++ = stai_binary_s16_one(row_1[c * s1.c], row_2[c * s2.c], p);
                }
            }
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}

arm_cmsis_nn_status stai_broadcast_add_s16(const int16_t *input_1,
                                           const cmsis_nn_dims *input_1_dims,
                                           const int16_t *input_2,
                                           const cmsis_nn_dims *input_2_dims,
                                           int32_t input_1_offset,
                                           int32_t input_1_mult,
                                           int32_t input_1_shift,
                                           int32_t input_2_offset,
                                           int32_t input_2_mult,
                                           int32_t input_2_shift,
                                           int32_t left_shift,
                                           int16_t *output,
                                           const cmsis_nn_dims *output_dims,
                                           int32_t out_offset,
                                           int32_t out_mult,
                                           int32_t out_shift,
                                           int32_t out_activation_min,
                                           int32_t out_activation_max)
{
    const stai_binary_s16_params p = {input_1_offset, input_1_mult, input_1_shift, input_2_offset,
                                      input_2_mult,   input_2_shift, left_shift,   out_offset,
                                      out_mult,       out_shift,     out_activation_min, out_activation_max,
                                      STAI_S16_ADD};
    return stai_broadcast_s16(input_1, input_1_dims, input_2, input_2_dims, output, output_dims, &p);
}

arm_cmsis_nn_status stai_broadcast_sub_s16(const int16_t *input_1,
                                           const cmsis_nn_dims *input_1_dims,
                                           const int16_t *input_2,
                                           const cmsis_nn_dims *input_2_dims,
                                           int32_t input_1_offset,
                                           int32_t input_1_mult,
                                           int32_t input_1_shift,
                                           int32_t input_2_offset,
                                           int32_t input_2_mult,
                                           int32_t input_2_shift,
                                           int32_t left_shift,
                                           int16_t *output,
                                           const cmsis_nn_dims *output_dims,
                                           int32_t out_offset,
                                           int32_t out_mult,
                                           int32_t out_shift,
                                           int32_t out_activation_min,
                                           int32_t out_activation_max)
{
    const stai_binary_s16_params p = {input_1_offset, input_1_mult, input_1_shift, input_2_offset,
                                      input_2_mult,   input_2_shift, left_shift,   out_offset,
                                      out_mult,       out_shift,     out_activation_min, out_activation_max,
                                      STAI_S16_SUB};
    return stai_broadcast_s16(input_1, input_1_dims, input_2, input_2_dims, output, output_dims, &p);
}

arm_cmsis_nn_status stai_broadcast_mul_s16(const int16_t *input_1,
                                           const cmsis_nn_dims *input_1_dims,
                                           const int16_t *input_2,
                                           const cmsis_nn_dims *input_2_dims,
                                           int32_t input_1_offset,
                                           int32_t input_2_offset,
                                           int16_t *output,
                                           const cmsis_nn_dims *output_dims,
                                           int32_t out_offset,
                                           int32_t out_mult,
                                           int32_t out_shift,
                                           int32_t out_activation_min,
                                           int32_t out_activation_max)
{
    const stai_binary_s16_params p = {input_1_offset, 0, 0, input_2_offset, 0, 0, 0, out_offset,
                                      out_mult,       out_shift, out_activation_min, out_activation_max,
                                      STAI_S16_MUL};
    return stai_broadcast_s16(input_1, input_1_dims, input_2, input_2_dims, output, output_dims, &p);
}
