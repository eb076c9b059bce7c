/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_quantize_f32_s16 stai_dequantize_s16_f32 stai_requantize_s8_s16 stai_requantize_s16_s8 stai_requantize_s16 */
/* stai-requires: */
/*
 * QUANTIZE (float32 -> int16; int8 <-> int16 and int16 -> int16 requantization) and
 * DEQUANTIZE (int16 -> float32) with the arithmetic of the TFLite Micro reference kernels.
 */
#include "stai_kernels_s16.h"

#include "stai_fixedpoint.h"

/*
 * round-half-away-from-zero(q) + zero_point saturated to int16, for a float q. q is first
 * limited to +-2^17, where the rounding is exact and beyond which the result saturates
 * anyway; a NaN gives what an x86 host gives for the reference kernel (INT32_MIN from the
 * float-to-int conversion, plus the zero point, clamped).
 */
static int16_t stai_round_to_s16(float q, int32_t zero_point)
{
    int32_t r;
    if (q >= 131072.0f)
    {
        r = 131072;
    }
    else if (q <= -131072.0f)
    {
        r = -131072;
    }
    else if (q == q)
    {
        r = (int32_t)q;                  /* truncation toward zero */
        const float frac = q - (float)r; /* exact */
        if (frac >= 0.5f)
        {
            r += 1;
        }
        else if (frac <= -0.5f)
        {
            r -= 1;
        }
    }
    else
    {
        return (int16_t)(zero_point >= 0 ? INT16_MIN : INT16_MAX);
    }
    return (int16_t)stai_clamp_s32(r + zero_point, INT16_MIN, INT16_MAX);
}

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
        output[i] = stai_round_to_s16(input[i] / scale, zero_point);
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

/* One requantized value, clamped to [lo, hi]. */
static int32_t stai_requantize_one(int32_t value,
                                   int32_t input_offset,
                                   int32_t mult,
                                   int32_t shift,
                                   int32_t output_offset,
                                   int32_t lo,
                                   int32_t hi)
{
    const int32_t scaled = stai_multiply_by_quantized_multiplier(value + input_offset, mult, shift);
    return stai_clamp_s32(stai_wrap_add(scaled, output_offset), lo, hi);
}

arm_cmsis_nn_status stai_requantize_s8_s16(const int8_t *input,
                                           int16_t *output,
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
        output[i] = (int16_t)stai_requantize_one(
            input[i], input_offset, mult, shift, output_offset, INT16_MIN, INT16_MAX);
    }
    return ARM_CMSIS_NN_SUCCESS;
}

arm_cmsis_nn_status stai_requantize_s16_s8(const int16_t *input,
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
        output[i] = (int8_t)stai_requantize_one(
            input[i], input_offset, mult, shift, output_offset, INT8_MIN, INT8_MAX);
    }
    return ARM_CMSIS_NN_SUCCESS;
}

arm_cmsis_nn_status stai_requantize_s16(const int16_t *input,
                                        int16_t *output,
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
        output[i] = (int16_t)stai_requantize_one(
            input[i], input_offset, mult, shift, output_offset, INT16_MIN, INT16_MAX);
    }
    return ARM_CMSIS_NN_SUCCESS;
}
