/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_add_f32 stai_sub_f32 stai_mul_f32 stai_div_f32 stai_maximum_f32 stai_minimum_f32 */
/* stai-requires: */
/*
 * Float32 element-wise binary operations on 4-D NHWC tensors with broadcasting: an input
 * dimension of 1 is repeated along the output's dimension. Arithmetic results are
 * clamped to the fused activation range (maximum and minimum are not clamped).
 */
#include "stai_kernels_f32.h"

#include <math.h>
#include <stddef.h>

typedef enum
{
    OP_ADD,
    OP_SUB,
    OP_MUL,
    OP_DIV,
    OP_MAX,
    OP_MIN
} binary_op;

/* Element strides of one input seen through the output shape (0 along broadcast axes). */
typedef struct
{
    size_t n, h, w, c;
} strides4;

/* Fills *s for an input of shape d broadcast to shape out; 0 if the shapes do not fit. */
static int broadcast_strides(const cmsis_nn_dims *d, const cmsis_nn_dims *out, strides4 *s)
{
    if ((d->n != out->n && d->n != 1) || (d->h != out->h && d->h != 1) || (d->w != out->w && d->w != 1) ||
        (d->c != out->c && d->c != 1) || d->n < 1 || d->h < 1 || d->w < 1 || d->c < 1)
    {
        return 0;
    }
    const size_t sc = 1;
    const size_t sw = sc * (size_t)d->c;
    const size_t sh = sw * (size_t)d->w;
    const size_t sn = sh * (size_t)d->h;
    s->c = d->c == 1 ? 0 : sc;
    s->w = d->w == 1 ? 0 : sw;
    s->h = d->h == 1 ? 0 : sh;
    s->n = d->n == 1 ? 0 : sn;
    return 1;
}

static float apply(binary_op op, float a, float b)
{
    switch (op)
    {
    case OP_ADD:
        return a + b;
    case OP_SUB:
        return a - b;
    case OP_MUL:
        return a * b;
    case OP_DIV:
        return a / b;
    case OP_MAX:
        return a > b ? a : b;
    case OP_MIN:
    default:
        return a < b ? a : b;
    }
}

static arm_cmsis_nn_status broadcast_binary(binary_op op,
                                            const cmsis_nn_dims *in1_dims,
                                            const float *in1,
                                            const cmsis_nn_dims *in2_dims,
                                            const float *in2,
                                            const cmsis_nn_dims *out_dims,
                                            float *out,
                                            float act_min,
                                            float act_max)
{
    strides4 s1;
    strides4 s2;
    if (in1_dims == NULL || in1 == NULL || in2_dims == NULL || in2 == NULL || out_dims == NULL || out == NULL ||
        !broadcast_strides(in1_dims, out_dims, &s1) || !broadcast_strides(in2_dims, out_dims, &s2))
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    size_t k = 0;
    for (int32_t n = 0; n < out_dims->n; n++)
    {
        for (int32_t y = 0; y < out_dims->h; y++)
        {
            for (int32_t x = 0; x < out_dims->w; x++)
            {
                const float *a = in1 + (size_t)n * s1.n + (size_t)y * s1.h + (size_t)x * s1.w;
                const float *b = in2 + (size_t)n * s2.n + (size_t)y * s2.h + (size_t)x * s2.w;
                for (int32_t c = 0; c < out_dims->c; c++)
                {
                    float value = apply(op, a[(size_t)c * s1.c], b[(size_t)c * s2.c]);
                    if (value < act_min)
                    {
                        value = act_min;
                    }
                    if (value > act_max)
                    {
                        value = act_max;
                    }
                    out[k++] = value;
                }
            }
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}

arm_cmsis_nn_status stai_add_f32(const cmsis_nn_dims *in1_dims,
                                 const float *in1,
                                 const cmsis_nn_dims *in2_dims,
                                 const float *in2,
                                 const cmsis_nn_dims *out_dims,
                                 float *out,
                                 float act_min,
                                 float act_max)
{
    return broadcast_binary(OP_ADD, in1_dims, in1, in2_dims, in2, out_dims, out, act_min, act_max);
}

arm_cmsis_nn_status stai_sub_f32(const cmsis_nn_dims *in1_dims,
                                 const float *in1,
                                 const cmsis_nn_dims *in2_dims,
                                 const float *in2,
                                 const cmsis_nn_dims *out_dims,
                                 float *out,
                                 float act_min,
                                 float act_max)
{
    return broadcast_binary(OP_SUB, in1_dims, in1, in2_dims, in2, out_dims, out, act_min, act_max);
}

arm_cmsis_nn_status stai_mul_f32(const cmsis_nn_dims *in1_dims,
                                 const float *in1,
                                 const cmsis_nn_dims *in2_dims,
                                 const float *in2,
                                 const cmsis_nn_dims *out_dims,
                                 float *out,
                                 float act_min,
                                 float act_max)
{
    return broadcast_binary(OP_MUL, in1_dims, in1, in2_dims, in2, out_dims, out, act_min, act_max);
}

arm_cmsis_nn_status stai_div_f32(const cmsis_nn_dims *in1_dims,
                                 const float *in1,
                                 const cmsis_nn_dims *in2_dims,
                                 const float *in2,
                                 const cmsis_nn_dims *out_dims,
                                 float *out,
                                 float act_min,
                                 float act_max)
{
    return broadcast_binary(OP_DIV, in1_dims, in1, in2_dims, in2, out_dims, out, act_min, act_max);
}

arm_cmsis_nn_status stai_maximum_f32(const cmsis_nn_dims *in1_dims,
                                     const float *in1,
                                     const cmsis_nn_dims *in2_dims,
                                     const float *in2,
                                     const cmsis_nn_dims *out_dims,
                                     float *out)
{
    return broadcast_binary(OP_MAX, in1_dims, in1, in2_dims, in2, out_dims, out, -INFINITY, INFINITY);
}

arm_cmsis_nn_status stai_minimum_f32(const cmsis_nn_dims *in1_dims,
                                     const float *in1,
                                     const cmsis_nn_dims *in2_dims,
                                     const float *in2,
                                     const cmsis_nn_dims *out_dims,
                                     float *out)
{
    return broadcast_binary(OP_MIN, in1_dims, in1, in2_dims, in2, out_dims, out, -INFINITY, INFINITY);
}
