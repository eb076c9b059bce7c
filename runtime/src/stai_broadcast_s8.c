/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_broadcast_add_s8 stai_broadcast_sub_s8 stai_broadcast_mul_s8 */
/* stai-requires: */
/*
 * int8 ADD / SUB / MUL with 4-D NHWC broadcasting, with the integer arithmetic of the
 * TFLite Micro reference kernels (the same per-element arithmetic as the element-wise
 * versions). A dimension of an input broadcasts when it is 1 and the output's is not.
 */
#include "stai_kernels_s8.h"

#include <stddef.h>

#include "stai_fixedpoint.h"

/* Element strides of an input, 0 along the dimensions it broadcasts. */
typedef struct
{
    int32_t n;
    int32_t h;
    int32_t w;
    int32_t c;
} stai_strides;

/* 1 when dim (of an input) is compatible with out_dim (of the output). */
static int stai_dim_ok(int32_t dim, int32_t out_dim)
{
    return dim == out_dim || dim == 1;
}

/* Strides of an input against the output dims; 0 when the dims are incompatible. */
static int stai_broadcast_strides(const cmsis_nn_dims *in, const cmsis_nn_dims *out, stai_strides *s)
{
    if (in == NULL || out == NULL || in->n < 1 || in->h < 1 || in->w < 1 || in->c < 1 || out->n < 1 ||
        out->h < 1 || out->w < 1 || out->c < 1)
    {
        return 0;
    }
    if (!stai_dim_ok(in->n, out->n) || !stai_dim_ok(in->h, out->h) || !stai_dim_ok(in->w, out->w) ||
        !stai_dim_ok(in->c, out->c))
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
    STAI_BINARY_ADD,
    STAI_BINARY_SUB
} stai_add_sub_kind;

typedef struct
{
    int32_t input_1_offset;
    int32_t input_1_mult;
    int32_t input_1_shift;
    int32_t input_2_offset;
    int32_t input_2_mult;
    int32_t input_2_shift;
    int32_t left_shift;
    int32_t out_offset;
    int32_t out_mult;
    int32_t out_shift;
    int32_t act_min;
    int32_t act_max;
} stai_add_sub_params;

static int8_t stai_add_sub_one(int8_t x1, int8_t x2, const stai_add_sub_params *p, stai_add_sub_kind kind)
{
    const int32_t a = (x1 + p->input_1_offset) * ((int32_t)1 << p->left_shift);
    const int32_t b = (x2 + p->input_2_offset) * ((int32_t)1 << p->left_shift);
    const int32_t a_scaled = stai_multiply_by_quantized_multiplier(a, p->input_1_mult, p->input_1_shift);
    const int32_t b_scaled = stai_multiply_by_quantized_multiplier(b, p->input_2_mult, p->input_2_shift);
    const int32_t raw = kind == STAI_BINARY_ADD ? stai_wrap_add(a_scaled, b_scaled) : stai_wrap_sub(a_scaled, b_scaled);
    const int32_t out = stai_multiply_by_quantized_multiplier(raw, p->out_mult, p->out_shift);
    return (int8_t)stai_clamp_s32(stai_wrap_add(out, p->out_offset), p->act_min, p->act_max);
}

