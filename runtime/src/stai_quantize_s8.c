/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_quantize_f32_s8 stai_dequantize_s8_f32 stai_requantize_s8 */
/* stai-requires: */
/*
 * QUANTIZE (float32 -> int8, int8 -> int8) and DEQUANTIZE (int8 -> float32) with the
 * arithmetic of the TFLite Micro reference kernels.
 */
#include "stai_kernels_s8.h"

#include "stai_fixedpoint.h"

arm_cmsis_nn_status stai_quantize_f32_s8(const float *input,
                                         int8_t *output,
                                         int32_t size,
                                         float scale,
                                         int32_t zero_point)
{
    if (size < 0 || !(scale > 0.0f) || zero_point < -128 || zero_point > 127)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    for (int32_t i = 0; i < size; ++i)
    {
        /* a division, not a multiplication by 1 / scale, as the reference kernel does */
        output[i] = (int8_t)stai_round_to_range(input[i] / scale, zero_point, -128, 127);
    }
    return ARM_CMSIS_NN_SUCCESS;
}

arm_cmsis_nn_status stai_dequantize_s8_f32(const int8_t *input,
                                           float *output,
                                           int32_t size,
                                           float scale,
                                           int32_t zero_point)
{
    if (size < 0)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    for (int32_t i = 0; i < size; ++i)
    {
        /* The exact product of a float and an integer of at most 9 bits fits a double:
         * one float multiplication rounds it exactly as the reference's double product
         * converted to float. */
        output[i] = scale * (float)(input[i] - zero_point);
    }
    return ARM_CMSIS_NN_SUCCESS;
}

arm_cmsis_nn_status stai_requantize_s8(const int8_t *input,
                                       int8_t *output,
                                       int32_t size,
                                       int32_t input_offset,
                                       int32_t mult,
                                       int32_t shift,
                                       int32_t output_offset)
{
    if (size < 0 || shift > 31 || shift < -31)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    for (int32_t i = 0; i < size; ++i)
    {
        const int32_t value = stai_multiply_by_quantized_multiplier(input[i] + input_offset, mult, shift);
        output[i] = (int8_t)stai_clamp_s32(stai_wrap_add(value, output_offset), -128, 127);
    }
    return ARM_CMSIS_NN_SUCCESS;
}
