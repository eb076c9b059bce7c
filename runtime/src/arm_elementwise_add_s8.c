/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: arm_elementwise_add_s8 */
/* stai-requires: */
/*
 * Portable s8 elementwise add of the CMSIS-NN API, bit-exact with the TFLite Micro
 * reference: each input is offset, shifted left by `left_shift` and rescaled to a common
 * scale; the sum is requantized to the output, offset and clamped. The body, shared with
 * the int16 version, is stai_nn_elementwise_add (stai_nn_codes.h).
 */
#include "arm_nnfunctions.h"
#include "stai_nn_codes.h"

arm_cmsis_nn_status arm_elementwise_add_s8(const int8_t *input_1_vect,
                                           const int8_t *input_2_vect,
                                           const int32_t input_1_offset,
                                           const int32_t input_1_mult,
                                           const int32_t input_1_shift,
                                           const int32_t input_2_offset,
                                           const int32_t input_2_mult,
                                           const int32_t input_2_shift,
                                           const int32_t left_shift,
                                           int8_t *output,
                                           const int32_t out_offset,
                                           const int32_t out_mult,
                                           const int32_t out_shift,
                                           const int32_t out_activation_min,
                                           const int32_t out_activation_max,
                                           const int32_t block_size)
{
    stai_nn_elementwise_add(input_1_vect, input_2_vect, input_1_offset, input_1_mult, input_1_shift, input_2_offset,
                            input_2_mult, input_2_shift, left_shift, output, out_offset, out_mult, out_shift,
                            out_activation_min, out_activation_max, block_size, 1);
    return ARM_CMSIS_NN_SUCCESS;
}
