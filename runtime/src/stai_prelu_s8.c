/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_prelu_s8 */
/* stai-requires: */
/*
 * int8 parametric relu on a 4-D NHWC tensor with the arithmetic of the TFLite Micro
 * reference kernel: x = q + input_offset; x >= 0 is rescaled by the identity multiplier,
 * x < 0 is multiplied by the offset-corrected alpha code of its position (alpha broadcast
 * to the input's shape) and rescaled by the alpha multiplier; then output_offset is
 * added and the result clamped to int8.
 */
#include "stai_kernels_s8.h"

#include <stddef.h>

#include "stai_fixedpoint.h"

/* 1 if a dimension of alpha fits the input's (equal, or 1 to broadcast). */
static int alpha_dim_fits(int32_t alpha_dim, int32_t in_dim)
{
    return alpha_dim >= 1 && in_dim >= 1 && (alpha_dim == in_dim || alpha_dim == 1);
}

/* 1 if a (multiplier, shift) pair is one stai_multiply_by_quantized_multiplier takes. */
static int multiplier_ok(int32_t mult, int32_t shift)
{
    return mult >= 0 && shift >= -31 && shift <= 31;
}

/* 1 if an offset keeps the offset-corrected int8 code within +-(128 + 255). */
static int offset_ok(int32_t offset)
{
    return offset >= -255 && offset <= 255;
}

arm_cmsis_nn_status stai_prelu_s8(const cmsis_nn_dims *in_dims,
                                  const int8_t *input,
                                  const cmsis_nn_dims *alpha_dims,
                                  const int8_t *alpha,
                                  int8_t *output,
                                  int32_t input_offset,
                                  int32_t alpha_offset,
                                  int32_t output_offset,
                                  int32_t identity_mult,
                                  int32_t identity_shift,
                                  int32_t alpha_mult,
                                  int32_t alpha_shift)
{
    if (in_dims == NULL || input == NULL || alpha_dims == NULL || alpha == NULL || output == NULL)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    if (!alpha_dim_fits(alpha_dims->n, in_dims->n) || !alpha_dim_fits(alpha_dims->h, in_dims->h) ||
        !alpha_dim_fits(alpha_dims->w, in_dims->w) || !alpha_dim_fits(alpha_dims->c, in_dims->c))
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    if (!multiplier_ok(identity_mult, identity_shift) || !multiplier_ok(alpha_mult, alpha_shift) ||
        !offset_ok(input_offset) || !offset_ok(alpha_offset))
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    /* Element steps through alpha along each input dimension (0 where alpha broadcasts). */
    const size_t step_c = alpha_dims->c == 1 ? 0 : 1;
    const size_t step_w = alpha_dims->w == 1 ? 0 : (size_t)alpha_dims->c;
    const size_t step_h = alpha_dims->h == 1 ? 0 : (size_t)alpha_dims->c * (size_t)alpha_dims->w;
    const size_t step_n =
        alpha_dims->n == 1 ? 0 : (size_t)alpha_dims->c * (size_t)alpha_dims->w * (size_t)alpha_dims->h;
    size_t i = 0;
    for (int32_t n = 0; n < in_dims->n; n++)
    {
        for (int32_t h = 0; h < in_dims->h; h++)
        {
            for (int32_t w = 0; w < in_dims->w; w++)
            {
                const int8_t *row = alpha + (size_t)n * step_n + (size_t)h * step_h + (size_t)w * step_w;
                for (int32_t c = 0; c < in_dims->c; c++, i++)
                {
                    const int32_t x = (int32_t)input[i] + input_offset;
                    int32_t y;
                    if (x >= 0)
                    {
                        y = stai_multiply_by_quantized_multiplier(x, identity_mult, identity_shift);
                    }
                    else
                    {
                        const int32_t a = (int32_t)row[(size_t)c * step_c] + alpha_offset;
                        y = stai_multiply_by_quantized_multiplier(x * a, alpha_mult, alpha_shift);
                    }
                    output[i] = (int8_t)stai_clamp_s32(stai_wrap_add(y, output_offset), -128, 127);
                }
            }
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}
