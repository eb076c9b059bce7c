/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_leaky_relu_s8 */
/* stai-requires: */
/*
 * int8 LEAKY_RELU with the arithmetic of the TFLite Micro reference kernel: the
 * zero-point-corrected input is rescaled by the identity multiplier when >= 0 and by the
 * alpha multiplier when < 0, then offset and clamped.
 */
#include "stai_kernels_s8.h"

#include "stai_fixedpoint.h"

arm_cmsis_nn_status stai_leaky_relu_s8(const int8_t *input,
                                       int8_t *output,
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
    const int alpha_negative = alpha_mult < 0;
    const int32_t alpha_abs = alpha_negative ? -alpha_mult : alpha_mult;
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
            y = alpha_negative ? stai_wrap_neg(y) : y;
        }
        output[i] = (int8_t)stai_clamp_s32(stai_wrap_add(y, output_offset), -128, 127);
    }
    return ARM_CMSIS_NN_SUCCESS;
}
