/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: arm_convolve_wrapper_s4 arm_convolve_s4 */
/* stai-requires: */
/*
 * Portable s4 convolution of the CMSIS-NN API: int8 activations, int4 filters packed two
 * per byte (element i in the low nibble of byte i/2 when i is even, in the high nibble
 * when it is odd, sign-extended), read in place; per-channel requantization, padding,
 * stride and dilation, bit-exact with TFLite Micro, which unpacks the filter and runs its
 * int8 reference kernel. The paths that take a scratch buffer in a CMSIS-NN build refuse
 * a NULL buffer here too.
 */
#include "arm_nnfunctions.h"
#include "arm_nnsupportfunctions.h"

/* Element `index` of a packed int4 tensor. */
static int32_t stai_s4_at(const int8_t *packed, int32_t index)
{
    const int32_t byte = (uint8_t)packed[index >> 1];
    const int32_t nibble = (index & 1) ? (byte >> 4) : (byte & 0x0F);
    return nibble > 7 ? nibble - 16 : nibble;
}

static arm_cmsis_nn_status stai_convolve_s4_direct(const cmsis_nn_conv_params *p,
                                                   const cmsis_nn_per_channel_quant_params *q,
                                                   const cmsis_nn_dims *input_dims,
                                                   const int8_t *input_data,
                                                   const cmsis_nn_dims *filter_dims,
                                                   const int8_t *filter_data,
                                                   const int32_t *bias_data,
                                                   const cmsis_nn_dims *output_dims,
                                                   int8_t *output_data)
{
    const int32_t in_h = input_dims->h, in_w = input_dims->w, in_c = input_dims->c;
    const int32_t k_h = filter_dims->h, k_w = filter_dims->w;
    const int32_t out_h = output_dims->h, out_w = output_dims->w, out_c = output_dims->c;
    if (filter_dims->c != in_c)
    {
        return ARM_CMSIS_NN_ARG_ERROR; /* grouped convolutions have no s4 kernel */
    }
    const int32_t per_oc = k_h * k_w * in_c;
    for (int32_t b = 0; b < input_dims->n; b++)
    {
        const int8_t *input_batch = input_data + b * in_h * in_w * in_c;
        for (int32_t oy = 0; oy < out_h; oy++)
        {
            const int32_t in_y0 = oy * p->stride.h - p->padding.h;
            for (int32_t ox = 0; ox < out_w; ox++)
            {
                const int32_t in_x0 = ox * p->stride.w - p->padding.w;
                int8_t *out = output_data + ((b * out_h + oy) * out_w + ox) * out_c;
                for (int32_t oc = 0; oc < out_c; oc++)
                {
                    int32_t acc = 0;
                    for (int32_t ky = 0; ky < k_h; ky++)
                    {
                        const int32_t y = in_y0 + ky * p->dilation.h;
                        if (y < 0 || y >= in_h)
                        {
                            continue;
                        }
                        for (int32_t kx = 0; kx < k_w; kx++)
                        {
                            const int32_t x = in_x0 + kx * p->dilation.w;
                            if (x < 0 || x >= in_w)
                            {
                                continue;
                            }
                            const int8_t *in = input_batch + (y * in_w + x) * in_c;
                            const int32_t first = oc * per_oc + (ky * k_w + kx) * in_c;
                            for (int32_t ic = 0; ic < in_c; ic++)
                            {
                                acc += ((int32_t)in[ic] + p->input_offset) * stai_s4_at(filter_data, first + ic);
                            }
                        }
                    }
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

arm_cmsis_nn_status arm_convolve_s4(const cmsis_nn_context *ctx,
                                    const cmsis_nn_conv_params *conv_params,
                                    const cmsis_nn_per_channel_quant_params *quant_params,
                                    const cmsis_nn_dims *input_dims,
                                    const int8_t *input_data,
                                    const cmsis_nn_dims *filter_dims,
                                    const int8_t *packed_filter_data,
                                    const cmsis_nn_dims *bias_dims,
                                    const int32_t *bias_data,
                                    const cmsis_nn_dims *output_dims,
                                    int8_t *output_data)
{
    (void)bias_dims;
    if (ctx == NULL || ctx->buf == NULL)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    return stai_convolve_s4_direct(conv_params,
                                   quant_params,
                                   input_dims,
                                   input_data,
                                   filter_dims,
                                   packed_filter_data,
                                   bias_data,
                                   output_dims,
                                   output_data);
}

arm_cmsis_nn_status arm_convolve_wrapper_s4(const cmsis_nn_context *ctx,
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
        /* 1x1 paths: no scratch buffer */
        return stai_convolve_s4_direct(
            p, quant_params, input_dims, input_data, filter_dims, filter_data, bias_data, output_dims, output_data);
    }
    if (input_dims->h == 1 && p->dilation.w == 1 && filter_dims->h == 1 && (p->stride.w * input_dims->c) % 4 == 0 &&
        same_depth)
    {
        /* 1xN path: the scratch buffer when CMSIS-NN's formula asks for one */
        return stai_convolve_s4_direct(
            p, quant_params, input_dims, input_data, filter_dims, filter_data, bias_data, output_dims, output_data);
    }
    return arm_convolve_s4(ctx,
                           p,
                           quant_params,
                           input_dims,
                           input_data,
                           filter_dims,
                           filter_data,
                           bias_dims,
                           bias_data,
                           output_dims,
                           output_data);
}
