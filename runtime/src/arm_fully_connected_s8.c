/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: arm_fully_connected_s8 arm_fully_connected_per_channel_s8 arm_vector_sum_s8 */
/* stai-requires: */
/*
 * Portable s8 fully connected of the CMSIS-NN API, bit-exact with the TFLite Micro
 * reference: out[b][o] = requant(bias[o] + sum_i (in[b][i] + input_offset) *
 * (w[o][i] + filter_offset)) + output_offset, clamped. The scratch buffer (kernel sums,
 * used by Helium builds) is not needed here and may be NULL.
 */
#include "arm_nnfunctions.h"
#include "arm_nnsupportfunctions.h"

/* Accumulator of one output value, bias included. */
static int32_t stai_fc_dot(const cmsis_nn_fc_params *p,
                           const int8_t *input_row,
                           const int8_t *filter_row,
                           int32_t depth,
                           const int32_t *bias_data,
                           int32_t out_ch)
{
    int32_t acc = 0;
    for (int32_t i = 0; i < depth; i++)
    {
        acc += ((int32_t)input_row[i] + p->input_offset) * ((int32_t)filter_row[i] + p->filter_offset);
    }
    if (bias_data != NULL)
    {
        acc += bias_data[out_ch];
    }
    return acc;
}

/* Shared loop of both variants; per_channel selects multiplier[o] over multiplier[0]. */
static void stai_fc_s8(const cmsis_nn_fc_params *p,
                       const int32_t *multiplier,
                       const int32_t *shift,
                       bool per_channel,
                       const cmsis_nn_dims *input_dims,
                       const int8_t *input_data,
                       const cmsis_nn_dims *filter_dims,
                       const int8_t *filter_data,
                       const int32_t *bias_data,
                       const cmsis_nn_dims *output_dims,
                       int8_t *output_data)
{
    const int32_t depth = filter_dims->n;
    const int32_t out_c = output_dims->c;
    for (int32_t b = 0; b < input_dims->n; b++)
    {
        const int8_t *input_row = input_data + b * depth;
        for (int32_t o = 0; o < out_c; o++)
        {
            const int32_t k = per_channel ? o : 0;
            int32_t acc = stai_fc_dot(p, input_row, filter_data + o * depth, depth, bias_data, o);
            acc = arm_nn_requantize(acc, multiplier[k], shift[k]);
            acc += p->output_offset;
            acc = MAX(acc, p->activation.min);
            acc = MIN(acc, p->activation.max);
            output_data[b * out_c + o] = (int8_t)acc;
        }
    }
}

arm_cmsis_nn_status arm_fully_connected_s8(const cmsis_nn_context *ctx,
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
    stai_fc_s8(fc_params,
               &quant_params->multiplier,
               &quant_params->shift,
               false,
               input_dims,
               input_data,
               filter_dims,
               filter_data,
               bias_data,
               output_dims,
               output_data);
    return ARM_CMSIS_NN_SUCCESS;
}

arm_cmsis_nn_status arm_fully_connected_per_channel_s8(const cmsis_nn_context *ctx,
                                                       const cmsis_nn_fc_params *fc_params,
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
    stai_fc_s8(fc_params,
               quant_params->multiplier,
               quant_params->shift,
               true,
               input_dims,
               input_data,
               filter_dims,
               filter_data,
               bias_data,
               output_dims,
               output_data);
    return ARM_CMSIS_NN_SUCCESS;
}

arm_cmsis_nn_status arm_vector_sum_s8(int32_t *vector_sum_buf,
                                      const int32_t vector_cols,
                                      const int32_t vector_rows,
                                      const int8_t *vector_data,
                                      const int32_t lhs_offset,
                                      const int32_t rhs_offset,
                                      const int32_t *bias_data)
{
    for (int32_t r = 0; r < vector_rows; r++)
    {
        int32_t sum = 0;
        for (int32_t c = 0; c < vector_cols; c++)
        {
            sum += vector_data[r * vector_cols + c];
        }
        sum += vector_cols * rhs_offset;
        vector_sum_buf[r] = (bias_data != NULL ? bias_data[r] : 0) + sum * lhs_offset;
    }
    return ARM_CMSIS_NN_SUCCESS;
}
