/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: arm_depthwise_conv_s16 arm_depthwise_conv_wrapper_s16 */
/* stai-requires: */
/*
 * Portable s16 depthwise convolution of the CMSIS-NN API (16x8 models: int16 activations,
 * int8 weights, int64 or int32 bias, offsets 0), bit-exact with the TFLite Micro
 * reference's per-channel int16 depthwise convolution: output channel i * ch_mult + m
 * reads input channel i; a 64-bit accumulator over the window (pixels outside the image
 * skipped), the bias, the 64-bit requantization of the channel and the activation clamp.
 * No scratch buffer is used; the wrapper has one path.
 */
#include "arm_nnfunctions.h"
#include "stai_kernels_s16.h"

arm_cmsis_nn_status arm_depthwise_conv_s16(const cmsis_nn_context *ctx,
                                           const cmsis_nn_dw_conv_params *dw_conv_params,
                                           const cmsis_nn_per_channel_quant_params *quant_params,
                                           const cmsis_nn_dims *input_dims,
                                           const int16_t *input_data,
                                           const cmsis_nn_dims *filter_dims,
                                           const int8_t *filter_data,
                                           const cmsis_nn_dims *bias_dims,
                                           const int64_t *bias_data,
                                           const cmsis_nn_dims *output_dims,
                                           int16_t *output_data)
{
    (void)ctx;
    (void)bias_dims;
    const int32_t batches = input_dims->n;
    const int32_t in_h = input_dims->h;
    const int32_t in_w = input_dims->w;
    const int32_t in_c = input_dims->c;
    const int32_t k_h = filter_dims->h;
    const int32_t k_w = filter_dims->w;
    const int32_t out_h = output_dims->h;
    const int32_t out_w = output_dims->w;
    const int32_t out_c = output_dims->c;
    const int32_t ch_mult = dw_conv_params->ch_mult;
    const int32_t lo = dw_conv_params->activation.min;
    const int32_t hi = dw_conv_params->activation.max;
    if (batches < 0 || in_c <= 0 || k_h <= 0 || k_w <= 0 || ch_mult <= 0 || out_c != in_c * ch_mult ||
        dw_conv_params->stride.h <= 0 || dw_conv_params->stride.w <= 0 || dw_conv_params->dilation.h <= 0 ||
        dw_conv_params->dilation.w <= 0 || lo > hi)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    for (int32_t o = 0; o < out_c; ++o)
    {
        if (quant_params->shift[o] > 7 || quant_params->shift[o] < -31 || quant_params->multiplier[o] < 0)
        {
            return ARM_CMSIS_NN_ARG_ERROR;
        }
    }
    for (int32_t b = 0; b < batches; ++b)
    {
        const int16_t *image = input_data + (int64_t)b * in_h * in_w * in_c;
        int16_t *result = output_data + (int64_t)b * out_h * out_w * out_c;
        for (int32_t oy = 0; oy < out_h; ++oy)
        {
            const int32_t y0 = oy * dw_conv_params->stride.h - dw_conv_params->padding.h;
            for (int32_t ox = 0; ox < out_w; ++ox)
            {
                const int32_t x0 = ox * dw_conv_params->stride.w - dw_conv_params->padding.w;
                for (int32_t o = 0; o < out_c; ++o)
                {
                    const int32_t ic = o / ch_mult;
                    int64_t acc = 0;
                    for (int32_t ky = 0; ky < k_h; ++ky)
                    {
                        const int32_t iy = y0 + ky * dw_conv_params->dilation.h;
                        if (iy < 0 || iy >= in_h)
                        {
                            continue;
                        }
                        for (int32_t kx = 0; kx < k_w; ++kx)
                        {
                            const int32_t ix = x0 + kx * dw_conv_params->dilation.w;
                            if (ix < 0 || ix >= in_w)
                            {
                                continue;
                            }
                            const int32_t value = image[((int64_t)iy * in_w + ix) * in_c + ic];
                            const int32_t tap = filter_data[((int64_t)ky * k_w + kx) * out_c + o];
                            acc += (int64_t)(value * tap);
                        }
                    }
                    if (bias_data != NULL)
                    {
                        acc += bias_data[o];
                    }
                    int32_t out = stai_requantize_s64(acc, quant_params->multiplier[o], quant_params->shift[o]);
                    out = out < lo ? lo : (out > hi ? hi : out);
                    result[((int64_t)oy * out_w + ox) * out_c + o] = (int16_t)out;
                }
            }
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}

arm_cmsis_nn_status arm_depthwise_conv_wrapper_s16(const cmsis_nn_context *ctx,
                                                   const cmsis_nn_dw_conv_params *dw_conv_params,
                                                   const cmsis_nn_per_channel_quant_params *quant_params,
                                                   const cmsis_nn_dims *input_dims,
                                                   const int16_t *input_data,
                                                   const cmsis_nn_dims *filter_dims,
                                                   const int8_t *filter_data,
                                                   const cmsis_nn_dims *bias_dims,
                                                   const int64_t *bias_data,
                                                   const cmsis_nn_dims *output_dims,
                                                   int16_t *output_data)
{
    return arm_depthwise_conv_s16(ctx,
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
