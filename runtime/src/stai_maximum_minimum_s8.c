/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_maximum_s8 stai_minimum_s8 */
/* stai-requires: */
/*
 * int8 element-wise MAXIMUM / MINIMUM with broadcasting: the codes are compared (the
 * inputs and the output share one quantization, as TFLite Micro requires). A dimension
 * of size 1 in an input is repeated along the output's. The body, shared with the int16
 * version, is stai_codes_broadcast (stai_codes.h).
 */
#include "stai_kernels_shape.h"

#include "stai_codes.h"

arm_cmsis_nn_status stai_maximum_s8(const int8_t *input_1,
                                    const cmsis_nn_dims *input_1_dims,
                                    const int8_t *input_2,
                                    const cmsis_nn_dims *input_2_dims,
                                    int8_t *output,
                                    const cmsis_nn_dims *output_dims)
{
    const stai_codes_params p = {.op = STAI_CODES_MAX};
    return stai_codes_broadcast(input_1, input_1_dims, input_2, input_2_dims, output, output_dims, &p, 1);
}

arm_cmsis_nn_status stai_minimum_s8(const int8_t *input_1,
                                    const cmsis_nn_dims *input_1_dims,
                                    const int8_t *input_2,
                                    const cmsis_nn_dims *input_2_dims,
                                    int8_t *output,
                                    const cmsis_nn_dims *output_dims)
{
    const stai_codes_params p = {.op = STAI_CODES_MIN};
    return stai_codes_broadcast(input_1, input_1_dims, input_2, input_2_dims, output, output_dims, &p, 1);
}
