/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_pad_s16 */
/* stai-requires: */
/*
 * int16 constant padding of a 4-D NHWC tensor (PAD / PADV2 of 16x8 models): the output
 * is the input surrounded, along each dimension, by pad_before cells before and
 * pad_after cells after, all holding pad_value. The body, shared with the int8 version,
 * is stai_codes_pad (stai_codes.h).
 */
#include "stai_kernels_s16.h"

#include "stai_codes.h"

arm_cmsis_nn_status stai_pad_s16(const int16_t *input,
                                 const cmsis_nn_dims *input_dims,
                                 const cmsis_nn_dims *pad_before,
                                 const cmsis_nn_dims *pad_after,
                                 int16_t pad_value,
                                 int16_t *output)
{
    return stai_codes_pad(input, input_dims, pad_before, pad_after, pad_value, output, 2);
}
