/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_mean_hw_s16 */
/* stai-requires: */
/*
 * 16x8 MEAN over the H and W axes of an NHWC int16 tensor, with the arithmetic of the
 * TFLite Micro reference kernel (as stai_mean_hw_s8): an int32 sum, one requantization
 * whose multiplier includes the division by h * w, a clamp to int16. The body, shared
 * with the int8 version, is stai_codes_mean_hw (stai_codes.h).
 */
#include "stai_kernels_s16.h"

#include "stai_codes.h"

arm_cmsis_nn_status stai_mean_hw_s16(const int16_t *input,
                                     const cmsis_nn_dims *input_dims,
                                     int16_t *output,
                                     int32_t input_offset,
                                     int32_t out_mult,
                                     int32_t out_shift,
                                     int32_t output_offset)
{
    return stai_codes_mean_hw(input, input_dims, output, input_offset, out_mult, out_shift, output_offset, 2);
}
