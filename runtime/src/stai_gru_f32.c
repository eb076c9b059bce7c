/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_gru_f32 */
/* stai-requires: */
/*
 * Float32 GRU layer (stai_kernels_recurrent.h). Per batch item the state h starts from the
 * initial state (or zeros); per time step t and unit j, with rows z = j, r = U + j,
 * n = 2 * U + j of the weights:
 *   z = logistic(W[z] . x + b[z] + R[z] . h + rb[z]), r likewise
 *   n = tanh(W[n] . x + b[n] + R[n] . (r * h) + rb[n])     (linear_before_reset = 0)
 *   n = tanh(W[n] . x + b[n] + r * (R[n] . h + rb[n]))     (linear_before_reset = 1)
 *   h'[j] = (1 - z) * n + z * h[j]
 */
#include "stai_kernels_recurrent.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

static float logistic(float x)
{
    return 1.0f / (1.0f + expf(-x));
}

/* sum of a[k] * b[k] for k < n, added in order. */
static float dot(const float *a, const float *b, int32_t n)
{
    float acc = 0.0f;
    for (int32_t k = 0; k < n; k++)
    {
        acc += a[k] * b[k];
    }
    return acc;
}

/* v[i], or 0 for a missing vector. */
static float at(const float *v, size_t i)
{
    return v != NULL ? v[i] : 0.0f;
}

/* One gate's pre-activation from the input: W[row] . x + b[row]. */
static float from_input(const float *weights, const float *bias, size_t row, const float *x, int32_t features)
{
    return dot(weights + row * (size_t)features, x, features) + at(bias, row);
}

/* One gate's pre-activation from a state vector v: R[row] . v + rb[row]. */
static float from_state(const float *recurrent, const float *recurrent_bias, size_t row, const float *v, int32_t units)
{
    return dot(recurrent + row * (size_t)units, v, units) + at(recurrent_bias, row);
}

/* One time step: x (features values) and h (units values) -> h_new; rh: units floats. */
static void step(const stai_gru_params_f32 *params,
                 const float *x,
                 int32_t features,
                 const float *weights,
                 const float *recurrent,
                 const float *bias,
                 const float *recurrent_bias,
                 const float *h,
                 float *h_new,
                 float *rh)
{
    const int32_t units = params->units;
    const size_t u = (size_t)units;
    if (!params->linear_before_reset)
    {
        /* The candidate reads r * h whole: every reset gate first. */
        for (size_t j = 0; j < u; j++)
        {
            const float zr = from_input(weights, bias, u + j, x, features) +
                             from_state(recurrent, recurrent_bias, u + j, h, units);
            rh[j] = logistic(zr) * h[j];
        }
    }
    for (size_t j = 0; j < u; j++)
    {
        const float z = logistic(from_input(weights, bias, j, x, features) +
                                 from_state(recurrent, recurrent_bias, j, h, units));
        const float xn = from_input(weights, bias, 2 * u + j, x, features);
        float n;
        if (params->linear_before_reset)
        {
            const float r = logistic(from_input(weights, bias, u + j, x, features) +
                                     from_state(recurrent, recurrent_bias, u + j, h, units));
            n = tanhf(xn + r * from_state(recurrent, recurrent_bias, 2 * u + j, h, units));
        }
        else
        {
            n = tanhf(xn + from_state(recurrent, recurrent_bias, 2 * u + j, rh, units));
        }
        h_new[j] = (1.0f - z) * n + z * h[j];
    }
}

arm_cmsis_nn_status stai_gru_f32(const stai_gru_params_f32 *params,
                                 const cmsis_nn_dims *input_dims,
                                 const float *input,
                                 const float *weights,
                                 const float *recurrent,
                                 const float *bias,
                                 const float *recurrent_bias,
                                 const float *initial_state,
                                 float *state,
                                 float *output)
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
    if (units < 1 || batches < 0 || steps < 1 || features < 1 || input_dims->h != 1)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    const size_t u = (size_t)units;
    float *h = state;
    float *h_new = state + u;
    float *rh = state + 2 * u;
    const size_t out_stride = params->return_sequences ? (size_t)steps * u : u;
    for (int32_t b = 0; b < batches; b++)
    {
        if (initial_state != NULL)
        {
            memcpy(h, initial_state + (size_t)b * u, u * sizeof(float));
        }
        else
        {
            memset(h, 0, u * sizeof(float));
        }
        const float *xb = input + (size_t)b * (size_t)steps * (size_t)features;
        float *yb = output + (size_t)b * out_stride;
        for (int32_t t = 0; t < steps; t++)
        {
            step(params, xb + (size_t)t * (size_t)features, features, weights, recurrent, bias, recurrent_bias, h,
                 h_new, rh);
            memcpy(h, h_new, u * sizeof(float));
            if (params->return_sequences)
            {
                memcpy(yb + (size_t)t * u, h, u * sizeof(float));
            }
        }
        if (!params->return_sequences)
        {
            memcpy(yb, h, u * sizeof(float));
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}
