/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_elementwise_sub_s16 */
/* stai-requires: */
/*
 * 16x8 SUB of two same-shape int16 tensors, with the integer arithmetic of the TFLite
 * Micro reference kernel's general int16 path: each input scaled up by 2^left_shift (15)
 * and rescaled to a common scale, the difference rescaled to the output scale and clamped.
 */
#include "stai_kernels_s16.h"

#include "stai_fixedpoint.h"

arm_cmsis_nn_status stai_elementwise_sub_s16(const int16_t *input_1_vect,
                                             const int16_t *input_2_vect,
                                             int32_t input_1_offset,
                                             int32_t input_1_mult,
                                             int32_t input_1_shift,
                                             int32_t input_2_offset,
                                             int32_t input_2_mult,
                                             int32_t input_2_shift,
                                             int32_t left_shift,
                                             int16_t *output,
                                             int32_t out_offset,
                                             int32_t out_mult,
                                             int32_t out_shift,
                                             int32_t out_activation_min,
                                             int32_t out_activation_max,
                                             int32_t block_size)
{
    if (block_size < 0 || left_shift < 0 || left_shift > 15 || input_1_shift > 0 || input_2_shift > 0 ||
        out_shift > 0 || out_activation_min > out_activation_max)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    for (int32_t i = 0; i < block_size; ++i)
    {
        const int32_t a = (input_1_vect[i] + input_1_offset) * ((int32_t)1 << left_shift);
        const int32_t b = (input_2_vect[i] + input_2_offset) * ((int32_t)1 << left_shift);
        const int32_t a_scaled = stai_multiply_by_quantized_multiplier(a, input_1_mult, input_1_shift);
        const int32_t b_scaled = stai_multiply_by_quantized_multiplier(b, input_2_mult, input_2_shift);
        int32_t out = stai_multiply_by_quantized_multiplier(stai_wrap_sub(a_scaled, b_scaled), out_mult, out_shift);
        out = stai_clamp_s32(stai_wrap_add(out, out_offset), out_activation_min, out_activation_max);
        output[i] = (int16_t)out;
    }
    return ARM_CMSIS_NN_SUCCESS;
}
