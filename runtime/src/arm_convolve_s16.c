/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: arm_convolve_s16 arm_convolve_wrapper_s16 */
/* stai-requires: */
/*
 * Portable s16 convolution of the CMSIS-NN API (16x8 models: int16 activations, int8
 * weights, int64 or int32 bias, offsets 0), bit-exact with the TFLite Micro reference's
 * per-channel int16 convolution: a 64-bit accumulator over the filter window (input
 * pixels outside the image are skipped), the bias added, then the 64-bit requantization
 * of each output channel and the activation clamp. No scratch buffer is used; the
 * wrapper has one path. The body, shared with the depthwise convolution, is
 * stai_conv_s16 (stai_conv_s16.h).
 */
#include "arm_nnfunctions.h"
#include "stai_conv_s16.h"

arm_cmsis_nn_status arm_convolve_s16(const cmsis_nn_context *ctx,
                                     const cmsis_nn_conv_params *conv_params,
                                     const cmsis_nn_per_channel_quant_params *quant_params,
                                     const cmsis_nn_dims *input_dims,
                                     const int16_t *input_data,
                                     const cmsis_nn_dims *filter_dims,
                                     const int8_t *filter_data,
                                     const cmsis_nn_dims *bias_dims,
                                     const cmsis_nn_bias_data *bias_data,
                                     const cmsis_nn_dims *output_dims,
                                     int16_t *output_data)
{
    (void)ctx;
    (void)bias_dims;
    const stai_conv_s16_shape shape =
        stai_conv_s16_shape_of(input_dims, filter_dims, output_dims, conv_params->stride, conv_params->padding,
                               conv_params->dilation, conv_params->activation, 0, 1);
    const void *bias = bias_data != NULL ? bias_data->data : NULL;
    const int32_t bias_32 = bias_data != NULL && bias_data->is_int32_bias;
    return stai_conv_s16(&shape, quant_params, input_data, filter_data, bias, bias_32, output_data);
}

arm_cmsis_nn_status arm_convolve_wrapper_s16(const cmsis_nn_context *ctx,
                                             const cmsis_nn_conv_params *conv_params,
                                             const cmsis_nn_per_channel_quant_params *quant_params,
                                             const cmsis_nn_dims *input_dims,
                                             const int16_t *input_data,
                                             const cmsis_nn_dims *filter_dims,
                                             const int8_t *filter_data,
                                             const cmsis_nn_dims *bias_dims,
                                             const cmsis_nn_bias_data *bias_data,
                                             const cmsis_nn_dims *output_dims,
                                             int16_t *output_data)
{
    return arm_convolve_s16(ctx,
                            conv_params,
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
