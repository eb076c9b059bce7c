/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: arm_fully_connected_s4 */
/* stai-requires: */
/*
 * Portable s4 fully connected layer of the CMSIS-NN API: int8 activations, int4 weights
 * ([outputs, depth], packed two per byte over the whole tensor, low nibble first,
 * sign-extended), one multiplier and shift (per tensor), filter offset 0; bit-exact with
 * TFLite Micro. Takes no scratch buffer.
 */
#include "arm_nnfunctions.h"
#include "arm_nnsupportfunctions.h"

static int32_t stai_s4_at(const int8_t *packed, int32_t index)
{
    const int32_t byte = (uint8_t)packed[index >> 1];
    const int32_t nibble = (index & 1) ? (byte >> 4) : (byte & 0x0F);
    return nibble > 7 ? nibble - 16 : nibble;
}

arm_cmsis_nn_status arm_fully_connected_s4(const cmsis_nn_context *ctx,
                                           const cmsis_nn_fc_params *fc_params,
                                           const cmsis_nn_per_tensor_quant_params *quant_params,
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
    const int32_t depth = filter_dims->n;
    const int32_t outputs = output_dims->c;
    for (int32_t b = 0; b < input_dims->n; b++)
    {
        const int8_t *in = input_data + b * depth;
        int8_t *out = output_data + b * outputs;
        for (int32_t o = 0; o < outputs; o++)
        {
            int32_t acc = 0;
            for (int32_t d = 0; d < depth; d++)
            {
                acc += ((int32_t)in[d] + fc_params->input_offset) * stai_s4_at(filter_data, o * depth + d);
            }
            if (bias_data != NULL)
            {
                acc += bias_data[o];
            }
            acc = arm_nn_requantize(acc, quant_params->multiplier, quant_params->shift);
            acc += fc_params->output_offset;
            acc = MAX(acc, fc_params->activation.min);
            acc = MIN(acc, fc_params->activation.max);
            out[o] = (int8_t)acc;
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}
