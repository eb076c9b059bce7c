/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: arm_softmax_s16 */
/* stai-requires: */
/*
 * Portable s16 softmax of the CMSIS-NN API (16x8 models), bit-exact with the TFLite Micro
 * reference: each row's differences to its maximum are requantized so that [-65535, 0]
 * codes span [-10, 0], exponentiated through the interpolated exp table, summed; the sum's
 * reciprocal comes from the interpolated 1/(1+x) table, and each exponential is scaled by
 * it to Q0.15 (output scale 1/32768, zero point 0).
 */
#include "arm_nnfunctions.h"
#include "arm_nnsupportfunctions.h"

/* Linear interpolation in a 513-entry table indexed by the top 9 bits of an int16. */
static int16_t stai_lut_s16(int16_t value, const int16_t *lut)
{
    const int32_t index = 256 + (value >> 7);
    const int32_t offset = value & 0x7F;
    const int16_t base = lut[index];
    const int16_t slope = (int16_t)(lut[index + 1] - lut[index]);
    return (int16_t)(base + ((slope * offset + 64) >> 7));
}

/* Leading zero bits of a positive int32. */
static int32_t stai_clz_u32(uint32_t x)
{
    int32_t n = 0;
    while (n < 32 && !(x & 0x80000000u))
    {
        x <<= 1;
        n++;
    }
    return n;
}

arm_cmsis_nn_status arm_softmax_s16(const int16_t *input,
                                    const int32_t num_rows,
                                    const int32_t row_size,
                                    const int32_t mult,
                                    const int32_t shift,
                                    const cmsis_nn_softmax_lut_s16 *softmax_params,
                                    int16_t *output)
{
    if (softmax_params == NULL || softmax_params->exp_lut == NULL || softmax_params->one_by_one_lut == NULL ||
        num_rows < 0 || row_size < 1)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    for (int32_t r = 0; r < num_rows; r++)
    {
        const int16_t *in = input + (size_t)r * (size_t)row_size;
        int16_t *out = output + (size_t)r * (size_t)row_size;
        int16_t max = in[0];
        for (int32_t c = 1; c < row_size; c++)
        {
            max = MAX(max, in[c]);
        }
        /* The exponentials go to the output first; their sum is Q16.15. */
        int32_t sum = 0;
        for (int32_t c = 0; c < row_size; c++)
        {
            const int32_t scaled = arm_nn_requantize((int32_t)in[c] - max, mult, shift);
            const int32_t centred = MIN(MAX(scaled + NN_Q15_MAX, NN_Q15_MIN), NN_Q15_MAX);
            out[c] = stai_lut_s16((int16_t)centred, softmax_params->exp_lut);
            sum += out[c];
        }
        const int32_t headroom_plus_one = stai_clz_u32((uint32_t)sum);
        const int32_t shifted = (int32_t)((((int64_t)sum << (headroom_plus_one - 1)) + (1 << 13)) >> 14);
        /* 1/(1 + x) of x = sum - 1, recentred from [0, 65535] to the int16 range */
        const int32_t centred = MIN(MAX(shifted - ((1 << 15) + (1 << 16)), NN_Q15_MIN), NN_Q15_MAX);
        const int16_t reciprocal = stai_lut_s16((int16_t)centred, softmax_params->one_by_one_lut);
        const int32_t right_shift = 31 - headroom_plus_one;
        const int64_t round = (int64_t)1 << (right_shift - 1);
        for (int32_t c = 0; c < row_size; c++)
        {
            const int32_t result = (int32_t)(((int64_t)out[c] * reciprocal + round) >> right_shift);
            out[c] = (int16_t)MIN(MAX(result, 0), NN_Q15_MAX);
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}
