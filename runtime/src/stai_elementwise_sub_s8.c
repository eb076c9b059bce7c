/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_elementwise_sub_s8 */
/* stai-requires: */
/*
 * int8 SUB of two same-shape tensors, with the integer arithmetic of the TFLite Micro
 * reference kernel (each input scaled up by 2^left_shift and rescaled to a common scale,
 * difference rescaled to the output scale). It is a true subtraction: adding the negated
 * second input would round differently at ties.
 */
#include "stai_kernels_s8.h"

#include "stai_codes.h"

arm_cmsis_nn_status stai_elementwise_sub_s8(const int8_t *input_1_vect,
                                            const int8_t *input_2_vect,
                                            int32_t input_1_offset,
                                            int32_t input_1_mult,
                                            int32_t input_1_shift,
                                            int32_t input_2_offset,
                                            int32_t input_2_mult,
                                            int32_t input_2_shift,
                                            int32_t left_shift,
                                            int8_t *output,
                                            int32_t out_offset,
                                            int32_t out_mult,
                                            int32_t out_shift,
                                            int32_t out_activation_min,
                                            int32_t out_activation_max,
                                            int32_t block_size)
{
    if (block_size < 0 || left_shift < 0 || left_shift > 22 || input_1_shift > 0 || input_2_shift > 0 ||
        out_shift > 0 || input_1_shift < -31 || input_2_shift < -31 || out_shift < -31 ||
        out_activation_min > out_activation_max)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    const stai_codes_params p = {STAI_CODES_SUB, input_1_offset, input_1_mult, input_1_shift,
                                 input_2_offset, input_2_mult,   input_2_shift, left_shift,
                                 out_offset,     out_mult,       out_shift,     out_activation_min,
                                 out_activation_max};
    stai_codes_elementwise(input_1_vect, input_2_vect, output, block_size, &p, 1);
    return ARM_CMSIS_NN_SUCCESS;
}
