/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: arm_fully_connected_s16 */
/* stai-requires: */
/*
 * Portable s16 fully connected of the CMSIS-NN API (int16 activations, int8 weights,
 * int64 bias, one multiplier for the tensor), bit-exact with the TFLite Micro reference:
 * out[b][o] = clamp(requantize_s64(bias[o] + sum_i in[b][i] * w[o][i])). The offsets are
 * 0 (symmetric int16 activations) and no scratch buffer is needed.
 */
#include "arm_nnfunctions.h"
#include "stai_kernels_s16.h"

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
    const int32_t depth = filter_dims->n;
    const int32_t outputs = output_dims->c;
    const int32_t lo = fc_params->activation.min;
    const int32_t hi = fc_params->activation.max;
    if (depth <= 0 || outputs <= 0 || input_dims->n < 0 || lo > hi || quant_params->shift > 7 ||
        quant_params->shift < -31 || quant_params->multiplier < 0)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    for (int32_t b = 0; b < input_dims->n; ++b)
    {
        const int16_t *row = input_data + (int64_t)b * depth;
        for (int32_t o = 0; o < outputs; ++o)
        {
            const int8_t *weights = filter_data + (int64_t)o * depth;
            int64_t acc = bias_data != NULL ? bias_data[o] : 0;
            for (int32_t i = 0; i < depth; ++i)
            {
                acc += (int64_t)((int32_t)row[i] * (int32_t)weights[i]);
            }
            int32_t value = stai_requantize_s64(acc, quant_params->multiplier, quant_params->shift);
            value = value < lo ? lo : (value > hi ? hi : value);
            output_data[(int64_t)b * outputs + o] = (int16_t)value;
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}
