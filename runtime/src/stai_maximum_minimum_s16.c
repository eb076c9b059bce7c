/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_maximum_s16 stai_minimum_s16 */
/* stai-requires: */
/*
 * 16x8 (int16) element-wise MAXIMUM / MINIMUM with broadcasting: the codes are compared
 * (the inputs and the output share one quantization, as TFLite Micro requires). A
 * dimension of size 1 in an input is repeated along the output's. The body, shared with
 * the int8 version, is stai_codes_broadcast (stai_codes.h).
 */
#include "stai_kernels_s16.h"

#include "stai_codes.h"

arm_cmsis_nn_status stai_maximum_s16(const int16_t *input_1,
                                     const cmsis_nn_dims *input_1_dims,
                                     const int16_t *input_2,
                                     const cmsis_nn_dims *input_2_dims,
                                     int16_t *output,
                                     const cmsis_nn_dims *output_dims)
{
    const stai_codes_params p = {.op = STAI_CODES_MAX};
    return stai_codes_broadcast(input_1, input_1_dims, input_2, input_2_dims, output, output_dims, &p, 2);
}

arm_cmsis_nn_status stai_minimum_s16(const int16_t *input_1,
                                     const cmsis_nn_dims *input_1_dims,
                                     const int16_t *input_2,
                                     const cmsis_nn_dims *input_2_dims,
                                     int16_t *output,
                                     const cmsis_nn_dims *output_dims)
{
    const stai_codes_params p = {.op = STAI_CODES_MIN};
    return stai_codes_broadcast(input_1, input_1_dims, input_2, input_2_dims, output, output_dims, &p, 2);
}
