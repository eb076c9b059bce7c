/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_quantize_f32_s8 stai_dequantize_s8_f32 stai_requantize_s8 */
/* stai-requires: */
/*
 * QUANTIZE (float32 -> int8, int8 -> int8) and DEQUANTIZE (int8 -> float32) with the
 * arithmetic of the TFLite Micro reference kernels. The bodies, shared with the int16
 * versions, are in stai_codes.h.
 */
#include "stai_kernels_s8.h"

#include "stai_codes.h"

arm_cmsis_nn_status stai_quantize_f32_s8(const float *input,
                                         int8_t *output,
                                         int32_t size,
                                         float scale,
                                         int32_t zero_point)
{
    return stai_codes_quantize_f32(input, output, size, scale, zero_point, 1);
}

arm_cmsis_nn_status stai_dequantize_s8_f32(const int8_t *input,
                                           float *output,
                                           int32_t size,
                                           float scale,
                                           int32_t zero_point)
{
    return stai_codes_dequantize_f32(input, output, size, scale, zero_point, 1);
}

arm_cmsis_nn_status stai_requantize_s8(const int8_t *input,
                                       int8_t *output,
                                       int32_t size,
                                       int32_t input_offset,
                                       int32_t mult,
                                       int32_t shift,
                                       int32_t output_offset)
{
    return stai_codes_requantize(input, 1, output, 1, size, input_offset, mult, shift, output_offset);
}
