/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_requantize_s8_s32 stai_requantize_s16_s32 stai_requantize_s32_s8 stai_requantize_s32_s16 */
/* stai-requires: */
/*
 * QUANTIZE to and from int32 (int8 -> int32, int16 -> int32, int32 -> int8, int32 ->
 * int16) with the arithmetic of the TFLite Micro reference kernel's Requantize: each
 * value x becomes MultiplyByQuantizedMultiplier(x + input_offset, mult, shift) +
 * output_offset, clamped to the output type's range. The int32 additions wrap (the
 * reference's int32 arithmetic on two's complement machines).
 */
#include "stai_kernels_s16.h"

#include "stai_fixedpoint.h"

/* Element i of an int8 (bytes 1), int16 (2) or int32 (4) tensor. */
static inline int32_t stai_s32_load(const void *values, int32_t i, int32_t bytes)
{
    if (bytes == 1)
    {
        return ((const int8_t *)values)[i];
    }
    if (bytes == 2)
    {
        return ((const int16_t *)values)[i];
    }
    return ((const int32_t *)values)[i];
}

/* One loop for the four pairs; each caller passes constant sizes. */
static inline arm_cmsis_nn_status stai_requantize_wide(const void *input,
                                                       int32_t in_bytes,
                                                       void *output,
                                                       int32_t out_bytes,
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
    const int32_t lo = out_bytes == 1 ? INT8_MIN : (out_bytes == 2 ? INT16_MIN : INT32_MIN);
    const int32_t hi = out_bytes == 1 ? INT8_MAX : (out_bytes == 2 ? INT16_MAX : INT32_MAX);
    for (int32_t i = 0; i < size; ++i)
    {
        const int32_t x = stai_wrap_add(stai_s32_load(input, i, in_bytes), input_offset);
        const int32_t y = stai_clamp_s32(
            stai_wrap_add(stai_multiply_by_quantized_multiplier(x, mult, shift), output_offset), lo, hi);
        if (out_bytes == 1)
        {
            ((int8_t *)output)[i] = (int8_t)y;
        }
        else if (out_bytes == 2)
        {
            ((int16_t *)output)[i] = (int16_t)y;
        }
        else
        {
            ((int32_t *)output)[i] = y;
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}

arm_cmsis_nn_status stai_requantize_s8_s32(const int8_t *input,
                                           int32_t *output,
                                           int32_t size,
                                           int32_t input_offset,
                                           int32_t mult,
                                           int32_t shift,
                                           int32_t output_offset)
{
    return stai_requantize_wide(input, 1, output, 4, size, input_offset, mult, shift, output_offset);
}

arm_cmsis_nn_status stai_requantize_s16_s32(const int16_t *input,
                                            int32_t *output,
                                            int32_t size,
                                            int32_t input_offset,
                                            int32_t mult,
                                            int32_t shift,
                                            int32_t output_offset)
{
    return stai_requantize_wide(input, 2, output, 4, size, input_offset, mult, shift, output_offset);
}

arm_cmsis_nn_status stai_requantize_s32_s8(const int32_t *input,
                                           int8_t *output,
                                           int32_t size,
                                           int32_t input_offset,
                                           int32_t mult,
                                           int32_t shift,
                                           int32_t output_offset)
{
    return stai_requantize_wide(input, 4, output, 1, size, input_offset, mult, shift, output_offset);
}

arm_cmsis_nn_status stai_requantize_s32_s16(const int32_t *input,
                                            int16_t *output,
                                            int32_t size,
                                            int32_t input_offset,
                                            int32_t mult,
                                            int32_t shift,
                                            int32_t output_offset)
{
    return stai_requantize_wide(input, 4, output, 2, size, input_offset, mult, shift, output_offset);
}
