/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_quantize_f32_s16 stai_dequantize_s16_f32 stai_requantize_s8_s16 stai_requantize_s16_s8 stai_requantize_s16 */
/* stai-requires: */
/*
 * QUANTIZE (float32 -> int16; int8 <-> int16 and int16 -> int16 requantization) and
 * DEQUANTIZE (int16 -> float32) with the arithmetic of the TFLite Micro reference kernels.
 */
#include "stai_kernels_s16.h"

#include "stai_fixedpoint.h"

arm_cmsis_nn_status stai_quantize_f32_s16(const float *input,
                                          int16_t *output,
                                          int32_t size,
                                          float scale,
                                          int32_t zero_point)
{
    if (size < 0 || !(scale > 0.0f) || zero_point < INT16_MIN || zero_point > INT16_MAX)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    for (int32_t i = 0; i < size; ++i)
    {
        /* a division, as the reference kernel does */
        output[i] = (int16_t)stai_round_to_range(input[i] / scale, zero_point, INT16_MIN, INT16_MAX);
    }
    return ARM_CMSIS_NN_SUCCESS;
}

arm_cmsis_nn_status stai_dequantize_s16_f32(const int16_t *input,
                                            float *output,
                                            int32_t size,
                                            float scale,
                                            int32_t zero_point)
{
    if (size < 0 || zero_point < INT16_MIN || zero_point > INT16_MAX)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    for (int32_t i = 0; i < size; ++i)
    {
        /* input - zero_point has at most 17 bits: exact in a float, and the exact product
         * with the float scale fits a double, so one float multiplication rounds as the
         * reference's double product converted to float. */
        output[i] = scale * (float)((int32_t)input[i] - zero_point);
    }
    return ARM_CMSIS_NN_SUCCESS;
}

/*
 * One requantization kernel per (input, output) element type: every value becomes
 * clamp(MultiplyByQuantizedMultiplier(x + input_offset, mult, shift) + output_offset) to
 * the output type's [LO, HI].
 */
#define STAI_REQUANTIZE_KERNEL(NAME, IN_T, OUT_T, LO, HI)                                                  \
    arm_cmsis_nn_status NAME(const IN_T *input,                                                            \
                             OUT_T *output,                                                                \
                             int32_t size,                                                                 \
                             int32_t input_offset,                                                         \
                             int32_t mult,                                                                 \
                             int32_t shift,                                                                \
                             int32_t output_offset)                                                        \
    {                                                                                                      \
        if (size < 0 || shift > 31 || shift < -31)                                                         \
        {                                                                                                  \
            return ARM_CMSIS_NN_ARG_ERROR;                                                                 \
        }                                                                                                  \
        for (int32_t i = 0; i < size; ++i)                                                                 \
        {                                                                                                  \
            const int32_t scaled = stai_multiply_by_quantized_multiplier(input[i] + input_offset, mult, shift); \
            output[i] = (OUT_T)stai_clamp_s32(stai_wrap_add(scaled, output_offset), LO, HI);              \
        }                                                                                                  \
        return ARM_CMSIS_NN_SUCCESS;                                                                       \
    }

STAI_REQUANTIZE_KERNEL(stai_requantize_s8_s16, int8_t, int16_t, INT16_MIN, INT16_MAX)
STAI_REQUANTIZE_KERNEL(stai_requantize_s16_s8, int16_t, int8_t, INT8_MIN, INT8_MAX)
STAI_REQUANTIZE_KERNEL(stai_requantize_s16, int16_t, int16_t, INT16_MIN, INT16_MAX)
