/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_fully_connected_per_channel_s16 */
/* stai-requires: */
/*
 * FULLY_CONNECTED 16x8 with per-output multipliers and shifts, bit-exact with the TFLite
 * Micro reference kernel's per-channel path for int16 inputs and int64 biases. The body,
 * shared with arm_fully_connected_s16, is stai_fully_connected_s16 (stai_conv_s16.h).
 */
#include "stai_kernels_s16.h"

#include "stai_conv_s16.h"

arm_cmsis_nn_status stai_fully_connected_per_channel_s16(
    const cmsis_nn_context *ctx,
    const cmsis_nn_fc_params *fc_params,
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
    return stai_fully_connected_s16(fc_params, quant_params->multiplier, quant_params->shift, 1, input_dims,
                                    input_data, filter_dims, filter_data, bias_data, output_dims, output_data);
}
