/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_reduce_max_f32 stai_reduce_min_f32 stai_reduce_sum_f32 stai_reduce_max_s8 stai_reduce_min_s8 stai_reduce_sum_s8 */
/* stai-requires: */
/*
 * Reductions (REDUCE_MAX, REDUCE_MIN, SUM) over any axes of a tensor of rank <= 4. Each
 * output element walks its reduced elements in the input's order, so float sums add as
 * TFLite's reference kernel does; the int8 sum is TFLite Micro's: an int32 sum, one
 * requantization.
 */
#include "stai_kernels_indexing.h"

#include <stddef.h>

#include "stai_fixedpoint.h"

/* The sizes of the outer (kept) and inner (reduced) loops of each of the 4 axes. */
static int stai_reduce_loops(const cmsis_nn_dims *dims, int32_t mask, int32_t size[4], int32_t kept[4], int32_t reduced[4])
{
    size[0] = dims->n;
    size[1] = dims->h;
    size[2] = dims->w;
    size[3] = dims->c;
    for (int d = 0; d < 4; ++d)
    {
        if (size[d] <= 0)
        {
            return 0;
        }
        const int r = (mask >> d) & 1;
        kept[d] = r ? 1 : size[d];
        reduced[d] = r ? size[d] : 1;
    }
    return (mask & ~15) == 0;
}

#define STAI_REDUCE_LOOPS(BODY_INIT, BODY_STEP, BODY_STORE)                                       \
    int32_t size[4], kept[4], reduced[4];                                                         \
    if (!stai_reduce_loops(input_dims, mask, size, kept, reduced))                                \
    {                                                                                             \
        return ARM_CMSIS_NN_ARG_ERROR;                                                            \
    }                                                                                             \
    size_t out_index = 0;                                                                         \
    for (int32_t o0 = 0; o0 < kept[0]; ++o0)                                                      \
        for (int32_t o1 = 0; o1 < kept[1]; ++o1)                                                  \
            for (int32_t o2 = 0; o2 < kept[2]; ++o2)                                              \
                for (int32_t o3 = 0; o3 < kept[3]; ++o3)                                          \
                {                                                                                 \
                    BODY_INIT;                                                                    \
                    for (int32_t r0 = 0; r0 < reduced[0]; ++r0)                                   \
                        for (int32_t r1 = 0; r1 < reduced[1]; ++r1)                               \
                            for (int32_t r2 = 0; r2 < reduced[2]; ++r2)                           \
                                for (int32_t r3 = 0; r3 < reduced[3]; ++r3)                       \
                                {                                                                 \
                                    const size_t i =                                              \
                                        (((size_t)(o0 + r0) * (size_t)size[1] + (size_t)(o1 + r1)) * \
                                             (size_t)size[2] +                                    \
                                         (size_t)(o2 + r2)) *                                     \
                                            (size_t)size[3] +                                     \
                                        (size_t)(o3 + r3);                                        \
                                    BODY_STEP;                                                    \
                                }                                                                 \
                    BODY_STORE;                                                                   \
                    ++out_index;                                                                  \
                }                                                                                 \
    return ARM_CMSIS_NN_SUCCESS;

arm_cmsis_nn_status stai_reduce_max_f32(const float *input, const cmsis_nn_dims *input_dims, int32_t mask, float *output)
{
    STAI_REDUCE_LOOPS(float acc = -3.402823466e+38f, acc = input[i] > acc ? input[i] : acc, output[out_index] = acc)
}

arm_cmsis_nn_status stai_reduce_min_f32(const float *input, const cmsis_nn_dims *input_dims, int32_t mask, float *output)
{
    STAI_REDUCE_LOOPS(float acc = 3.402823466e+38f, acc = input[i] < acc ? input[i] : acc, output[out_index] = acc)
}

arm_cmsis_nn_status stai_reduce_sum_f32(const float *input, const cmsis_nn_dims *input_dims, int32_t mask, float *output)
{
    STAI_REDUCE_LOOPS(float acc = 0.0f, acc = input[i] + acc, output[out_index] = acc)
}

arm_cmsis_nn_status stai_reduce_max_s8(const int8_t *input, const cmsis_nn_dims *input_dims, int32_t mask, int8_t *output)
{
    STAI_REDUCE_LOOPS(int8_t acc = -128, acc = input[i] > acc ? input[i] : acc, output[out_index] = acc)
}

arm_cmsis_nn_status stai_reduce_min_s8(const int8_t *input, const cmsis_nn_dims *input_dims, int32_t mask, int8_t *output)
{
    STAI_REDUCE_LOOPS(int8_t acc = 127, acc = input[i] < acc ? input[i] : acc, output[out_index] = acc)
}

arm_cmsis_nn_status stai_reduce_sum_s8(const int8_t *input,
                                       const cmsis_nn_dims *input_dims,
                                       int32_t mask,
                                       int8_t *output,
                                       int32_t input_offset,
                                       int32_t multiplier,
                                       int32_t shift,
                                       int32_t output_offset)
{
    STAI_REDUCE_LOOPS(int32_t acc = 0,
                      acc += (int32_t)input[i] + input_offset,
                      output[out_index] = (int8_t)stai_clamp_s32(
                          stai_wrap_add(stai_multiply_by_quantized_multiplier(acc, multiplier, shift), output_offset),
                          -128,
                          127))
}
