/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_mean_hw_s16 */
/* stai-requires: */
/*
 * 16x8 MEAN over the H and W axes of an NHWC int16 tensor, with the arithmetic of the
 * TFLite Micro reference kernel (as stai_mean_hw_s8): an int32 sum, one requantization
 * whose multiplier includes the division by h * w, a clamp to int16.
 */
#include "stai_kernels_s16.h"

#include <stddef.h>

#include "stai_fixedpoint.h"

arm_cmsis_nn_status stai_mean_hw_s16(const int16_t *input,
                                     const cmsis_nn_dims *input_dims,
                                     int16_t *output,
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
    const size_t channels = (size_t)input_dims->c;
    const size_t plane = (size_t)input_dims->h * (size_t)input_dims->w;
    for (size_t n = 0; n < (size_t)input_dims->n; ++n)
    {
        const int16_t *image = input + n * plane * channels;
        for (size_t c = 0; c < channels; ++c)
        {
            int32_t sum = 0;
            for (size_t i = 0; i < plane; ++i)
            {
                sum += image[i * channels + c] + input_offset;
            }
            const int32_t value = stai_multiply_by_quantized_multiplier(sum, out_mult, out_shift);
            output[n * channels + c] = (int16_t)stai_clamp_s32(stai_wrap_add(value, output_offset), INT16_MIN, INT16_MAX);
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}
