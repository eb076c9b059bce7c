/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: arm_convolve_wrapper_s8 arm_convolve_s8 */
/* stai-requires: */
/*
 * Portable s8 convolution of the CMSIS-NN API: a direct loop nest, bit-exact with the
 * TFLite Micro reference (per-channel requantization, padding, stride, dilation,
 * grouped filters). The wrapper keeps the API's argument rules: the paths that need a
 * scratch buffer in a CMSIS-NN build refuse a NULL buffer here too, so that a program
 * tested with these sources also runs with a real CMSIS-NN.
 */
#include "arm_nnfunctions.h"
#include "arm_nnsupportfunctions.h"

/* Shape and arithmetic parameters of one convolution, gathered once. */
typedef struct
{
    int32_t batches, in_h, in_w, in_c;
    int32_t k_h, k_w, k_c;
    int32_t out_h, out_w, out_c;
    int32_t stored_h, stored_w; /* rows and columns present in memory (before upscaling) */
    int32_t y_up, x_up;         /* 1 when the input is upscaled by 2 in that direction */
    int32_t out_per_group;
} stai_conv_shape;

/* Sum over the filter window of one output value, before bias and requantization. */
static int32_t stai_conv_window_sum(const stai_conv_shape *s,
                                    const cmsis_nn_conv_params *p,
                                    const int8_t *input_batch,
                                    const int8_t *filter_oc,
                                    int32_t group,
                                    int32_t in_y0,
                                    int32_t in_x0)
{
    int32_t acc = 0;
    for (int32_t ky = 0; ky < s->k_h; ky++)
    {
        const int32_t y = in_y0 + ky * p->dilation.h;
        if (y < 0 || y >= s->in_h || (s->y_up && (y & 1)))
        {
            continue;
        }
        for (int32_t kx = 0; kx < s->k_w; kx++)
        {
            const int32_t x = in_x0 + kx * p->dilation.w;
            if (x < 0 || x >= s->in_w || (s->x_up && (x & 1)))
            {
                continue;
            }
            const int8_t *in =
                input_batch + ((y >> s->y_up) * s->stored_w + (x >> s->x_up)) * s->in_c + group * s->k_c;
            const int8_t *f = filter_oc + (ky * s->k_w + kx) * s->k_c;
            for (int32_t ic = 0; ic < s->k_c; ic++)
            {
                acc += ((int32_t)in[ic] + p->input_offset) * (int32_t)f[ic];
            }
        }
    }
    return acc;
}

