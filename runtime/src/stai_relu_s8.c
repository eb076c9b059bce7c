/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_relu_s8 */
/* stai-requires: */
/*
 * int8 RELU-family activation with the arithmetic of the TFLite Micro reference kernel:
 * requantization from the input to the output scale, then a clamp to the activation
 * range in output units. The body, shared with the int16 version, is stai_codes_relu
 * (stai_codes.h).
 */
#include "stai_kernels_s8.h"

#include "stai_codes.h"

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
    return stai_codes_relu(input, output, size, input_offset, mult, shift, output_offset, act_min, act_max, 1);
}