static arm_cmsis_nn_status stai_broadcast_add_sub(const int8_t *input_1,
                                                  const cmsis_nn_dims *input_1_dims,
                                                  const int8_t *input_2,
                                                  const cmsis_nn_dims *input_2_dims,
                                                  int8_t *output,
                                                  const cmsis_nn_dims *output_dims,
                                                  const stai_add_sub_params *p,
                                                  stai_add_sub_kind kind)
{
    stai_strides s1;
    stai_strides s2;
    if (!stai_broadcast_strides(input_1_dims, output_dims, &s1) ||
        !stai_broadcast_strides(input_2_dims, output_dims, &s2) || p->left_shift < 0 || p->left_shift > 22 ||
        p->input_1_shift > 0 || p->input_2_shift > 0 || p->out_shift > 0 || p->act_min > p->act_max)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    int8_t *out = output;
    for (int32_t n = 0; n < output_dims->n; ++n)
    {
        for (int32_t h = 0; h < output_dims->h; ++h)
        {
            for (int32_t w = 0; w < output_dims->w; ++w)
            {
                const int8_t *row_1 = input_1 + n * s1.n + h * s1.h + w * s1.w;
                const int8_t *row_2 = input_2 + n * s2.n + h * s2.h + w * s2.w;
                for (int32_t c = 0; c < output_dims->c; ++c)
                {
                    *out++ = stai_add_sub_one(row_1[c * s1.c], row_2[c * s2.c], p, kind);
                }
            }
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}

arm_cmsis_nn_status stai_broadcast_add_s8(const int8_t *input_1,
                                          const cmsis_nn_dims *input_1_dims,
                                          const int8_t *input_2,
                                          const cmsis_nn_dims *input_2_dims,
                                          int32_t input_1_offset,
                                          int32_t input_1_mult,
                                          int32_t input_1_shift,
                                          int32_t input_2_offset,
                                          int32_t input_2_mult,
                                          int32_t input_2_shift,
                                          int32_t left_shift,
                                          int8_t *output,
                                          const cmsis_nn_dims *output_dims,
                                          int32_t out_offset,
                                          int32_t out_mult,
                                          int32_t out_shift,
                                          int32_t out_activation_min,
                                          int32_t out_activation_max)
{
    const stai_add_sub_params p = {input_1_offset, input_1_mult, input_1_shift, input_2_offset,
                                   input_2_mult,   input_2_shift, left_shift,   out_offset,
                                   out_mult,       out_shift,     out_activation_min, out_activation_max};
    return stai_broadcast_add_sub(input_1, input_1_dims, input_2, input_2_dims, output, output_dims, &p,
                                  STAI_BINARY_ADD);
}

arm_cmsis_nn_status stai_broadcast_sub_s8(const int8_t *input_1,
                                          const cmsis_nn_dims *input_1_dims,
                                          const int8_t *input_2,
                                          const cmsis_nn_dims *input_2_dims,
                                          int32_t input_1_offset,
                                          int32_t input_1_mult,
                                          int32_t input_1_shift,
                                          int32_t input_2_offset,
                                          int32_t input_2_mult,
                                          int32_t input_2_shift,
                                          int32_t left_shift,
                                          int8_t *output,
                                          const cmsis_nn_dims *output_dims,
                                          int32_t out_offset,
                                          int32_t out_mult,
                                          int32_t out_shift,
                                          int32_t out_activation_min,
                                          int32_t out_activation_max)
{
    const stai_add_sub_params p = {input_1_offset, input_1_mult, input_1_shift, input_2_offset,
                                   input_2_mult,   input_2_shift, left_shift,   out_offset,
                                   out_mult,       out_shift,     out_activation_min, out_activation_max};
    return stai_broadcast_add_sub(input_1, input_1_dims, input_2, input_2_dims, output, output_dims, &p,
                                  STAI_BINARY_SUB);
}

arm_cmsis_nn_status stai_broadcast_mul_s8(const int8_t *input_1,
                                          const cmsis_nn_dims *input_1_dims,
                                          const int8_t *input_2,
                                          const cmsis_nn_dims *input_2_dims,
                                          int32_t input_1_offset,
                                          int32_t input_2_offset,
                                          int8_t *output,
                                          const cmsis_nn_dims *output_dims,
                                          int32_t out_offset,
                                          int32_t out_mult,
                                          int32_t out_shift,
                                          int32_t out_activation_min,
                                          int32_t out_activation_max)
{
    stai_strides s1;
    stai_strides s2;
    if (!stai_broadcast_strides(input_1_dims, output_dims, &s1) ||
        !stai_broadcast_strides(input_2_dims, output_dims, &s2) || out_shift > 31 || out_shift < -31 ||
        out_activation_min > out_activation_max)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    int8_t *out = output;
    for (int32_t n = 0; n < output_dims->n; ++n)
    {
        for (int32_t h = 0; h < output_dims->h; ++h)
        {
            for (int32_t w = 0; w < output_dims->w; ++w)
            {
                const int8_t *row_1 = input_1 + n * s1.n + h * s1.h + w * s1.w;
                const int8_t *row_2 = input_2 + n * s2.n + h * s2.h + w * s2.w;
                for (int32_t c = 0; c < output_dims->c; ++c)
                {
                    const int32_t product = (row_1[c * s1.c] + input_1_offset) * (row_2[c * s2.c] + input_2_offset);
                    const int32_t value =
                        stai_wrap_add(stai_multiply_by_quantized_multiplier(product, out_mult, out_shift), out_offset);
                    *out++ = (int8_t)stai_clamp_s32(value, out_activation_min, out_activation_max);
                }
            }
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}
