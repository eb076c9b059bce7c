/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: arm_elementwise_mul_s8 */
/* stai-requires: */
/*
 * Portable s8 elementwise multiplication of the CMSIS-NN API, bit-exact with the TFLite
 * Micro reference: the product of the offset inputs is requantized, offset and clamped.
 */
#include "arm_nnfunctions.h"
#include "arm_nnsupportfunctions.h"

arm_cmsis_nn_status arm_elementwise_mul_s8(const int8_t *input_1_vect,
                                           const int8_t *input_2_vect,
                                           const int32_t input_1_offset,
                                           const int32_t input_2_offset,
                                           int8_t *output,
                                           const int32_t out_offset,
                                           const int32_t out_mult,
                                           const int32_t out_shift,
                                           const int32_t out_activation_min,
                                           const int32_t out_activation_max,
                                           const int32_t block_size)
{
    for (int32_t i = 0; i < block_size; i++)
    {
        const int32_t a = (int32_t)input_1_vect[i] + input_1_offset;
        const int32_t b = (int32_t)input_2_vect[i] + input_2_offset;
        int32_t product = arm_nn_requantize(a * b, out_mult, out_shift) + out_offset;
        product = MAX(product, out_activation_min);
        product = MIN(product, out_activation_max);
        output[i] = (int8_t)product;
    }
    return ARM_CMSIS_NN_SUCCESS;
}
