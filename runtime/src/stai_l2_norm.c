/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_l2_normalization_f32 stai_l2_normalization_s8 stai_l2_pool_f32 */
/* stai-requires: */
/* L2 normalization (float32, int8) and L2 pooling (float32), as TensorFlow Lite Micro. */
#include "stai_kernels_norm.h"

#include "stai_fixedpoint.h"

#include <math.h>
#include <stddef.h>

arm_cmsis_nn_status stai_l2_normalization_f32(const float *input, float *output, int32_t rows, int32_t depth)
{
    if (input == NULL || output == NULL || rows < 0 || depth < 1)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    for (int32_t r = 0; r < rows; ++r)
    {
        const float *x = input + (size_t)r * (size_t)depth;
        float *y = output + (size_t)r * (size_t)depth;
        float squares = 0.0f;
        for (int32_t c = 0; c < depth; ++c)
        {
            squares += x[c] * x[c];
        }
        float norm = sqrtf(squares);
        if (norm < 1e-6f)
        {
            norm = 1e-6f;
        }
        for (int32_t c = 0; c < depth; ++c)
        {
            y[c] = x[c] / norm;
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}

/* The number of leading zero bits of a nonzero value. */
static int32_t leading_zeros(uint32_t value)
{
    int32_t count = 0;
    while ((value & 0x80000000u) == 0u)
    {
        value <<= 1;
        ++count;
    }
    return count;
}

/* 1 / sqrt(input) as a multiplier and a left shift (TFLite's
 * GetInvSqrtQuantizedMultiplierExp with reverse_shift -1): five Newton steps in a
 * fixed-point format with 3 integer bits, then times sqrt(2) / 2. */
static void inv_sqrt_multiplier(int32_t input, int32_t *multiplier, int32_t *shift)
{
    if (input <= 1)
    {
        *multiplier = INT32_MAX;
        *shift = 0;
        return;
    }
    int32_t right = 11;
    while (input >= (1 << 29))
    {
        input /= 4;
        ++right;
    }
    const int32_t pairs = (leading_zeros((uint32_t)input) - 1) / 2 - 1;
    right -= pairs;
    input = (int32_t)((uint32_t)input << (2 * pairs));
    const int32_t x_in = input >> 1;                         /* 3 integer bits */
    const int32_t half_input = stai_rounding_divide_by_pot(x_in, 1);
    const int32_t half_three = (1 << 28) + (1 << 27); /* 1.5 */
    int32_t x = 1 << 28;                                /* 1.0 */
    for (int i = 0; i < 5; ++i)
    {
        /* x * x * x: 3 + 3 -> 6, then 6 + 3 -> 9 integer bits, back to 3 */
        const int32_t x2 = stai_sat_rounding_doubling_high_mul(x, x);
        const int32_t x3 = stai_saturating_shift_left(stai_sat_rounding_doubling_high_mul(x2, x), 6);
        /* 1.5 * x - input / 2 * x^3, 6 integer bits, back to 3 */
        const int32_t a = stai_sat_rounding_doubling_high_mul(half_three, x);
        const int32_t b = stai_sat_rounding_doubling_high_mul(half_input, x3);
        x = stai_saturating_shift_left((int32_t)((uint32_t)a - (uint32_t)b), 3);
    }
    x = stai_sat_rounding_doubling_high_mul(x, 1518500250); /* sqrt(2) / 2 */
    if (right < 0)
    {
        x = (int32_t)((uint32_t)x << (uint32_t)(-right));
        right = 0;
    }
    *multiplier = x;
    *shift = -right;
}

arm_cmsis_nn_status stai_l2_normalization_s8(const int8_t *input,
                                             int8_t *output,
                                             int32_t rows,
                                             int32_t depth,
                                             int32_t zero_point)
{
    if (input == NULL || output == NULL || rows < 0 || depth < 1)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    for (int32_t r = 0; r < rows; ++r)
    {
        const int8_t *x = input + (size_t)r * (size_t)depth;
        int8_t *y = output + (size_t)r * (size_t)depth;
        int32_t squares = 0;
        for (int32_t c = 0; c < depth; ++c)
        {
            const int32_t d = (int32_t)x[c] - zero_point;
            squares += d * d;
        }
        int32_t multiplier;
        int32_t shift;
        inv_sqrt_multiplier(squares, &multiplier, &shift);
        for (int32_t c = 0; c < depth; ++c)
        {
            const int32_t d = (int32_t)x[c] - zero_point;
            const int32_t q = stai_multiply_by_quantized_multiplier(d, multiplier, shift + 7);
            y[c] = (int8_t)stai_clamp_s32(q, -128, 127);
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}

arm_cmsis_nn_status stai_l2_pool_f32(const stai_pool_params_f32 *params,
                                     const cmsis_nn_dims *input_dims,
                                     const float *input,
                                     const cmsis_nn_dims *filter_dims,
                                     const cmsis_nn_dims *output_dims,
                                     float *output)
{
    if (params == NULL || input_dims == NULL || input == NULL || filter_dims == NULL || output_dims == NULL ||
        output == NULL || input_dims->n != output_dims->n || input_dims->c != output_dims->c ||
        params->stride.h < 1 || params->stride.w < 1 || filter_dims->h < 1 || filter_dims->w < 1)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    const int32_t in_h = input_dims->h, in_w = input_dims->w, depth = input_dims->c;
    for (int32_t b = 0; b < output_dims->n; ++b)
    {
        for (int32_t oy = 0; oy < output_dims->h; ++oy)
        {
            const int32_t y0 = oy * params->stride.h - params->padding.h;
            const int32_t ky0 = y0 < 0 ? -y0 : 0;
            const int32_t ky1 = in_h - y0 < filter_dims->h ? in_h - y0 : filter_dims->h;
            for (int32_t ox = 0; ox < output_dims->w; ++ox)
            {
                const int32_t x0 = ox * params->stride.w - params->padding.w;
                const int32_t kx0 = x0 < 0 ? -x0 : 0;
                const int32_t kx1 = in_w - x0 < filter_dims->w ? in_w - x0 : filter_dims->w;
                for (int32_t c = 0; c < depth; ++c)
                {
                    float squares = 0.0f;
                    int32_t count = 0;
                    for (int32_t ky = ky0; ky < ky1; ++ky)
                    {
                        for (int32_t kx = kx0; kx < kx1; ++kx)
                        {
                            const size_t at = (((size_t)b * (size_t)in_h + (size_t)(y0 + ky)) * (size_t)in_w +
                                               (size_t)(x0 + kx)) *
                                    (size_t)depth +
                                (size_t)c;
                            squares += input[at] * input[at];
                            ++count;
                        }
                    }
                    float value = sqrtf(squares / (float)count);
                    if (value < params->act_min)
                    {
                        value = params->act_min;
                    }
                    if (value > params->act_max)
                    {
                        value = params->act_max;
                    }
                    const size_t out_at =
                        (((size_t)b * (size_t)output_dims->h + (size_t)oy) * (size_t)output_dims->w + (size_t)ox) *
                            (size_t)depth +
                        (size_t)c;
                    output[out_at] = value;
                }
            }
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}
