/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: arm_depthwise_conv_s16 arm_depthwise_conv_wrapper_s16 */
/* stai-requires: */
/*
 * Portable s16 depthwise convolution of the CMSIS-NN API (16x8 models: int16
 * activations, int8 weights, int64 or int32 bias, offsets 0), bit-exact with the TFLite
 * Micro reference's per-channel int16 depthwise convolution: output channel i * ch_mult
 * + m reads input channel i; a 64-bit accumulator over the window (pixels outside the
 * image skipped), the bias, the 64-bit requantization of the channel and the activation
 * clamp. No scratch buffer is used; the wrapper has one path. The body, shared with the
 * regular convolution, is stai_conv_s16 (stai_conv_s16.h).
 */
#include "arm_nnfunctions.h"
#include "stai_conv_s16.h"

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
    const stai_conv_s16_shape shape =
        stai_conv_s16_shape_of(input_dims, filter_dims, output_dims, dw_conv_params->stride, dw_conv_params->padding,
                               dw_conv_params->dilation, dw_conv_params->activation, 1, dw_conv_params->ch_mult);
    return stai_conv_s16(&shape, quant_params, input_data, filter_data, bias_data, 0, output_data);
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