/* The convolution itself; every path of the API ends here. */
static arm_cmsis_nn_status stai_convolve_s8_direct(const cmsis_nn_conv_params *p,
                                                   const cmsis_nn_per_channel_quant_params *q,
                                                   const cmsis_nn_dims *input_dims,
                                                   const int8_t *input_data,
                                                   const cmsis_nn_dims *filter_dims,
                                                   const int8_t *filter_data,
                                                   const int32_t *bias_data,
                                                   const cmsis_nn_dims *upscale_dims,
                                                   const cmsis_nn_dims *output_dims,
                                                   int8_t *output_data)
{
    stai_conv_shape s;
    s.batches = input_dims->n;
    s.in_h = input_dims->h;
    s.in_w = input_dims->w;
    s.in_c = input_dims->c;
    s.k_h = filter_dims->h;
    s.k_w = filter_dims->w;
    s.k_c = filter_dims->c;
    s.out_h = output_dims->h;
    s.out_w = output_dims->w;
    s.out_c = output_dims->c;
    if (s.k_c <= 0 || s.in_c % s.k_c != 0)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    const int32_t groups = s.in_c / s.k_c;
    if (s.out_c % groups != 0)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    s.out_per_group = s.out_c / groups;
    s.y_up = (upscale_dims != NULL && upscale_dims->h == 2) ? 1 : 0;
    s.x_up = (upscale_dims != NULL && upscale_dims->w == 2) ? 1 : 0;
    s.stored_h = s.in_h >> s.y_up;
    s.stored_w = s.in_w >> s.x_up;

    for (int32_t b = 0; b < s.batches; b++)
    {
        const int8_t *input_batch = input_data + b * s.stored_h * s.stored_w * s.in_c;
        for (int32_t oy = 0; oy < s.out_h; oy++)
        {
            const int32_t in_y0 = oy * p->stride.h - p->padding.h;
            for (int32_t ox = 0; ox < s.out_w; ox++)
            {
                const int32_t in_x0 = ox * p->stride.w - p->padding.w;
                int8_t *out = output_data + ((b * s.out_h + oy) * s.out_w + ox) * s.out_c;
                for (int32_t oc = 0; oc < s.out_c; oc++)
                {
                    const int8_t *filter_oc = filter_data + oc * s.k_h * s.k_w * s.k_c;
                    int32_t acc =
                        stai_conv_window_sum(&s, p, input_batch, filter_oc, oc / s.out_per_group, in_y0, in_x0);
                    if (bias_data != NULL)
                    {
                        acc += bias_data[oc];
                    }
                    acc = arm_nn_requantize(acc, q->multiplier[oc], q->shift[oc]);
                    acc += p->output_offset;
                    acc = MAX(acc, p->activation.min);
                    acc = MIN(acc, p->activation.max);
                    out[oc] = (int8_t)acc;
                }
            }
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}

arm_cmsis_nn_status arm_convolve_s8(const cmsis_nn_context *ctx,
                                    const cmsis_nn_conv_params *conv_params,
                                    const cmsis_nn_per_channel_quant_params *quant_params,
                                    const cmsis_nn_dims *input_dims,
                                    const int8_t *input_data,
                                    const cmsis_nn_dims *filter_dims,
                                    const int8_t *filter_data,
                                    const cmsis_nn_dims *bias_dims,
                                    const int32_t *bias_data,
                                    const cmsis_nn_dims *upscale_dims,
                                    const cmsis_nn_dims *output_dims,
                                    int8_t *output_data)
{
    (void)bias_dims;
    if (ctx == NULL || ctx->buf == NULL)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    return stai_convolve_s8_direct(conv_params,
                                   quant_params,
                                   input_dims,
                                   input_data,
                                   filter_dims,
                                   filter_data,
                                   bias_data,
                                   upscale_dims,
                                   output_dims,
                                   output_data);
}

arm_cmsis_nn_status arm_convolve_wrapper_s8(const cmsis_nn_context *ctx,
                                            const cmsis_nn_conv_params *conv_params,
                                            const cmsis_nn_per_channel_quant_params *quant_params,
                                            const cmsis_nn_dims *input_dims,
                                            const int8_t *input_data,
                                            const cmsis_nn_dims *filter_dims,
                                            const int8_t *filter_data,
                                            const cmsis_nn_dims *bias_dims,
                                            const int32_t *bias_data,
                                            const cmsis_nn_dims *output_dims,
                                            int8_t *output_data)
{
    const cmsis_nn_conv_params *p = conv_params;
    const bool same_depth = input_dims->c == filter_dims->c;
    const bool unit_dilation = p->dilation.w == 1 && p->dilation.h == 1;
    if (p->padding.w == 0 && p->padding.h == 0 && filter_dims->w == 1 && filter_dims->h == 1 && unit_dilation &&
        same_depth)
    {
        /* 1x1 path: needs no scratch buffer */
        return stai_convolve_s8_direct(
            p, quant_params, input_dims, input_data, filter_dims, filter_data, bias_data, NULL, output_dims, output_data);
    }
    if (input_dims->h == 1 && p->dilation.w == 1 && filter_dims->h == 1 && (p->stride.w * input_dims->c) % 4 == 0 &&
        same_depth)
    {
        /* 1xN path: needs the scratch buffer */
        if (ctx == NULL || ctx->buf == NULL || p->stride.w == 0)
        {
            return ARM_CMSIS_NN_ARG_ERROR;
        }
        return stai_convolve_s8_direct(
            p, quant_params, input_dims, input_data, filter_dims, filter_data, bias_data, NULL, output_dims, output_data);
    }
    return arm_convolve_s8(ctx,
                           p,
                           quant_params,
                           input_dims,
                           input_data,
                           filter_dims,
                           filter_data,
                           bias_dims,
                           bias_data,
                           NULL,
                           output_dims,
                           output_data);
}
