/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_sequence_lstm_s8 stai_sequence_lstm_s16 stai_sequence_lstm_f32 */
/* stai-requires: stai_logistic_tanh_s16.c */
/*
 * UNIDIRECTIONAL_SEQUENCE_LSTM with its hidden and cell states kept between calls (the
 * caller's state buffer), with the integer arithmetic of TFLite Micro's reference kernel:
 *
 * - each gate k (input, forget, cell, output) is FC(x, W_k, bias_k) + FC(h, R_k), each FC
 *   requantized to int16 with the scale 2^-12 and saturated, their sum saturated to int16;
 * - the input, forget and output gates go through the int16 logistic, the cell gate through
 *   the int16 tanh (both with the output scale 2^-15);
 * - c = sat16(mul(f, c) + mul(i, g)) in the cell state's scale, clipped to +-cell_clip;
 * - h = mul(o, tanh(c)) in the hidden state's scale and zero point, copied to the output.
 *
 * The int8 kernel takes int8 activations and weights and int32 biases; the 16x8 kernel
 * int16 activations (zero point 0), int8 weights and int64 biases. Batches run one after
 * the other, each over its time steps (batch-major [B, T, F] or time-major [T, B, F]).
 */
#include "stai_fixedpoint.h"
#include "stai_kernels_recurrent.h"
#include "stai_kernels_s16.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

static int16_t stai_lstm_sat16(int32_t x)
{
    return (int16_t)stai_clamp_s32(x, INT16_MIN, INT16_MAX);
}

static int stai_lstm_bad_sizes(const stai_sequence_lstm_params *p)
{
    return p == NULL || p->batches < 1 || p->time_steps < 1 || p->features < 1 || p->units < 1;
}

/* Where step t of batch b starts, in units of one row of `width` values. */
static size_t stai_lstm_row(const stai_sequence_lstm_params *p, int32_t b, int32_t t)
{
    if (p->time_major)
    {
        return (size_t)t * (size_t)p->batches + (size_t)b;
    }
    return (size_t)b * (size_t)p->time_steps + (size_t)t;
}

/* The cell state update and the hidden state, shared by both integer kernels. gates holds
 * the four activated gates (i, f, g, o; units values each), work units values. */
static arm_cmsis_nn_status stai_lstm_update_s16(const stai_sequence_lstm_params *p,
                                                int16_t *gates,
                                                int16_t *cell,
                                                int16_t *work,
                                                const int16_t *sigmoid_table)
{
    const int32_t units = p->units;
    const int16_t *ig = gates;
    const int16_t *fg = gates + units;
    const int16_t *gg = gates + 2 * (size_t)units;
    for (int32_t j = 0; j < units; j++)
    {
        const int32_t kept = stai_lstm_sat16(
            stai_multiply_by_quantized_multiplier(fg[j] * cell[j], p->forget_multiplier, p->forget_shift));
        const int32_t added = stai_lstm_sat16(stai_multiply_by_quantized_multiplier(
            ig[j] * gg[j], p->input_gate_multiplier, p->input_gate_shift));
        int32_t c = stai_lstm_sat16(kept + added);
        if (p->cell_clip > 0)
        {
            c = stai_clamp_s32(c, -p->cell_clip, p->cell_clip);
        }
        cell[j] = (int16_t)c;
    }
    return stai_tanh_s16(cell, work, units, p->cell_tanh_multiplier, p->cell_tanh_shift, sigmoid_table);
}

