/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_logistic_f32 stai_tanh_f32 stai_clamp_f32 stai_leaky_relu_f32 stai_hard_swish_f32 */
/* stai-requires: */
/*
 * Float32 element-wise activations. Each reads in[i] before writing out[i], so they may
 * run in place.
 */
#include "stai_kernels_f32.h"

#include <math.h>
#include <stddef.h>

/* Beyond these inputs the logistic is taken as 1 (above) or as exp(x) (below), as the
 * TFLite float reference does; the error is below float resolution. */
#define LOGISTIC_UPPER_CUTOFF 16.619047164916992188f
#define LOGISTIC_LOWER_CUTOFF (-9.0f)

arm_cmsis_nn_status stai_logistic_f32(const float *in, float *out, int32_t size)
{
    if (in == NULL || out == NULL || size < 0)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    for (int32_t i = 0; i < size; i++)
    {
        const float x = in[i];
        float y;
        if (x > LOGISTIC_UPPER_CUTOFF)
        {
            y = 1.0f;
        }
        else if (x < LOGISTIC_LOWER_CUTOFF)
        {
            y = expf(x);
        }
        else
        {
            y = 1.0f / (1.0f + expf(-x));
        }
        out[i] = y;
    }
    return ARM_CMSIS_NN_SUCCESS;
}

arm_cmsis_nn_status stai_tanh_f32(const float *in, float *out, int32_t size)
{
    if (in == NULL || out == NULL || size < 0)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    for (int32_t i = 0; i < size; i++)
    {
        out[i] = tanhf(in[i]);
    }
    return ARM_CMSIS_NN_SUCCESS;
}

arm_cmsis_nn_status stai_clamp_f32(const float *in, float *out, int32_t size, float min, float max)
{
    if (in == NULL || out == NULL || size < 0)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    for (int32_t i = 0; i < size; i++)
    {
        float x = in[i];
        if (x < min)
        {
            x = min;
        }
        if (x > max)
        {
            x = max;
        }
        out[i] = x;
    }
    return ARM_CMSIS_NN_SUCCESS;
}

arm_cmsis_nn_status stai_leaky_relu_f32(const float *in, float *out, int32_t size, float alpha)
{
    if (in == NULL || out == NULL || size < 0)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    for (int32_t i = 0; i < size; i++)
    {
        const float x = in[i];
        out[i] = x > 0.0f ? x : x * alpha;
    }
    return ARM_CMSIS_NN_SUCCESS;
}

arm_cmsis_nn_status stai_hard_swish_f32(const float *in, float *out, int32_t size)
{
    if (in == NULL || out == NULL || size < 0)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    for (int32_t i = 0; i < size; i++)
    {
        const float x = in[i];
        float gate = x + 3.0f;
        if (gate < 0.0f)
        {
            gate = 0.0f;
        }
        if (gate > 6.0f)
        {
            gate = 6.0f;
        }
        out[i] = x * gate / 6.0f;
    }
    return ARM_CMSIS_NN_SUCCESS;
}
