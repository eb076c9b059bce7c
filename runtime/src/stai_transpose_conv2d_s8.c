/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_transpose_conv2d_s8 stai_transpose_conv2d_s16 */
/* stai-requires: */
/* int8 and 16x8 transposed convolutions: each output gathers the input pixels and filter
 * taps that reach it (stai_kernels_transpose_conv.h). */
#include "stai_kernels_transpose_conv.h"

#include <stddef.h>

#include "arm_nnsupportfunctions.h"
#include "stai_kernels_s16.h"

#define STAI_TRANSPOSE_CONV_MAX_KERNEL 64 /* taps per axis */

/* The input coordinates and filter taps of one output coordinate along one axis:
 * out = in * stride + tap - pad. Returns how many pairs were written (at most kernel). */
static int32_t reaching(int32_t out, int32_t pad, int32_t stride, int32_t kernel, int32_t size,
                        int32_t *ins, int32_t *taps)
{
    int32_t n = 0;
    for (int32_t tap = 0; tap < kernel; ++tap)
    {
        const int32_t t = out + pad - tap;
        if (t < 0 || t % stride != 0 || t / stride >= size)
        {
            continue;
        }
        ins[n] = t / stride;
        taps[n] = tap;
        ++n;
    }
    return n;
}

static int dims_ok(const cmsis_nn_conv_params *params,
                   const cmsis_nn_dims *input_dims,
                   const cmsis_nn_dims *filter_dims,
                   const cmsis_nn_dims *output_dims)
{
    return filter_dims->c == input_dims->c && output_dims->c == filter_dims->n &&
           output_dims->n == input_dims->n && params->stride.h > 0 && params->stride.w > 0 &&
           params->dilation.h == 1 && params->dilation.w == 1 && filter_dims->h > 0 &&
           filter_dims->w > 0 && filter_dims->h <= STAI_TRANSPOSE_CONV_MAX_KERNEL &&
           filter_dims->w <= STAI_TRANSPOSE_CONV_MAX_KERNEL;
}

/* The sum over one filter tap: n input values (int8 plus the input offset, or int16) times
 * n int8 weights. */
static int64_t tap_sum(const void *input, int wide, int32_t offset, const int8_t *w, int32_t n)
{
    int64_t sum = 0;
    if (wide)
    {
        const int16_t *x = (const int16_t *)input;
        for (int32_t i = 0; i < n; ++i)
        {
            sum += (int64_t)x[i] * w[i];
        }
        return sum;
    }
    const int8_t *x = (const int8_t *)input;
    int32_t acc = 0; /* int32, as the reference accumulates int8 layers */
    for (int32_t i = 0; i < n; ++i)
    {
        acc += ((int32_t)x[i] + offset) * w[i];
    }
    return acc;
}

/* Both widths: `wide` selects int16 input, int64 bias and the 64-bit requantization. */
static void transpose_conv(const cmsis_nn_conv_params *params,
                           const cmsis_nn_per_channel_quant_params *quant,
                           const cmsis_nn_dims *input_dims,
                           const void *input,
                           int wide,
                           const cmsis_nn_dims *filter_dims,
                           const int8_t *filter,
                           const void *bias,
                           const cmsis_nn_dims *output_dims,
                           void *output)
{
    const int32_t in_h = input_dims->h, in_w = input_dims->w, in_c = input_dims->c;
    const int32_t kh = filter_dims->h, kw = filter_dims->w;
    const int32_t out_h = output_dims->h, out_w = output_dims->w, out_c = output_dims->c;
    const size_t element = wide ? sizeof(int16_t) : sizeof(int8_t);
    int32_t rows[STAI_TRANSPOSE_CONV_MAX_KERNEL], row_taps[STAI_TRANSPOSE_CONV_MAX_KERNEL];
    int32_t cols[STAI_TRANSPOSE_CONV_MAX_KERNEL], col_taps[STAI_TRANSPOSE_CONV_MAX_KERNEL];
    int32_t index = 0;
    for (int32_t b = 0; b < input_dims->n; ++b)
    {
        for (int32_t oy = 0; oy < out_h; ++oy)
        {
            const int32_t nr = reaching(oy, params->padding.h, params->stride.h, kh, in_h, rows, row_taps);
            for (int32_t ox = 0; ox < out_w; ++ox)
            {
                const int32_t nc = reaching(ox, params->padding.w, params->stride.w, kw, in_w, cols, col_taps);
                for (int32_t o = 0; o < out_c; ++o, ++index)
                {
                    int64_t acc = 0;
                    if (bias != NULL)
                    {
                        acc = wide ? ((const int64_t *)bias)[o] : ((const int32_t *)bias)[o];
                    }
                    for (int32_t r = 0; r < nr; ++r)
                    {
                        for (int32_t q = 0; q < nc; ++q)
                        {
                            const size_t pixel = (size_t)((b * in_h + rows[r]) * in_w + cols[q]) * (size_t)in_c;
                            const int8_t *w = filter + ((o * kh + row_taps[r]) * kw + col_taps[q]) * in_c;
                            acc += tap_sum((const char *)input + pixel * element, wide, params->input_offset, w, in_c);
                        }
                    }
                    int32_t v = wide ? stai_requantize_s64(acc, quant->multiplier[o], quant->shift[o])
                                     : arm_nn_requantize((int32_t)acc, quant->multiplier[o], quant->shift[o]) +
                                           params->output_offset;
                    v = v < params->activation.min ? params->activation.min : v;
                    v = v > params->activation.max ? params->activation.max : v;
                    if (wide)
                    {
                        ((int16_t *)output)[index] = (int16_t)v;
                    }
                    else
                    {
                        ((int8_t *)output)[index] = (int8_t)v;
                    }
                }
            }
        }
    }
}

arm_cmsis_nn_status stai_transpose_conv2d_s8(const cmsis_nn_conv_params *params,
                                             const cmsis_nn_per_channel_quant_params *quant,
                                             const cmsis_nn_dims *input_dims,
                                             const int8_t *input,
                                             const cmsis_nn_dims *filter_dims,
                                             const int8_t *filter,
                                             const cmsis_nn_dims *bias_dims,
                                             const int32_t *bias,
                                             const cmsis_nn_dims *output_dims,
                                             int8_t *output)
{
    (void)bias_dims;
    if (!dims_ok(params, input_dims, filter_dims, output_dims))
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    transpose_conv(params, quant, input_dims, input, 0, filter_dims, filter, bias, output_dims, output);
    return ARM_CMSIS_NN_SUCCESS;
}

arm_cmsis_nn_status stai_transpose_conv2d_s16(const cmsis_nn_conv_params *params,
                                              const cmsis_nn_per_channel_quant_params *quant,
                                              const cmsis_nn_dims *input_dims,
                                              const int16_t *input,
                                              const cmsis_nn_dims *filter_dims,
                                              const int8_t *filter,
                                              const cmsis_nn_dims *bias_dims,
                                              const int64_t *bias,
                                              const cmsis_nn_dims *output_dims,
                                              int16_t *output)
{
    (void)bias_dims;
    if (!dims_ok(params, input_dims, filter_dims, output_dims))
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    transpose_conv(params, quant, input_dims, input, 1, filter_dims, filter, bias, output_dims, output);
    return ARM_CMSIS_NN_SUCCESS;
}
