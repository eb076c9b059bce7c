/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_depthwise_conv2d_hybrid_f32 */
/* stai-requires: stai_hybrid_quantize_f32.c */
/*
 * Hybrid (dynamic-range) depthwise 2-D convolution: float32 activations, int8 weights.
 *
 * Each batch of the input is quantized to int8 on the fly, asymmetrically (scale s and zero
 * point z per batch; see stai_hybrid_quantize_f32.c), the products are summed in int32 as
 * w * (q - z), and the sum is scaled back to float:
 *
 *   out = act((float)acc * (filter_scale[o] * s) + bias[o])
 *
 * (one filter scale serves every channel when num_scales is 1). These are the steps, and
 * the float rounding points, of the TFLite reference hybrid depthwise convolution. Taps
 * outside the input are skipped (they stand for a real zero). The int8 weights stay one
 * byte each.
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

/* The arguments one batch needs besides its pixels. */
typedef struct
{
    const stai_dw_conv_params_f32 *params;
    const stai_hybrid_quant_params_f32 *quant;
    const cmsis_nn_dims *input_dims;
    const cmsis_nn_dims *filter_dims;
    const cmsis_nn_dims *output_dims;
    const int8_t *filter;
    const float *bias;
} dw_hybrid_args;

/* The int32 sum of w * (q - zero_point) over the taps of output channel oc at (oy, ox). */
static int32_t tap_sum(const dw_hybrid_args *a, const int8_t *in_batch, int32_t zero_point, int32_t oy,
                       int32_t ox, int32_t ic, int32_t oc)
{
    const stai_dw_conv_params_f32 *p = a->params;
    const int32_t in_h = a->input_dims->h;
    const int32_t in_w = a->input_dims->w;
    const int32_t in_c = a->input_dims->c;
    const int32_t k_w = a->filter_dims->w;
    const int32_t out_c = a->output_dims->c;
    const int32_t y0 = oy * p->stride.h - p->padding.h;
    const int32_t x0 = ox * p->stride.w - p->padding.w;
    int32_t acc = 0;
    for (int32_t ky = 0; ky < a->filter_dims->h; ky++)
    {
        const int32_t iy = y0 + ky * p->dilation.h;
        if (iy < 0 || iy >= in_h)
        {
            continue;
        }
        for (int32_t kx = 0; kx < k_w; kx++)
        {
            const int32_t ix = x0 + kx * p->dilation.w;
            if (ix < 0 || ix >= in_w)
            {
                continue;
            }
            const int32_t q = in_batch[((size_t)iy * in_w + ix) * in_c + ic];
            const int32_t w = a->filter[((size_t)ky * k_w + kx) * out_c + oc];
            acc += w * (q - zero_point);
        }
    }
    return acc;
}

static void hybrid_batch(const dw_hybrid_args *a, const int8_t *in_batch, float scale, int32_t zero_point,
                         float *out_batch)
{
    const int32_t out_h = a->output_dims->h;
    const int32_t out_w = a->output_dims->w;
    const int32_t out_c = a->output_dims->c;
    const int32_t mult = a->params->ch_mult;
    const int per_channel = a->quant->num_scales != 1;
    for (int32_t oy = 0; oy < out_h; oy++)
    {
        for (int32_t ox = 0; ox < out_w; ox++)
        {
            float *out_pixel = out_batch + ((size_t)oy * out_w + ox) * out_c;
            for (int32_t ic = 0; ic < a->input_dims->c; ic++)
            {
                for (int32_t m = 0; m < mult; m++)
                {
                    const int32_t oc = ic * mult + m;
                    const int32_t acc = tap_sum(a, in_batch, zero_point, oy, ox, ic, oc);
                    const float filter_scale = per_channel ? a->quant->scales[oc] : a->quant->scales[0];
                    float value = (float)acc * (filter_scale * scale);
                    if (a->bias != NULL)
                    {
                        value += a->bias[oc];
                    }
                    out_pixel[oc] = clamp_f32(value, a->params->act_min, a->params->act_max);
                }
            }
        }
    }
}

arm_cmsis_nn_status stai_depthwise_conv2d_hybrid_f32(const cmsis_nn_context *ctx,
                                                     const stai_dw_conv_params_f32 *params,
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
    const int32_t in_c = input_dims->c;
    const int32_t out_c = output_dims->c;
    const int32_t batch_size = input_dims->h * input_dims->w * in_c;
    if (batches < 1 || batch_size < 1 || batches != output_dims->n || params->ch_mult < 1 ||
        out_c != in_c * params->ch_mult || filter_dims->c != out_c || params->stride.h < 1 ||
        params->stride.w < 1 || params->dilation.h < 1 || params->dilation.w < 1 ||
        (quant->num_scales != 1 && quant->num_scales != out_c) ||
        ctx->size < batches * (STAI_HYBRID_HEADER_BYTES + batch_size))
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    const dw_hybrid_args args = {params, quant, input_dims, filter_dims, output_dims, filter, bias};
    const size_t out_batch_size = (size_t)output_dims->h * output_dims->w * out_c;

    /* Scratch: per batch a float scale and an int32 zero point, then the int8 input. */
    float *batch_scales = (float *)ctx->buf;
    int32_t *batch_zps = (int32_t *)(batch_scales + batches);
    int8_t *q_input = (int8_t *)(batch_zps + batches);
    for (int32_t b = 0; b < batches; b++)
    {
        (void)stai_hybrid_quantize_f32(input + (size_t)b * batch_size, batch_size, 1, q_input + (size_t)b * batch_size,
                                       &batch_scales[b], &batch_zps[b]);
    }
    for (int32_t b = 0; b < batches; b++)
    {
        hybrid_batch(&args, q_input + (size_t)b * batch_size, batch_scales[b], batch_zps[b],
                     output + (size_t)b * out_batch_size);
    }
    return ARM_CMSIS_NN_SUCCESS;
}
