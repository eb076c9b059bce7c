/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_mean_hw_s8 */
/* stai-requires: */
/*
 * int8 MEAN over the H and W axes of an NHWC tensor, with the arithmetic of the TFLite
 * Micro reference kernel: an int32 sum of the zero-point-corrected inputs, one
 * requantization whose multiplier already includes the division by h * w, the output zero
 * point, a clamp to int8.
 */
#include "stai_kernels_s8.h"

#include <stddef.h>

#include "stai_fixedpoint.h"

arm_cmsis_nn_status stai_mean_hw_s8(const int8_t *input,
                                    const cmsis_nn_dims *input_dims,
                                    int8_t *output,
                                    int32_t input_offset,
                                    int32_t out_mult,
                                    int32_t out_shift,
                                    int32_t output_offset)
{
    if (input_dims == NULL || input_dims->n < 0 || input_dims->h < 0 || input_dims->w < 0 || input_dims->c < 0 ||
        out_shift > 31 || out_shift < -31)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    const int32_t channels = input_dims->c;
    const int32_t plane = input_dims->h * input_dims->w;
    for (int32_t n = 0; n < input_dims->n; ++n)
    {
        const int8_t *image = input + (size_t)n * (size_t)plane * (size_t)channels;
        for (int32_t c = 0; c < channels; ++c)
        {
            int32_t sum = 0;
            for (int32_t i = 0; i < plane; ++i)
            {
                sum += image[(size_t)i * (size_t)channels + (size_t)c] + input_offset;
            }
            const int32_t value = stai_multiply_by_quantized_multiplier(sum, out_mult, out_shift);
            output[(size_t)n * (size_t)channels + (size_t)c] =
                (int8_t)stai_clamp_s32(stai_wrap_add(value, output_offset), -128, 127);
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}
