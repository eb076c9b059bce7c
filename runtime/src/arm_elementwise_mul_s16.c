/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: arm_elementwise_mul_s16 */
/* stai-requires: */
/*
 * Portable s16 elementwise multiplication of the CMSIS-NN API (16x8 models), bit-exact
 * with the TFLite Micro reference: the product of the two inputs (offsets 0) is
 * requantized to the output and clamped to [out_activation_min, out_activation_max]. The
 * body, shared with the int8 version, is stai_nn_elementwise_mul (stai_nn_codes.h).
 */
#include "arm_nnfunctions.h"
#include "stai_nn_codes.h"

arm_cmsis_nn_status arm_elementwise_mul_s16(const int16_t *input_1_vect,
                                            const int16_t *input_2_vect,
                                            const int32_t input_1_offset,
                                            const int32_t input_2_offset,
                                            int16_t *output,
                                            const int32_t out_offset,
                                            const int32_t out_mult,
                                            const int32_t out_shift,
                                            const int32_t out_activation_min,
                                            const int32_t out_activation_max,
                                            const int32_t block_size)
{
    stai_nn_elementwise_mul(input_1_vect, input_2_vect, input_1_offset, input_2_offset, output, out_offset, out_mult,
                            out_shift, out_activation_min, out_activation_max, block_size, 2);
    return ARM_CMSIS_NN_SUCCESS;
}
