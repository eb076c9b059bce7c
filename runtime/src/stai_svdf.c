/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_svdf_f32 stai_svdf_s8 stai_svdf_s8_state_s8 */
/* stai-requires: */
/* SVDF (float, int8 with an int16 or an int8 state), the arithmetic of TFLite Micro's
 * reference. */
#include "stai_kernels_state.h"
#include "stai_fixedpoint.h"

#include <stddef.h>

static int stai_svdf_bad(int32_t batch, int32_t input_size, int32_t filters, int32_t memory,
                         int32_t rank)
{
    return batch <= 0 || input_size <= 0 || filters <= 0 || memory <= 0 || rank <= 0 ||
           filters % rank != 0;
}

arm_cmsis_nn_status stai_svdf_f32(const float *input,
                                  const float *weights_feature,
                                  const float *weights_time,
                                  const float *bias,
                                  float *state,
                                  float *scratch,
                                  float *output,
                                  int32_t batch,
                                  int32_t input_size,
                                  int32_t filters,
                                  int32_t memory,
                                  int32_t rank,
                                  float act_min,
                                  float act_max)
{
    if (stai_svdf_bad(batch, input_size, filters, memory, rank))
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    const int32_t units = filters / rank;
    const int32_t total = batch * filters * memory;
    for (int32_t i = 0; i + 1 < total; i++)
    {
        state[i] = state[i + 1];
    }
    for (int32_t b = 0; b < batch; b++)
    {
        const float *row = input + b * input_size;
        for (int32_t f = 0; f < filters; f++)
        {
            const float *w = weights_feature + f * input_size;
            float dot = 0.0f;
            for (int32_t k = 0; k < input_size; k++)
            {
                dot += w[k] * row[k];
            }
            state[(b * filters + f) * memory + memory - 1] = dot;
        }
    }
    for (int32_t b = 0; b < batch; b++)
    {
        for (int32_t f = 0; f < filters; f++)
        {
            const float *s = state + (b * filters + f) * memory;
            const float *w = weights_time + f * memory;
            float dot = 0.0f;
            for (int32_t j = 0; j < memory; j++)
            {
                dot += w[j] * s[j];
            }
            scratch[b * filters + f] = dot;
        }
    }
    for (int32_t b = 0; b < batch; b++)
    {
        for (int32_t u = 0; u < units; u++)
        {
            float acc = bias != NULL ? bias[u] : 0.0f;
            for (int32_t r = 0; r < rank; r++)
            {
                acc += scratch[b * filters + u * rank + r];
            }
            acc = acc < act_min ? act_min : acc;
            acc = acc > act_max ? act_max : acc;
            output[b * units + u] = acc;
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}

/* The requantized feature dot product of one filter and one input row, saturated to
 * [lo, hi]. */
static int32_t stai_svdf_feature(const int8_t *w,
                                 const int8_t *row,
                                 int32_t input_size,
                                 int32_t input_zp,
                                 int32_t multiplier,
                                 int32_t shift,
                                 int32_t lo,
                                 int32_t hi)
{
    int32_t dot = 0;
    for (int32_t k = 0; k < input_size; k++)
    {
        dot += (int32_t)w[k] * ((int32_t)row[k] - input_zp);
    }
    dot = stai_multiply_by_quantized_multiplier(dot, multiplier, shift);
    dot = dot < lo ? lo : dot;
    return dot > hi ? hi : dot;
}

/* Each unit's bias plus the sums of its `rank` filters (`scratch`: batch * filters sums,
 * then batch * units accumulators), requantized to the int8 output. */
static void stai_svdf_s8_output(int32_t *scratch,
                                const int32_t *bias,
                                int8_t *output,
                                int32_t batch,
                                int32_t filters,
                                int32_t rank,
                                int32_t output_zp,
                                int32_t multiplier_2,
                                int32_t shift_2)
{
    const int32_t units = filters / rank;
    int32_t *unit_acc = scratch + batch * filters;
    for (int32_t b = 0; b < batch; b++)
    {
        for (int32_t u = 0; u < units; u++)
        {
            int32_t acc = bias != NULL ? bias[u] : 0;
            for (int32_t r = 0; r < rank; r++)
            {
                acc += scratch[b * filters + u * rank + r];
            }
            unit_acc[b * units + u] = acc;
        }
    }
    for (int32_t i = 0; i < batch * units; i++)
    {
        int32_t y = stai_multiply_by_quantized_multiplier(unit_acc[i], multiplier_2, shift_2);
        y += output_zp;
        y = y < -128 ? -128 : y;
        y = y > 127 ? 127 : y;
        output[i] = (int8_t)y;
    }
}

arm_cmsis_nn_status stai_svdf_s8(const int8_t *input,
                                 const int8_t *weights_feature,
                                 const int16_t *weights_time,
                                 const int32_t *bias,
                                 int16_t *state,
                                 int32_t *scratch,
                                 int8_t *output,
                                 int32_t batch,
                                 int32_t input_size,
                                 int32_t filters,
                                 int32_t memory,
                                 int32_t rank,
                                 int32_t input_zp,
                                 int32_t output_zp,
                                 int32_t multiplier_1,
                                 int32_t shift_1,
                                 int32_t multiplier_2,
                                 int32_t shift_2)
{
    if (stai_svdf_bad(batch, input_size, filters, memory, rank))
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    const int32_t total = batch * filters * memory;
    for (int32_t i = 0; i + 1 < total; i++)
    {
        state[i] = state[i + 1];
    }
    for (int32_t b = 0; b < batch; b++)
    {
        for (int32_t f = 0; f < filters; f++)
        {
            state[(b * filters + f) * memory + memory - 1] =
                (int16_t)stai_svdf_feature(weights_feature + f * input_size,
                                           input + b * input_size,
                                           input_size,
                                           input_zp,
                                           multiplier_1,
                                           shift_1,
                                           INT16_MIN,
                                           INT16_MAX);
        }
    }
    for (int32_t b = 0; b < batch; b++)
    {
        for (int32_t f = 0; f < filters; f++)
        {
            const int16_t *st = state + (b * filters + f) * memory;
            const int16_t *w = weights_time + f * memory;
            int32_t dot = 0;
            for (int32_t j = 0; j < memory; j++)
            {
                dot += (int32_t)w[j] * (int32_t)st[j];
            }
            scratch[b * filters + f] = dot;
        }
    }
    stai_svdf_s8_output(
        scratch, bias, output, batch, filters, rank, output_zp, multiplier_2, shift_2);
    return ARM_CMSIS_NN_SUCCESS;
}

arm_cmsis_nn_status stai_svdf_s8_state_s8(const int8_t *input,
                                          const int8_t *weights_feature,
                                          const int8_t *weights_time,
                                          const int32_t *bias,
                                          int8_t *state,
                                          int32_t *scratch,
                                          int8_t *output,
                                          int32_t batch,
                                          int32_t input_size,
                                          int32_t filters,
                                          int32_t memory,
                                          int32_t rank,
                                          int32_t input_zp,
                                          int32_t output_zp,
                                          int32_t multiplier_1,
                                          int32_t shift_1,
                                          int32_t multiplier_2,
                                          int32_t shift_2,
                                          int32_t state_zp)
{
    if (stai_svdf_bad(batch, input_size, filters, memory, rank))
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    const int32_t total = batch * filters * memory;
    for (int32_t i = 0; i + 1 < total; i++)
    {
        state[i] = state[i + 1];
    }
    for (int32_t b = 0; b < batch; b++)
    {
        for (int32_t f = 0; f < filters; f++)
        {
            int32_t v = state_zp + stai_svdf_feature(weights_feature + f * input_size,
                                                     input + b * input_size,
                                                     input_size,
                                                     input_zp,
                                                     multiplier_1,
                                                     shift_1,
                                                     INT8_MIN,
                                                     INT8_MAX);
            /* The entry keeps the sum modulo 256, as the reference's store into an int8. */
            v = ((v + 128) & 255) - 128;
            state[(b * filters + f) * memory + memory - 1] = (int8_t)v;
        }
    }
    for (int32_t b = 0; b < batch; b++)
    {
        for (int32_t f = 0; f < filters; f++)
        {
            const int8_t *st = state + (b * filters + f) * memory;
            const int8_t *w = weights_time + f * memory;
            int32_t dot = 0;
            for (int32_t j = 0; j < memory; j++)
            {
                dot += (int32_t)w[j] * ((int32_t)st[j] - state_zp);
            }
            scratch[b * filters + f] = dot;
        }
    }
    stai_svdf_s8_output(
        scratch, bias, output, batch, filters, rank, output_zp, multiplier_2, shift_2);
    return ARM_CMSIS_NN_SUCCESS;
}
