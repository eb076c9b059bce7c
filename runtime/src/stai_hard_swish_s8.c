/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_hard_swish_s8 */
/* stai-requires: */
/*
 * int8 HARD_SWISH (x * relu6(x + 3) / 6) with the 16-bit fixed-point arithmetic of the
 * TFLite Micro reference kernel: the input on a 2^7 finer scale, a "relu-ish" factor in
 * [0, 1] from a saturating rescale of x from [-3, 3] to [-1, 1], and a truncating doubling
 * high multiply of the two.
 */
#include "stai_kernels_s8.h"

#include "stai_fixedpoint.h"

/* round(a * b / 2^15), ties away from zero, saturating (16-bit doubling high multiply). */
static int16_t stai_srdhm_s16(int16_t a, int16_t b)
{
    if (a == INT16_MIN && b == INT16_MIN)
    {
        return INT16_MAX;
    }
    const int32_t ab = (int32_t)a * (int32_t)b;
    const int32_t nudge = ab >= 0 ? (1 << 14) : (1 - (1 << 14));
    return (int16_t)((ab + nudge) / (1 << 15));
}

/* a * b / 2^15 truncated toward zero, saturating. */
static int16_t stai_sdhm_s16(int16_t a, int16_t b)
{
    if (a == INT16_MIN && b == INT16_MIN)
    {
        return INT16_MAX;
    }
    return (int16_t)(((int32_t)a * (int32_t)b) / (1 << 15));
}

/* x * 2^amount saturated to int16; 0 <= amount <= 31. */
static int16_t stai_sat_shift_left_s16(int16_t x, int32_t amount)
{
    const int64_t wide = (int64_t)x * ((int64_t)1 << amount);
    return (int16_t)(wide > INT16_MAX ? INT16_MAX : (wide < INT16_MIN ? INT16_MIN : wide));
}

arm_cmsis_nn_status stai_hard_swish_s8(const int8_t *input,
                                       int8_t *output,
                                       int32_t size,
                                       int32_t input_zero_point,
                                       int32_t output_zero_point,
                                       int32_t output_multiplier,
                                       int32_t output_multiplier_exponent,
                                       int32_t reluish_multiplier,
                                       int32_t reluish_multiplier_exponent)
{
    if (size < 0 || output_multiplier < 0 || output_multiplier > INT16_MAX || reluish_multiplier < 0 ||
        reluish_multiplier > INT16_MAX || output_multiplier_exponent > 0 || output_multiplier_exponent < -15 ||
        reluish_multiplier_exponent > 31 || reluish_multiplier_exponent < -15)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    const int16_t out_mult = (int16_t)output_multiplier;
    const int16_t reluish_mult = (int16_t)reluish_multiplier;
    for (int32_t i = 0; i < size; ++i)
    {
        const int16_t x = (int16_t)(input[i] - input_zero_point);
        const int16_t x_hires = (int16_t)(x * (1 << 7));
        const int16_t x_preshift_out = stai_srdhm_s16(x_hires, out_mult);
        int16_t reluish = x_hires;
        if (reluish_multiplier_exponent > 0)
        {
            reluish = stai_sat_shift_left_s16(reluish, reluish_multiplier_exponent - 1);
        }
        reluish = stai_srdhm_s16(reluish, reluish_mult);
        if (reluish_multiplier_exponent > 0)
        {
            reluish = stai_sat_shift_left_s16(reluish, 1);
        }
        if (reluish_multiplier_exponent < 0)
        {
            reluish = (int16_t)stai_rounding_divide_by_pot(reluish, -reluish_multiplier_exponent);
        }
        reluish = (int16_t)((reluish + (1 << 15)) >> 1); /* [-1, 1] -> [0, 1] */
        const int16_t preshift = stai_sdhm_s16(reluish, x_preshift_out);
        const int32_t y = stai_rounding_divide_by_pot(preshift, -output_multiplier_exponent);
        /* the reference adds the zero point in 16 bits (wrapping), then clamps */
        const int16_t sum = (int16_t)(uint16_t)(uint32_t)(y + output_zero_point);
        output[i] = (int8_t)stai_clamp_s32(sum, -128, 127);
    }
    return ARM_CMSIS_NN_SUCCESS;
}
