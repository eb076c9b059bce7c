/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: arm_depthwise_conv_wrapper_s8 arm_depthwise_conv_s8 */
/* stai-requires: */
/*
 * Portable s8 depthwise convolution of the CMSIS-NN API: a direct loop nest, bit-exact
 * with the TFLite Micro reference (per-channel requantization, channel multiplier,
 * padding, stride, dilation, batches). Output channel m + i * ch_mult reads input
 * channel i; the filter is [1, KH, KW, C_OUT].
 */
#include "arm_nnfunctions.h"
#include "arm_nnsupportfunctions.h"

/* Sum over the filter window of one output channel, before bias and requantization. */
static int32_t stai_dw_window_sum(const cmsis_nn_dw_conv_params *p,
                                  const cmsis_nn_dims *input_dims,
                                  const int8_t *input_batch,
                                  const cmsis_nn_dims *filter_dims,
                                  const int8_t *filter_data,
                                  int32_t in_ch,
                                  int32_t out_ch,
                                  int32_t out_c,
                                  int32_t in_y0,
                                  int32_t in_x0)
{
    int32_t acc = 0;
    for (int32_t ky = 0; ky < filter_dims->h; ky++)
    {
        const int32_t y = in_y0 + ky * p->dilation.h;
        if (y < 0 || y >= input_dims->h)
        {
            continue;
        }
        for (int32_t kx = 0; kx < filter_dims->w; kx++)
        {
            const int32_t x = in_x0 + kx * p->dilation.w;
            if (x < 0 || x >= input_dims->w)
            {
                continue;
            }
            const int32_t in_val = input_batch[(y * input_dims->w + x) * input_dims->c + in_ch];
            const int32_t f_val = filter_data[(ky * filter_dims->w + kx) * out_c + out_ch];
            acc += (in_val + p->input_offset) * f_val;
        }
    }
    return acc;
}

arm_cmsis_nn_status arm_depthwise_conv_s8(const cmsis_nn_context *ctx,
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
    const int32_t in_c = input_dims->c;
    const int32_t out_c = output_dims->c;
    const int32_t ch_mult = p->ch_mult;
    if (ch_mult <= 0 || in_c * ch_mult != out_c)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    for (int32_t b = 0; b < input_dims->n; b++)
    {
        const int8_t *input_batch = input_data + b * input_dims->h * input_dims->w * in_c;
        for (int32_t oy = 0; oy < output_dims->h; oy++)
        {
            const int32_t in_y0 = oy * p->stride.h - p->padding.h;
            for (int32_t ox = 0; ox < output_dims->w; ox++)
            {
                const int32_t in_x0 = ox * p->stride.w - p->padding.w;
                int8_t *out = output_data + ((b * output_dims->h + oy) * output_dims->w + ox) * out_c;
                for (int32_t oc = 0; oc < out_c; oc++)
                {
                    int32_t acc = stai_dw_window_sum(
                        p, input_dims, input_batch, filter_dims, filter_data, oc / ch_mult, oc, out_c, in_y0, in_x0);
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

arm_cmsis_nn_status arm_depthwise_conv_wrapper_s8(const cmsis_nn_context *ctx,
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
    /* Every path of a plain-C build computes the same values and needs no scratch buffer. */
    return arm_depthwise_conv_s8(ctx,
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
