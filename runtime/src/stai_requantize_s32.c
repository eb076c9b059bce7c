/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_requantize_s8_s32 stai_requantize_s16_s32 stai_requantize_s32_s8 stai_requantize_s32_s16 stai_requantize_s8_u8 stai_requantize_u8_s8 stai_dequantize_u8_f32 */
/* stai-requires: */
/*
 * QUANTIZE to and from int32 (int8 -> int32, int16 -> int32, int32 -> int8, int32 ->
 * int16) and between int8 and uint8 (a converted model's uint8 inputs and outputs) with
 * the arithmetic of the TFLite Micro reference kernel's Requantize: each value x becomes
 * MultiplyByQuantizedMultiplier(x + input_offset, mult, shift) + output_offset, clamped to
 * the output type's range. The int32 additions wrap (the reference's int32 arithmetic on
 * two's complement machines). DEQUANTIZE uint8 -> float32 as the int8 one.
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

/*
 * int8 <-> uint8. With equal scales (mult 2^30, shift 1: a factor of exactly 1) and zero
 * points 128 apart in the direction of the conversion, each value only flips its top bit
 * (the reference's fast path; the general loop gives the same codes).
 */
static inline int stai_requantize_flips_sign_bit(int32_t mult, int32_t shift, int32_t offsets)
{
    return mult == (1 << 30) && shift == 1 && offsets == 0;
}

arm_cmsis_nn_status stai_requantize_s8_u8(const int8_t *input,
                                          uint8_t *output,
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
    /* input zero point - output zero point == -128 */
    if (stai_requantize_flips_sign_bit(mult, shift, input_offset + output_offset - 128))
    {
        for (int32_t i = 0; i < size; ++i)
        {
            output[i] = (uint8_t)((uint8_t)input[i] ^ 0x80u);
        }
        return ARM_CMSIS_NN_SUCCESS;
    }
    for (int32_t i = 0; i < size; ++i)
    {
        const int32_t x = stai_wrap_add((int32_t)input[i], input_offset);
        const int32_t y = stai_wrap_add(stai_multiply_by_quantized_multiplier(x, mult, shift), output_offset);
        output[i] = (uint8_t)stai_clamp_s32(y, 0, UINT8_MAX);
    }
    return ARM_CMSIS_NN_SUCCESS;
}

arm_cmsis_nn_status stai_requantize_u8_s8(const uint8_t *input,
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
    /* input zero point - output zero point == 128 */
    if (stai_requantize_flips_sign_bit(mult, shift, input_offset + output_offset + 128))
    {
        for (int32_t i = 0; i < size; ++i)
        {
            output[i] = (int8_t)(input[i] ^ 0x80u);
        }
        return ARM_CMSIS_NN_SUCCESS;
    }
    for (int32_t i = 0; i < size; ++i)
    {
        const int32_t x = stai_wrap_add((int32_t)input[i], input_offset);
        const int32_t y = stai_wrap_add(stai_multiply_by_quantized_multiplier(x, mult, shift), output_offset);
        output[i] = (int8_t)stai_clamp_s32(y, INT8_MIN, INT8_MAX);
    }
    return ARM_CMSIS_NN_SUCCESS;
}

arm_cmsis_nn_status stai_dequantize_u8_f32(const uint8_t *input,
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
        /* the difference is exact in a float and its product with the float scale exact
         * in a double: one float multiplication rounds as the reference's double product */
        output[i] = scale * (float)((int32_t)input[i] - zero_point);
    }
    return ARM_CMSIS_NN_SUCCESS;
}
