/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_broadcast_add_s8 stai_broadcast_sub_s8 stai_broadcast_mul_s8 */
/* stai-requires: */
/*
 * int8 ADD / SUB / MUL with 4-D NHWC broadcasting, with the integer arithmetic of the
 * TFLite Micro reference kernels (the same per-element arithmetic as the element-wise
 * versions). A dimension of an input broadcasts when it is 1 and the output's is not.
 * The body, shared with the int16 versions, is stai_codes_broadcast (stai_codes.h); this
 * file checks the int8 kernels' argument ranges.
 */
#include "stai_kernels_s8.h"

#include "stai_codes.h"

/* ADD / SUB: the dims, a left shift of at most 22 and right shifts only, of at most 31 (a
 * longer one is undefined in C; a multiplier that small is 0 with shift 0, as TFLite
 * Micro's QuantizeMultiplier makes it). */
static arm_cmsis_nn_status stai_broadcast_add_sub_s8(const int8_t *input_1,
                                                     const cmsis_nn_dims *input_1_dims,
                                                     const int8_t *input_2,
                                                     const cmsis_nn_dims *input_2_dims,
                                                     int8_t *output,
                                                     const cmsis_nn_dims *output_dims,
                                                     const stai_codes_params *p)
{
    if (!stai_dims_positive(input_1_dims) || !stai_dims_positive(input_2_dims) || !stai_dims_positive(output_dims) ||
        p->left_shift < 0 || p->left_shift > 22 || p->input_1_shift > 0 || p->input_2_shift > 0 || p->out_shift > 0 ||
        p->input_1_shift < -31 || p->input_2_shift < -31 || p->out_shift < -31 || p->act_min > p->act_max)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    return stai_codes_broadcast(input_1, input_1_dims, input_2, input_2_dims, output, output_dims, p, 1);
}

arm_cmsis_nn_status stai_broadcast_add_s8(const int8_t *input_1,
                                          const cmsis_nn_dims *input_1_dims,
                                          const int8_t *input_2,
                                          const cmsis_nn_dims *input_2_dims,
                                          int32_t input_1_offset,
                                          int32_t input_1_mult,
                                          int32_t input_1_shift,
                                          int32_t input_2_offset,
                                          int32_t input_2_mult,
                                          int32_t input_2_shift,
                                          int32_t left_shift,
                                          int8_t *output,
                                          const cmsis_nn_dims *output_dims,
                                          int32_t out_offset,
                                          int32_t out_mult,
                                          int32_t out_shift,
                                          int32_t out_activation_min,
                                          int32_t out_activation_max)
{
    const stai_codes_params p = {STAI_CODES_ADD, input_1_offset, input_1_mult, input_1_shift,
                                 input_2_offset, input_2_mult,   input_2_shift, left_shift,
                                 out_offset,     out_mult,       out_shift,     out_activation_min,
                                 out_activation_max};
    return stai_broadcast_add_sub_s8(input_1, input_1_dims, input_2, input_2_dims, output, output_dims, &p);
}

arm_cmsis_nn_status stai_broadcast_sub_s8(const int8_t *input_1,
                                          const cmsis_nn_dims *input_1_dims,
                                          const int8_t *input_2,
                                          const cmsis_nn_dims *input_2_dims,
                                          int32_t input_1_offset,
                                          int32_t input_1_mult,
                                          int32_t input_1_shift,
                                          int32_t input_2_offset,
                                          int32_t input_2_mult,
                                          int32_t input_2_shift,
                                          int32_t left_shift,
                                          int8_t *output,
                                          const cmsis_nn_dims *output_dims,
                                          int32_t out_offset,
                                          int32_t out_mult,
                                          int32_t out_shift,
                                          int32_t out_activation_min,
                                          int32_t out_activation_max)
{
    const stai_codes_params p = {STAI_CODES_SUB, input_1_offset, input_1_mult, input_1_shift,
                                 input_2_offset, input_2_mult,   input_2_shift, left_shift,
                                 out_offset,     out_mult,       out_shift,     out_activation_min,
                                 out_activation_max};
    return stai_broadcast_add_sub_s8(input_1, input_1_dims, input_2, input_2_dims, output, output_dims, &p);
}

arm_cmsis_nn_status stai_broadcast_mul_s8(const int8_t *input_1,
                                          const cmsis_nn_dims *input_1_dims,
                                          const int8_t *input_2,
                                          const cmsis_nn_dims *input_2_dims,
                                          int32_t input_1_offset,
                                          int32_t input_2_offset,
                                          int8_t *output,
                                          const cmsis_nn_dims *output_dims,
                                          int32_t out_offset,
                                          int32_t out_mult,
                                          int32_t out_shift,
                                          int32_t out_activation_min,
                                          int32_t out_activation_max)
{
    if (!stai_dims_positive(input_1_dims) || !stai_dims_positive(input_2_dims) || !stai_dims_positive(output_dims) ||
        out_shift > 31 || out_shift < -31 || out_activation_min > out_activation_max)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    const stai_codes_params p = {STAI_CODES_MUL, input_1_offset, 0, 0, input_2_offset, 0, 0, 0,
                                 out_offset,     out_mult,       out_shift, out_activation_min, out_activation_max};
    return stai_codes_broadcast(input_1, input_1_dims, input_2, input_2_dims, output, output_dims, &p, 1);
}
