/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_relu_s8 */
/* stai-requires: */
/*
 * int8 RELU-family activation with the arithmetic of the TFLite Micro reference kernel:
 * requantization from the input to the output scale, then a clamp to the activation range
 * in output units.
 */
#include "stai_kernels_s8.h"

#include "stai_fixedpoint.h"

arm_cmsis_nn_status stai_relu_s8(const int8_t *input,
                                 int8_t *output,
                                 int32_t size,
                                 int32_t input_offset,
                                 int32_t mult,
                                 int32_t shift,
                                 int32_t output_offset,
                                 int32_t act_min,
                                 int32_t act_max)
{
    if (size < 0 || shift > 31 || shift < -31 || act_min > act_max || act_min < -128 || act_max > 127)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    for (int32_t i = 0; i < size; ++i)
    {
        const int32_t value = stai_multiply_by_quantized_multiplier(input[i] + input_offset, mult, shift);
        output[i] = (int8_t)stai_clamp_s32(stai_wrap_add(value, output_offset), act_min, act_max);
    }
    return ARM_CMSIS_NN_SUCCESS;
}
