/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_fully_connected_hybrid_f32 */
/* stai-requires: stai_hybrid_quantize_f32.c */
/*
 * Hybrid (dynamic-range) fully connected: float32 activations, int8 weights.
 *
 * Each input row is quantized to int8 on the fly (symmetric, or asymmetric with a zero
 * point when params->asymmetric_inputs is set; see stai_hybrid_quantize_f32.c), the products
 * with the int8 weights are summed in int32 (minus zero point x row sum of the weights,
 * which is what summing w * (q - zero_point) gives), and the sum is scaled back to float:
 *
 *   scale  = row_scale * filter_scale      (one filter scale, or filter_scale[o] per output)
 *   out    = act(bias[o] + (float)acc * scale)
 *
 * These are the steps, and the float rounding points, of the TFLite reference hybrid fully
 * connected kernel. The int8 weights stay one byte each.
 */
#include "stai_kernels_f32.h"

#include <stddef.h>

#define STAI_HYBRID_ROW_HEADER_BYTES 8 /* per row: float scale + int32 zero point */

static float clamp_f32(float value, float lo, float hi)
{
    if (value < lo)
    {
        value = lo;
    }
    if (value > hi)
    {
        value = hi;
    }
    return value;
}

/* One output row: out[o] = act(bias[o] + acc(o) * scale(o)). */
static void hybrid_row(const stai_fc_hybrid_params_f32 *params,
                       const stai_hybrid_quant_params_f32 *quant,
                       const int8_t *q_row,
                       float row_scale,
                       int32_t zero_point,
                       const int8_t *filter,
                       int32_t depth,
                       const float *bias,
                       int32_t outputs,
                       float *out)
{
    const int per_channel = quant->num_scales != 1;
    for (int32_t o = 0; o < outputs; o++)
    {
        const int8_t *w = filter + (size_t)o * depth;
        int32_t acc = 0;
        for (int32_t d = 0; d < depth; d++)
        {
            acc += (int32_t)w[d] * ((int32_t)q_row[d] - zero_point);
        }
        const float scale = row_scale * (per_channel ? quant->scales[o] : quant->scales[0]);
        const float start = bias != NULL ? bias[o] : 0.0f;
        out[o] = clamp_f32(start + (float)acc * scale, params->act_min, params->act_max);
    }
}

arm_cmsis_nn_status stai_fully_connected_hybrid_f32(const cmsis_nn_context *ctx,
                                                    const stai_fc_hybrid_params_f32 *params,
                                                    const stai_hybrid_quant_params_f32 *quant,
                                                    const cmsis_nn_dims *input_dims,
                                                    const float *input,
                                                    const cmsis_nn_dims *filter_dims,
                                                    const int8_t *filter,
                                                    const cmsis_nn_dims *bias_dims,
                                                    const float *bias,
                                                    const cmsis_nn_dims *output_dims,
                                                    float *output)
{
    (void)bias_dims;
    if (ctx == NULL || ctx->buf == NULL || params == NULL || quant == NULL || quant->scales == NULL ||
        input_dims == NULL || input == NULL || filter_dims == NULL || filter == NULL || output_dims == NULL ||
        output == NULL)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    const int32_t rows = input_dims->n;
    const int32_t depth = filter_dims->n;
    const int32_t outputs = filter_dims->c;
    if (rows < 1 || depth < 1 || outputs < 1 || output_dims->c != outputs ||
        (quant->num_scales != 1 && quant->num_scales != outputs) ||
        ctx->size < rows * (STAI_HYBRID_ROW_HEADER_BYTES + depth))
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }

    /* Scratch: per row a float scale and an int32 zero point, then the int8 rows. */
    float *row_scales = (float *)ctx->buf;
    int32_t *row_zps = (int32_t *)(row_scales + rows);
    int8_t *q_input = (int8_t *)(row_zps + rows);
    for (int32_t r = 0; r < rows; r++)
    {
        const float *x = input + (size_t)r * depth;
        int8_t *q = q_input + (size_t)r * depth;
        (void)stai_hybrid_quantize_f32(x, depth, params->asymmetric_inputs != 0, q, &row_scales[r], &row_zps[r]);
    }
    for (int32_t r = 0; r < rows; r++)
    {
        hybrid_row(params, quant, q_input + (size_t)r * depth, row_scales[r], row_zps[r], filter, depth, bias,
                   outputs, output + (size_t)r * outputs);
    }
    return ARM_CMSIS_NN_SUCCESS;
}
