/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_rnn_f32 */
/* stai-requires: */
/*
 * Float32 simple (Elman) RNN layer (stai_kernels_recurrent.h). Per batch item the state h
 * starts from the initial state (or zeros); per time step and unit j:
 *   h'[j] = activation(W[j] . x + R[j] . h + bias[j])
 */
#include "stai_kernels_recurrent.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

/* sum of a[k] * b[k] for k < n, added in order to `acc`. */
static float dot(float acc, const float *a, const float *b, int32_t n)
{
    for (int32_t k = 0; k < n; k++)
    {
        acc += a[k] * b[k];
    }
    return acc;
}

static float activate(int32_t activation, float v)
{
    switch (activation)
    {
    case STAI_RNN_RELU:
        return v > 0.0f ? v : 0.0f;
    case STAI_RNN_SIGMOID:
        return 1.0f / (1.0f + expf(-v));
    case STAI_RNN_LINEAR:
        return v;
    default:
        return tanhf(v);
    }
}

arm_cmsis_nn_status stai_rnn_f32(const stai_rnn_params_f32 *params,
                                 const cmsis_nn_dims *input_dims,
                                 const float *input,
                                 const float *weights,
                                 const float *recurrent,
                                 const float *bias,
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
    if (units < 1 || batches < 0 || steps < 1 || features < 1 || input_dims->h != 1 ||
        params->activation < STAI_RNN_TANH || params->activation > STAI_RNN_LINEAR)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    const size_t u = (size_t)units;
    float *h = state;
    float *h_new = state + u;
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
            const float *x = xb + (size_t)t * (size_t)features;
            for (size_t j = 0; j < u; j++)
            {
                const float zx = dot(bias != NULL ? bias[j] : 0.0f, weights + j * (size_t)features, x, features);
                h_new[j] = activate(params->activation, dot(zx, recurrent + j * u, h, units));
            }
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
