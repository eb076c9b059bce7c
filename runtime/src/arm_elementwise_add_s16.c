/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: arm_elementwise_add_s16 */
/* stai-requires: */
/*
 * Portable s16 elementwise add of the CMSIS-NN API (16x8 models), bit-exact with the
 * TFLite Micro reference's general int16 path: each input (offsets 0) is shifted left by
 * `left_shift` (15) and rescaled to a common scale; the sum is requantized to the output
 * and clamped to [out_activation_min, out_activation_max].
 */
#include "arm_nnfunctions.h"
#include "arm_nnsupportfunctions.h"

arm_cmsis_nn_status arm_elementwise_add_s16(const int16_t *input_1_vect,
                                            const int16_t *input_2_vect,
                                            const int32_t input_1_offset,
                                            const int32_t input_1_mult,
                                            const int32_t input_1_shift,
                                            const int32_t input_2_offset,
                                            const int32_t input_2_mult,
                                            const int32_t input_2_shift,
                                            const int32_t left_shift,
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
        const int32_t a = stai_nn_shl_wrap((int32_t)input_1_vect[i] + input_1_offset, left_shift);
        const int32_t b = stai_nn_shl_wrap((int32_t)input_2_vect[i] + input_2_offset, left_shift);
        const int32_t scaled_a = arm_nn_requantize(a, input_1_mult, input_1_shift);
        const int32_t scaled_b = arm_nn_requantize(b, input_2_mult, input_2_shift);
        int32_t sum = arm_nn_requantize(scaled_a + scaled_b, out_mult, out_shift) + out_offset;
        sum = MAX(sum, out_activation_min);
        sum = MIN(sum, out_activation_max);
        output[i] = (int16_t)sum;
    }
    return ARM_CMSIS_NN_SUCCESS;
}
