/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_mean_hw_s8 */
/* stai-requires: */
/*
 * int8 MEAN over the H and W axes of an NHWC tensor, with the arithmetic of the TFLite
 * Micro reference kernel: an int32 sum of the zero-point-corrected inputs, one
 * requantization whose multiplier already includes the division by h * w, the output
 * zero point, a clamp to int8. The body, shared with the int16 version, is
 * stai_codes_mean_hw (stai_codes.h).
 */
#include "stai_kernels_s8.h"

#include "stai_codes.h"

arm_cmsis_nn_status stai_mean_hw_s8(const int8_t *input,
                                    const cmsis_nn_dims *input_dims,
                                    int8_t *output,
                                    int32_t input_offset,
                                    int32_t out_mult,
                                    int32_t out_shift,
                                    int32_t output_offset)
{
    return stai_codes_mean_hw(input, input_dims, output, input_offset, out_mult, out_shift, output_offset, 1);
}
