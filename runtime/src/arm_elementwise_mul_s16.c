/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: arm_elementwise_mul_s16 */
/* stai-requires: */
/*
 * Portable s16 elementwise multiplication of the CMSIS-NN API (16x8 models), bit-exact
 * with the TFLite Micro reference: the product of the two inputs (offsets 0) is
 * requantized to the output and clamped to [out_activation_min, out_activation_max].
 */
#include "arm_nnfunctions.h"
#include "arm_nnsupportfunctions.h"

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
    for (int32_t i = 0; i < block_size; i++)
    {
        const int32_t product = ((int32_t)input_1_vect[i] + input_1_offset) * ((int32_t)input_2_vect[i] + input_2_offset);
        int32_t out = arm_nn_requantize(product, out_mult, out_shift) + out_offset;
        out = MAX(out, out_activation_min);
        out = MIN(out, out_activation_max);
        output[i] = (int16_t)out;
    }
    return ARM_CMSIS_NN_SUCCESS;
}
