/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_leaky_relu_s8 */
/* stai-requires: */
/*
 * int8 LEAKY_RELU with the arithmetic of the TFLite Micro reference kernel: the
 * zero-point-corrected input is rescaled by the identity multiplier when >= 0 and by the
 * alpha multiplier when < 0, then offset and clamped. The body, shared with the int16
 * version, is stai_codes_leaky_relu (stai_codes.h).
 */
#include "stai_kernels_s8.h"

#include "stai_codes.h"

arm_cmsis_nn_status stai_leaky_relu_s8(const int8_t *input,
                                       int8_t *output,
                                       int32_t size,
                                       int32_t input_offset,
                                       int32_t output_offset,
                                       int32_t identity_mult,
                                       int32_t identity_shift,
                                       int32_t alpha_mult,
                                       int32_t alpha_shift)
{
    return stai_codes_leaky_relu(input, output, size, input_offset, output_offset, identity_mult, identity_shift,
                                 alpha_mult, alpha_shift, 1);
}
