/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_abs_s8 stai_abs_s16 */
/* stai-requires: */
/*
 * Quantized ABS (int8, int16): the distance of each code from the input zero point,
 * moved to the output scale with the rounding of the reference requantization.
 */
#include "stai_kernels_abs.h"

#include "stai_fixedpoint.h"

#include <stddef.h>

static int32_t stai_abs_code(int32_t q, int32_t input_offset, int32_t multiplier, int32_t shift)
{
    int32_t x = q + input_offset;
    if (x < 0)
    {
        x = -x;
    }
    return stai_multiply_by_quantized_multiplier(x, multiplier, shift);
}

arm_cmsis_nn_status stai_abs_s8(const int8_t *input,
                                int8_t *output,
                                int32_t size,
                                int32_t input_offset,
                                int32_t output_offset,
                                int32_t multiplier,
                                int32_t shift)
{
    if (input == NULL || output == NULL || size < 0)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    for (int32_t i = 0; i < size; i++)
    {
        int32_t y = stai_abs_code(input[i], input_offset, multiplier, shift) + output_offset;
        y = y < INT8_MIN ? INT8_MIN : y;
        y = y > INT8_MAX ? INT8_MAX : y;
        output[i] = (int8_t)y;
    }
    return ARM_CMSIS_NN_SUCCESS;
}

arm_cmsis_nn_status stai_abs_s16(const int16_t *input,
                                 int16_t *output,
                                 int32_t size,
                                 int32_t input_offset,
                                 int32_t output_offset,
                                 int32_t multiplier,
                                 int32_t shift)
{
    if (input == NULL || output == NULL || size < 0)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    for (int32_t i = 0; i < size; i++)
    {
        int32_t y = stai_abs_code(input[i], input_offset, multiplier, shift) + output_offset;
        y = y < INT16_MIN ? INT16_MIN : y;
        y = y > INT16_MAX ? INT16_MAX : y;
        output[i] = (int16_t)y;
    }
    return ARM_CMSIS_NN_SUCCESS;
}
