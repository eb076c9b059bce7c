/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_conv2d_hybrid_f32 */
/* stai-requires: stai_hybrid_quantize_f32.c */
/*
 * Hybrid (dynamic-range) 2-D convolution: float32 activations, int8 weights.
 *
 * The float input is quantized to int8 on the fly, one scale per batch, the products are
 * accumulated in int32 against the int8 filter, and the sum is scaled back to float:
 *
 * - one filter scale (per tensor): symmetric input quantization,
 *     s = max|x| / 127, q = round(x * (127 / max|x|)) clamped to [-127, 127],
 *     out = (float)acc * (s * filter_scale) + bias;
 * - one scale per output channel: asymmetric input quantization over [min(0, x), max(0, x)]
 *     (range in float, scale and zero point in double, the zero point nudged into
 *     [-128, 127], q = round(zero_point + x * (1 / scale)) in float),
 *     acc sums w * (q - zero_point), out = (float)acc * filter_scale[o] * s + bias.
 *
 * Then the result is clamped to the fused activation range. These are the steps (and the
 * float/double rounding points) of the TFLite reference hybrid convolution. Taps outside the
 * input are skipped (they stand for a real zero). The int8 weights stay one byte each.
 */
#include "stai_kernels_f32.h"

#include <stddef.h>

#define STAI_HYBRID_HEADER_BYTES 8 /* per batch: float scale + int32 zero point */

static float clamp_f32(float value, float lo, float hi)
{
    if (value < lo)
    {
        value = lo;
    }
    if (value > hi)
    {
        value = hi;
    }
    return value;
}

/* The scratch bytes the kernel needs: per batch a header and the int8 input. */
static int32_t hybrid_buffer_size(const cmsis_nn_dims *input_dims)
{
    return input_dims->n * (STAI_HYBRID_HEADER_BYTES + input_dims->h * input_dims->w * input_dims->c);
}

arm_cmsis_nn_status stai_conv2d_hybrid_f32(const cmsis_nn_context *ctx,
                                           const stai_conv_params_f32 *params,
                                           const stai_hybrid_quant_params_f32 *quant,
                                           const cmsis_nn_dims *input_dims,
                                           const float *input,
                                           const cmsis_nn_dims *filter_dims,
                                           const int8_t *filter,
                                           const cmsis_nn_dims *bias_dims,
                                           const float *bias,
                                           const cmsis_nn_dims *output_dims,
                                           float *output)
{
    (void)bias_dims;
    if (ctx == NULL || ctx->buf == NULL || params == NULL || quant == NULL || quant->scales == NULL ||
        input_dims == NULL || input == NULL || filter_dims == NULL || filter == NULL || output_dims == NULL ||
        output == NULL)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    const int32_t batches = input_dims->n;
    const int32_t in_h = input_dims->h;
    const int32_t in_w = input_dims->w;
    const int32_t in_c = input_dims->c;
    const int32_t out_h = output_dims->h;
    const int32_t out_w = output_dims->w;
    const int32_t out_c = output_dims->c;
    const int32_t k_h = filter_dims->h;
    const int32_t k_w = filter_dims->w;
    const int32_t group_c = filter_dims->c;
    const int per_channel = quant->num_scales != 1;
    if (batches < 1 || in_h < 1 || in_w < 1 || in_c < 1 || batches != output_dims->n || filter_dims->n != out_c ||
        group_c <= 0 || in_c % group_c != 0 || params->stride.h < 1 || params->stride.w < 1 ||
        params->dilation.h < 1 || params->dilation.w < 1 || (per_channel && quant->num_scales != out_c) ||
        ctx->size < hybrid_buffer_size(input_dims))
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    const int32_t groups = in_c / group_c;
    if (out_c % groups != 0)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    const int32_t filters_per_group = out_c / groups;
    const int32_t batch_size = in_h * in_w * in_c;

    /* Scratch: per batch a float scale and an int32 zero point, then the int8 input. */
    float *batch_scales = (float *)ctx->buf;
    int32_t *batch_zps = (int32_t *)(batch_scales + batches);
    int8_t *q_input = (int8_t *)(batch_zps + batches);
    for (int32_t b = 0; b < batches; b++)
    {
        const float *x = input + (size_t)b * batch_size;
        int8_t *q = q_input + (size_t)b * batch_size;
        (void)stai_hybrid_quantize_f32(x, batch_size, per_channel, q, &batch_scales[b], &batch_zps[b]);
        if (!per_channel)
        {
            batch_scales[b] *= quant->scales[0];
        }
    }

    for (int32_t b = 0; b < batches; b++)
    {
        const int8_t *in_batch = q_input + (size_t)b * batch_size;
        const int32_t zp = batch_zps[b];
        for (int32_t oy = 0; oy < out_h; oy++)
        {
            const int32_t y0 = oy * params->stride.h - params->padding.h;
            for (int32_t ox = 0; ox < out_w; ox++)
            {
                const int32_t x0 = ox * params->stride.w - params->padding.w;
                float *out_pixel = output + (((size_t)b * out_h + oy) * out_w + ox) * out_c;
                for (int32_t oc = 0; oc < out_c; oc++)
                {
                    const int32_t channel_base = (oc / filters_per_group) * group_c;
                    const int8_t *filter_oc = filter + (size_t)oc * k_h * k_w * group_c;
                    int32_t acc = 0;
                    for (int32_t ky = 0; ky < k_h; ky++)
                    {
                        const int32_t iy = y0 + ky * params->dilation.h;
                        if (iy < 0 || iy >= in_h)
                        {
                            continue;
                        }
                        for (int32_t kx = 0; kx < k_w; kx++)
                        {
                            const int32_t ix = x0 + kx * params->dilation.w;
                            if (ix < 0 || ix >= in_w)
                            {
                                continue;
                            }
                            const int8_t *in_px = in_batch + ((size_t)iy * in_w + ix) * in_c + channel_base;
                            const int8_t *w_px = filter_oc + ((size_t)ky * k_w + kx) * group_c;
                            for (int32_t i = 0; i < group_c; i++)
                            {
                                acc += (int32_t)w_px[i] * ((int32_t)in_px[i] - zp);
                            }
                        }
                    }
                    float value;
                    if (per_channel)
                    {
                        value = (float)acc * quant->scales[oc] * batch_scales[b];
                    }
                    else
                    {
                        value = (float)acc * batch_scales[b];
                    }
                    if (bias != NULL)
                    {
                        value += bias[oc];
                    }
                    out_pixel[oc] = clamp_f32(value, params->act_min, params->act_max);
                }
            }
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}
