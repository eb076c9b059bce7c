/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_relu_s16 stai_leaky_relu_s16 */
/* stai-requires: */
/*
 * 16x8 RELU-family and LEAKY_RELU activations, with the arithmetic of the TFLite Micro
 * reference kernels (the same as their int8 versions, on int16 codes).
 */
#include "stai_kernels_s16.h"

#include "stai_fixedpoint.h"

arm_cmsis_nn_status stai_relu_s16(const int16_t *input,
                                  int16_t *output,
                                  int32_t size,
                                  int32_t input_offset,
                                  int32_t mult,
                                  int32_t shift,
                                  int32_t output_offset,
                                  int32_t act_min,
                                  int32_t act_max)
{
    if (size < 0 || shift > 31 || shift < -31 || act_min > act_max || act_min < INT16_MIN || act_max > INT16_MAX)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    for (int32_t i = 0; i < size; ++i)
    {
        const int32_t value = stai_multiply_by_quantized_multiplier(input[i] + input_offset, mult, shift);
        output[i] = (int16_t)stai_clamp_s32(stai_wrap_add(value, output_offset), act_min, act_max);
    }
    return ARM_CMSIS_NN_SUCCESS;
}

arm_cmsis_nn_status stai_leaky_relu_s16(const int16_t *input,
                                        int16_t *output,
                                        int32_t size,
                                        int32_t input_offset,
                                        int32_t output_offset,
                                        int32_t identity_mult,
                                        int32_t identity_shift,
                                        int32_t alpha_mult,
                                        int32_t alpha_shift)
{
    if (size < 0 || identity_shift > 31 || identity_shift < -31 || alpha_shift > 31 || alpha_shift < -31 ||
        identity_mult < 0 || alpha_mult == INT32_MIN)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    /* a negative alpha: the magnitude is multiplied, the product negated */
    const int32_t alpha_abs = alpha_mult < 0 ? -alpha_mult : alpha_mult;
    for (int32_t i = 0; i < size; ++i)
    {
        const int32_t x = input[i] + input_offset;
        int32_t y;
        if (x >= 0)
        {
            y = stai_multiply_by_quantized_multiplier(x, identity_mult, identity_shift);
        }
        else
        {
            y = stai_multiply_by_quantized_multiplier(x, alpha_abs, alpha_shift);
            y = alpha_mult < 0 ? stai_wrap_neg(y) : y;
        }
        output[i] = (int16_t)stai_clamp_s32(stai_wrap_add(y, output_offset), INT16_MIN, INT16_MAX);
    }
    return ARM_CMSIS_NN_SUCCESS;
}
