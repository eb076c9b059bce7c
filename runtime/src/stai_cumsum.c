/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_cumsum_f32 stai_cumsum_s8 */
/* stai-requires: */
/* Cumulative sums along one axis, float32 and int8, as TensorFlow Lite Micro. */
#include "stai_kernels_cumsum.h"

#include "stai_fixedpoint.h"

#include <stddef.h>

static int sizes_bad(const void *input, const void *output, int32_t before, int32_t depth, int32_t after)
{
    return input == NULL || output == NULL || before < 0 || depth < 0 || after < 0;
}

/* The flat index of (b, d, a) walked forwards or backwards along each of the three. */
static size_t index_of(size_t b, size_t d, size_t a, size_t before, size_t depth, size_t after, int32_t reverse)
{
    if (reverse)
    {
        b = before - 1 - b;
        d = depth - 1 - d;
        a = after - 1 - a;
    }
    return (b * depth + d) * after + a;
}

arm_cmsis_nn_status stai_cumsum_f32(const float *input,
                                    float *output,
                                    int32_t before,
                                    int32_t depth,
                                    int32_t after,
                                    int32_t exclusive,
                                    int32_t reverse)
{
    if (sizes_bad(input, output, before, depth, after))
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    const size_t nb = (size_t)before, nd = (size_t)depth, na = (size_t)after;
    for (size_t a = 0; a < na; ++a)
    {
        for (size_t b = 0; b < nb; ++b)
        {
            float sum = 0.0f;
            for (size_t d = 0; d < nd; ++d)
            {
                const size_t at = index_of(b, d, a, nb, nd, na, reverse);
                if (exclusive)
                {
                    output[at] = sum;
                    sum += input[at];
                }
                else
                {
                    sum += input[at];
                    output[at] = sum;
                }
            }
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}

arm_cmsis_nn_status stai_cumsum_s8(const int8_t *input,
                                   int8_t *output,
                                   int32_t before,
                                   int32_t depth,
                                   int32_t after,
                                   int32_t exclusive,
                                   int32_t reverse,
                                   int32_t left_shift,
                                   int32_t input_offset,
                                   int32_t input_multiplier,
                                   int32_t input_shift,
                                   int32_t output_offset,
                                   int32_t output_multiplier,
                                   int32_t output_shift)
{
    if (sizes_bad(input, output, before, depth, after) || left_shift < 0 || left_shift > 30)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    const size_t nb = (size_t)before, nd = (size_t)depth, na = (size_t)after;
    const int32_t start = stai_multiply_by_quantized_multiplier(
        (int32_t)((uint32_t)input_offset << (uint32_t)left_shift), input_multiplier, input_shift);
    for (size_t a = 0; a < na; ++a)
    {
        for (size_t b = 0; b < nb; ++b)
        {
            int32_t sum = start;
            for (size_t d = 0; d < nd; ++d)
            {
                const size_t at = index_of(b, d, a, nb, nd, na, reverse);
                const int32_t shifted = (int32_t)((uint32_t)(input_offset + input[at]) << (uint32_t)left_shift);
                const int32_t scaled = stai_multiply_by_quantized_multiplier(shifted, input_multiplier, input_shift);
                int32_t reported;
                if (exclusive)
                {
                    reported = sum;
                    sum = stai_wrap_add(sum, scaled);
                }
                else
                {
                    sum = stai_wrap_add(sum, scaled);
                    reported = sum;
                }
                const int32_t q =
                    stai_multiply_by_quantized_multiplier(reported, output_multiplier, output_shift) + output_offset;
                output[at] = (int8_t)stai_clamp_s32(q, -128, 127);
            }
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}
