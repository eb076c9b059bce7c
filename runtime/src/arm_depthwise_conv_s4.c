/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: arm_depthwise_conv_wrapper_s4 arm_depthwise_conv_s4 */
/* stai-requires: */
/*
 * Portable s4 depthwise convolution of the CMSIS-NN API: int8 activations, int4 filters
 * ([1, H, W, C_OUT]) packed two per byte, low nibble first, sign-extended, read in place;
 * any channel multiplier, dilation and batch count, bit-exact with TFLite Micro. The
 * wrapper's optimized path (multiplier 1, one batch, no dilation) takes a scratch buffer
 * in a CMSIS-NN build, so it refuses a NULL one here too.
 */
#include "arm_nnfunctions.h"
#include "arm_nnsupportfunctions.h"

static int32_t stai_s4_at(const int8_t *packed, int32_t index)
{
    const int32_t byte = (uint8_t)packed[index >> 1];
    const int32_t nibble = (index & 1) ? (byte >> 4) : (byte & 0x0F);
    return nibble > 7 ? nibble - 16 : nibble;
}

arm_cmsis_nn_status arm_depthwise_conv_s4(const cmsis_nn_context *ctx,
                                          const cmsis_nn_dw_conv_params *dw_conv_params,
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
    (void)ctx;
    (void)bias_dims;
    const cmsis_nn_dw_conv_params *p = dw_conv_params;
    const int32_t in_h = input_dims->h, in_w = input_dims->w, in_c = input_dims->c;
    const int32_t k_h = filter_dims->h, k_w = filter_dims->w;
    const int32_t out_h = output_dims->h, out_w = output_dims->w, out_c = output_dims->c;
    const int32_t ch_mult = p->ch_mult;
    if (ch_mult <= 0 || in_c * ch_mult != out_c)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
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
                    const int32_t ic = oc / ch_mult;
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
                            const int32_t in_val = input_batch[(y * in_w + x) * in_c + ic];
                            const int32_t f_val = stai_s4_at(filter_data, (ky * k_w + kx) * out_c + oc);
                            acc += (in_val + p->input_offset) * f_val;
                        }
                    }
                    if (bias_data != NULL)
                    {
                        acc += bias_data[oc];
                    }
                    acc = arm_nn_requantize(acc, quant_params->multiplier[oc], quant_params->shift[oc]);
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

arm_cmsis_nn_status arm_depthwise_conv_wrapper_s4(const cmsis_nn_context *ctx,
                                                  const cmsis_nn_dw_conv_params *dw_conv_params,
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
    const cmsis_nn_dw_conv_params *p = dw_conv_params;
    if (p->ch_mult == 1 && input_dims->n == 1 && p->dilation.w == 1 && p->dilation.h == 1 &&
        (ctx == NULL || ctx->buf == NULL))
    {
        return ARM_CMSIS_NN_ARG_ERROR; /* the optimized path's scratch buffer */
    }
    return arm_depthwise_conv_s4(ctx,
                                 dw_conv_params,
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
