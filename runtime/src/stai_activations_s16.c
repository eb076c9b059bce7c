/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_relu_s16 stai_leaky_relu_s16 */
/* stai-requires: */
/*
 * 16x8 RELU-family and LEAKY_RELU activations, with the arithmetic of the TFLite Micro
 * reference kernels (the same as their int8 versions, on int16 codes). The bodies,
 * shared with the int8 versions, are stai_codes_relu and stai_codes_leaky_relu
 * (stai_codes.h).
 */
#include "stai_kernels_s16.h"

#include "stai_codes.h"

arm_cmsis_nn_status stai_relu_s16(const int16_t *input,
                                  int16_t *output,
                                  int32_t size,
                                  int32_t input_offset,
                                  int32_t mult,
                                  int32_t shift,
                                  int32_t output_offset,
                                  int32_t act_min,
                                  int32_t act_max)
{
    return stai_codes_relu(input, output, size, input_offset, mult, shift, output_offset, act_min, act_max, 2);
}

arm_cmsis_nn_status stai_leaky_relu_s16(const int16_t *input,
                                        int16_t *output,
                                        int32_t size,
                                        int32_t input_offset,
                                        int32_t output_offset,
                                        int32_t identity_mult,
                                        int32_t identity_shift,
                                        int32_t alpha_mult,
                                        int32_t alpha_shift)
{
    return stai_codes_leaky_relu(input, output, size, input_offset, output_offset, identity_mult, identity_shift,
                                 alpha_mult, alpha_shift, 2);
}
