/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: arm_fully_connected_s16 */
/* stai-requires: */
/*
 * Portable s16 fully connected of the CMSIS-NN API (int16 activations, int8 weights,
 * int64 bias, one multiplier for the tensor), bit-exact with the TFLite Micro reference:
 * out[b][o] = clamp(requantize_s64(bias[o] + sum_i in[b][i] * w[o][i])). The offsets are
 * 0 (symmetric int16 activations) and no scratch buffer is needed. The body, shared with
 * stai_fully_connected_per_channel_s16, is stai_fully_connected_s16 (stai_conv_s16.h).
 */
#include "arm_nnfunctions.h"
#include "stai_conv_s16.h"

arm_cmsis_nn_status arm_fully_connected_s16(const cmsis_nn_context *ctx,
                                            const cmsis_nn_fc_params *fc_params,
                                            const cmsis_nn_per_tensor_quant_params *quant_params,
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
    return stai_fully_connected_s16(fc_params, &quant_params->multiplier, &quant_params->shift, 0, input_dims,
                                    input_data, filter_dims, filter_data, bias_data, output_dims, output_data);
}