/* Activate the four gates in place: logistic for i, f, o; tanh for the cell gate g. */
static arm_cmsis_nn_status stai_lstm_activate(int16_t *gates, int32_t units, const int16_t *sigmoid_table)
{
    for (int32_t k = 0; k < 4; k++)
    {
        int16_t *g = gates + (size_t)k * (size_t)units;
        const arm_cmsis_nn_status status =
            k == 2 ? stai_tanh_s16(g, g, units, 0, 0, sigmoid_table) : stai_logistic_s16(g, g, units, 0, 0, sigmoid_table);
        if (status != ARM_CMSIS_NN_SUCCESS)
        {
            return status;
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}

/* The sum of weights[i] * (values[i] + offset) over n values, int8 (wide 0) or int16
 * (wide 1): 64 bits hold every sum the 16x8 kernel makes, the int8 kernel's fit 32. */
static int64_t stai_lstm_dot(const int8_t *weights, const void *values, int32_t wide, int32_t offset, int32_t n)
{
    int64_t acc = 0;
    if (wide)
    {
        const int16_t *v = (const int16_t *)values;
        for (int32_t i = 0; i < n; i++)
        {
            acc += (int64_t)(weights[i] * (v[i] + offset));
        }
        return acc;
    }
    const int8_t *v = (const int8_t *)values;
    for (int32_t i = 0; i < n; i++)
    {
        acc += (int64_t)(weights[i] * (v[i] + offset));
    }
    return acc;
}

/* One FC of a gate requantized to int16 with the scale 2^-12: the 64-bit requantization
 * for the 16x8 kernel, the 32-bit one for the int8 kernel (whose sums fit 32 bits). */
static int32_t stai_lstm_requantize(int64_t acc, int32_t wide, int32_t multiplier, int32_t shift)
{
    return stai_lstm_sat16(wide ? stai_requantize_s64(acc, multiplier, shift)
                                : stai_multiply_by_quantized_multiplier((int32_t)acc, multiplier, shift));
}

/*
 * The body of both integer kernels. wide 0: int8 activations (input, hidden state and
 * output) and int32 biases; wide 1: int16 activations and int64 biases. Weights are int8
 * and the cell state int16 in both.
 */
static arm_cmsis_nn_status stai_lstm_integer(const stai_sequence_lstm_params *p,
                                             int32_t wide,
                                             const int32_t *gate_quant,
                                             const void *input,
                                             const int8_t *weights,
                                             const int8_t *recurrent,
                                             const void *bias,
                                             void *hidden_state,
                                             int16_t *cell_state,
                                             int16_t *scratch,
                                             const int16_t *sigmoid_table,
                                             void *output)
{
    if (stai_lstm_bad_sizes(p) || gate_quant == NULL || input == NULL || weights == NULL || recurrent == NULL ||
        hidden_state == NULL || cell_state == NULL || scratch == NULL || sigmoid_table == NULL || output == NULL)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    const int32_t units = p->units;
    const int32_t features = p->features;
    const size_t size = wide ? sizeof(int16_t) : sizeof(int8_t);
    const int32_t lo = wide ? INT16_MIN : INT8_MIN;
    const int32_t hi = wide ? INT16_MAX : INT8_MAX;
    int16_t *gates = scratch;
    int16_t *work = scratch + 4 * (size_t)units;
    for (int32_t b = 0; b < p->batches; b++)
    {
        uint8_t *h = (uint8_t *)hidden_state + (size_t)b * (size_t)units * size;
        int16_t *c = cell_state + (size_t)b * (size_t)units;
        for (int32_t t = 0; t < p->time_steps; t++)
        {
            const size_t row = stai_lstm_row(p, b, t);
            const uint8_t *x = (const uint8_t *)input + row * (size_t)features * size;
            for (int32_t k = 0; k < 4; k++)
            {
                const int32_t *q = gate_quant + 4 * k;
                for (int32_t j = 0; j < units; j++)
                {
                    const size_t r = (size_t)k * (size_t)units + (size_t)j;
                    int64_t acc = stai_lstm_dot(weights + r * (size_t)features, x, wide, p->input_offset, features);
                    if (bias != NULL)
                    {
                        acc += wide ? ((const int64_t *)bias)[r] : (int64_t)((const int32_t *)bias)[r];
                    }
                    const int64_t rec = stai_lstm_dot(recurrent + r * (size_t)units, h, wide, p->hidden_offset, units);
                    const int32_t a = stai_lstm_requantize(acc, wide, q[0], q[1]);
                    const int32_t z = stai_lstm_requantize(rec, wide, q[2], q[3]);
                    gates[r] = stai_lstm_sat16(a + z);
                }
            }
            arm_cmsis_nn_status status = stai_lstm_activate(gates, units, sigmoid_table);
            if (status == ARM_CMSIS_NN_SUCCESS)
            {
                status = stai_lstm_update_s16(p, gates, c, work, sigmoid_table);
            }
            if (status != ARM_CMSIS_NN_SUCCESS)
            {
                return status;
            }
            const int16_t *og = gates + 3 * (size_t)units;
            for (int32_t j = 0; j < units; j++)
            {
                const int32_t v = stai_clamp_s32(
                    p->hidden_zero_point +
                        stai_multiply_by_quantized_multiplier(og[j] * work[j], p->hidden_multiplier, p->hidden_shift),
                    lo,
                    hi);
                if (wide)
                {
                    ((int16_t *)(void *)h)[j] = (int16_t)v;
                }
                else
                {
                    ((int8_t *)h)[j] = (int8_t)v;
                }
            }
            memcpy((uint8_t *)output + row * (size_t)units * size, h, (size_t)units * size);
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}

arm_cmsis_nn_status stai_sequence_lstm_s8(const stai_sequence_lstm_params *p,
                                          const int32_t *gate_quant,
                                          const int8_t *input,
                                          const int8_t *weights,
                                          const int8_t *recurrent,
                                          const int32_t *bias,
                                          int8_t *hidden_state,
                                          int16_t *cell_state,
                                          int16_t *scratch,
                                          const int16_t *sigmoid_table,
                                          int8_t *output)
{
    return stai_lstm_integer(p, 0, gate_quant, input, weights, recurrent, bias, hidden_state, cell_state, scratch,
                             sigmoid_table, output);
}

arm_cmsis_nn_status stai_sequence_lstm_s16(const stai_sequence_lstm_params *p,
                                           const int32_t *gate_quant,
                                           const int16_t *input,
                                           const int8_t *weights,
                                           const int8_t *recurrent,
                                           const int64_t *bias,
                                           int16_t *hidden_state,
                                           int16_t *cell_state,
                                           int16_t *scratch,
                                           const int16_t *sigmoid_table,
                                           int16_t *output)
{
    return stai_lstm_integer(p, 1, gate_quant, input, weights, recurrent, bias, hidden_state, cell_state, scratch,
                             sigmoid_table, output);
}

/* TFLite's float logistic: 1 above the upper cut-off, exp(x) below the lower one. */
static float stai_lstm_logistic(float x)
{
    if (x > 16.619047164916992188f)
    {
        return 1.0f;
    }
    if (x < -9.0f)
    {
        return expf(x);
    }
    return 1.0f / (1.0f + expf(-x));
}

arm_cmsis_nn_status stai_sequence_lstm_f32(const stai_sequence_lstm_params *p,
                                           float cell_clip,
                                           const float *input,
                                           const float *weights,
                                           const float *recurrent,
                                           const float *bias,
                                           float *hidden_state,
                                           float *cell_state,
                                           float *scratch,
                                           float *output)
{
    if (stai_lstm_bad_sizes(p) || input == NULL || weights == NULL || recurrent == NULL || hidden_state == NULL ||
        cell_state == NULL || scratch == NULL || output == NULL)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    const int32_t units = p->units;
    const int32_t features = p->features;
    float *gates = scratch;
    for (int32_t b = 0; b < p->batches; b++)
    {
        float *h = hidden_state + (size_t)b * (size_t)units;
        float *c = cell_state + (size_t)b * (size_t)units;
        for (int32_t t = 0; t < p->time_steps; t++)
        {
            const size_t row = stai_lstm_row(p, b, t);
            const float *x = input + row * (size_t)features;
            for (int32_t r = 0; r < 4 * units; r++)
            {
                const float *w = weights + (size_t)r * (size_t)features;
                const float *rw = recurrent + (size_t)r * (size_t)units;
                float zx = 0.0f;
                for (int32_t f = 0; f < features; f++)
                {
                    zx += x[f] * w[f];
                }
                float zh = 0.0f;
                for (int32_t u = 0; u < units; u++)
                {
                    zh += h[u] * rw[u];
                }
                gates[r] = (zx + (bias != NULL ? bias[r] : 0.0f)) + zh;
            }
            for (int32_t j = 0; j < units; j++)
            {
                const float ig = stai_lstm_logistic(gates[j]);
                const float fg = stai_lstm_logistic(gates[units + j]);
                const float gg = tanhf(gates[2 * units + j]);
                float cj = fg * c[j] + ig * gg;
                if (cell_clip > 0.0f)
                {
                    cj = cj > cell_clip ? cell_clip : (cj < -cell_clip ? -cell_clip : cj);
                }
                c[j] = cj;
            }
            for (int32_t j = 0; j < units; j++)
            {
                h[j] = stai_lstm_logistic(gates[3 * units + j]) * tanhf(c[j]);
            }
            memcpy(output + row * (size_t)units, h, (size_t)units * sizeof(float));
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}
