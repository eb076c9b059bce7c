/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_quantize_f32_s16 stai_dequantize_s16_f32 stai_requantize_s8_s16 stai_requantize_s16_s8 stai_requantize_s16 */
/* stai-requires: */
/*
 * QUANTIZE (float32 -> int16; int8 <-> int16 and int16 -> int16 requantization) and
 * DEQUANTIZE (int16 -> float32) with the arithmetic of the TFLite Micro reference
 * kernels. The bodies, shared with the int8 versions, are in stai_codes.h.
 */
#include "stai_kernels_s16.h"

#include "stai_codes.h"

arm_cmsis_nn_status stai_quantize_f32_s16(const float *input,
                                          int16_t *output,
                                          int32_t size,
                                          float scale,
                                          int32_t zero_point)
{
    return stai_codes_quantize_f32(input, output, size, scale, zero_point, 2);
}

arm_cmsis_nn_status stai_dequantize_s16_f32(const int16_t *input,
                                            float *output,
                                            int32_t size,
                                            float scale,
                                            int32_t zero_point)
{
    if (zero_point < INT16_MIN || zero_point > INT16_MAX)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    return stai_codes_dequantize_f32(input, output, size, scale, zero_point, 2);
}

arm_cmsis_nn_status stai_requantize_s8_s16(const int8_t *input,
                                           int16_t *output,
                                           int32_t size,
                                           int32_t input_offset,
                                           int32_t mult,
                                           int32_t shift,
                                           int32_t output_offset)
{
    return stai_codes_requantize(input, 1, output, 2, size, input_offset, mult, shift, output_offset);
}

arm_cmsis_nn_status stai_requantize_s16_s8(const int16_t *input,
                                           int8_t *output,
                                           int32_t size,
                                           int32_t input_offset,
                                           int32_t mult,
                                           int32_t shift,
                                           int32_t output_offset)
{
    return stai_codes_requantize(input, 2, output, 1, size, input_offset, mult, shift, output_offset);
}

arm_cmsis_nn_status stai_requantize_s16(const int16_t *input,
                                        int16_t *output,
                                        int32_t size,
                                        int32_t input_offset,
                                        int32_t mult,
                                        int32_t shift,
                                        int32_t output_offset)
{
    return stai_codes_requantize(input, 2, output, 2, size, input_offset, mult, shift, output_offset);
}
