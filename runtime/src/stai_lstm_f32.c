/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_lstm_f32 stai_lstm_cell_state_f32 */
/* stai-requires: */
/*
 * Float32 forward LSTM layer without state kept between calls: both states start at zero
 * for every batch. stai_lstm_f32 writes the states h, stai_lstm_cell_state_f32 the last
 * cell state c. Per time step t and unit j:
 *   z_k = bias[k*U + j] + sum_f weights[k*U + j, f] * x[t, f] + sum_u recurrent[k*U + j, u] * h[u]
 *   i = logistic(z_0), f = logistic(z_1), g = tanh(z_2), o = logistic(z_3)
 *   c[j] = f * c[j] + i * g, h'[j] = o * tanh(c[j])
 */
#include "stai_kernels_f32.h"
#include "stai_kernels_recurrent.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

static float logistic(float x)
{
    return 1.0f / (1.0f + expf(-x));
}

/* sum of a[k] * b[k] for k < n, added in order to `acc`. */
static float dot(float acc, const float *a, const float *b, int32_t n)
{
    for (int32_t k = 0; k < n; k++)
    {
        acc += a[k] * b[k];
    }
    return acc;
}

/* One time step: x (features values) and h (units values) -> c updated in place, h_new. */
static void step(const float *x,
                 int32_t features,
                 int32_t units,
                 const float *weights,
                 const float *recurrent,
                 const float *bias,
                 const float *h,
                 float *c,
                 float *h_new)
{
    for (int32_t j = 0; j < units; j++)
    {
        float z[4];
        for (int32_t k = 0; k < 4; k++)
        {
            const size_t row = (size_t)k * (size_t)units + (size_t)j;
            const float b = bias != NULL ? bias[row] : 0.0f;
            const float zx = dot(0.0f, weights + row * (size_t)features, x, features);
            z[k] = dot(zx, recurrent + row * (size_t)units, h, units) + b;
        }
        const float ig = logistic(z[0]);
        const float fg = logistic(z[1]);
        const float gg = tanhf(z[2]);
        const float og = logistic(z[3]);
        c[j] = fg * c[j] + ig * gg;
        h_new[j] = og * tanhf(c[j]);
    }
}

/* The layer; `cell_state`: the output is the last c instead of h. */
static arm_cmsis_nn_status run(const stai_lstm_params_f32 *params,
                               const cmsis_nn_dims *input_dims,
                               const float *input,
                               const float *weights,
                               const float *recurrent,
                               const float *bias,
                               float *state,
                               float *output,
                               int cell_state)
{
    if (params == NULL || input_dims == NULL || input == NULL || weights == NULL || recurrent == NULL ||
        state == NULL || output == NULL)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    const int32_t units = params->units;
    const int32_t batches = input_dims->n;
    const int32_t steps = input_dims->w;
    const int32_t features = input_dims->c;
    if (units < 1 || batches < 0 || steps < 1 || features < 1 || input_dims->h != 1 ||
        (cell_state && params->return_sequences))
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    float *h = state;
    float *c = state + units;
    float *h_new = state + 2 * (size_t)units;
    const size_t out_stride = params->return_sequences ? (size_t)steps * (size_t)units : (size_t)units;
    for (int32_t b = 0; b < batches; b++)
    {
        memset(state, 0, 2 * (size_t)units * sizeof(float));
        const float *xb = input + (size_t)b * (size_t)steps * (size_t)features;
        float *yb = output + (size_t)b * out_stride;
        for (int32_t t = 0; t < steps; t++)
        {
            step(xb + (size_t)t * (size_t)features, features, units, weights, recurrent, bias, h, c, h_new);
            memcpy(h, h_new, (size_t)units * sizeof(float));
            if (params->return_sequences)
            {
                memcpy(yb + (size_t)t * (size_t)units, h, (size_t)units * sizeof(float));
            }
        }
        if (!params->return_sequences)
        {
            memcpy(yb, cell_state ? c : h, (size_t)units * sizeof(float));
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}

arm_cmsis_nn_status stai_lstm_f32(const stai_lstm_params_f32 *params,
                                  const cmsis_nn_dims *input_dims,
                                  const float *input,
                                  const float *weights,
                                  const float *recurrent,
                                  const float *bias,
                                  float *state,
                                  float *output)
{
    return run(params, input_dims, input, weights, recurrent, bias, state, output, 0);
}

arm_cmsis_nn_status stai_lstm_cell_state_f32(const stai_lstm_params_f32 *params,
                                             const cmsis_nn_dims *input_dims,
                                             const float *input,
                                             const float *weights,
                                             const float *recurrent,
                                             const float *bias,
                                             float *state,
                                             float *output)
{
    return run(params, input_dims, input, weights, recurrent, bias, state, output, 1);
}
