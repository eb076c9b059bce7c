/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_prelu_f32 */
/* stai-requires: */
/*
 * Float32 parametric relu on a 4-D NHWC tensor: out = in >= 0 ? in : alpha * in, where
 * alpha is a tensor broadcast to the input's shape (an alpha dimension of 1 is repeated).
 */
#include "stai_kernels_f32.h"

#include <stddef.h>

/* 1 if a dimension of alpha fits the input's (equal, or 1 to broadcast). */
static int fits(int32_t alpha_dim, int32_t in_dim)
{
    return alpha_dim >= 1 && in_dim >= 1 && (alpha_dim == in_dim || alpha_dim == 1);
}

arm_cmsis_nn_status stai_prelu_f32(const cmsis_nn_dims *in_dims,
                                   const float *in,
                                   const cmsis_nn_dims *alpha_dims,
                                   const float *alpha,
                                   float *out)
{
    if (in_dims == NULL || in == NULL || alpha_dims == NULL || alpha == NULL || out == NULL)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    if (!fits(alpha_dims->n, in_dims->n) || !fits(alpha_dims->h, in_dims->h) || !fits(alpha_dims->w, in_dims->w) ||
        !fits(alpha_dims->c, in_dims->c))
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    /* Element strides of alpha seen through the input's shape (0 along broadcast axes). */
    const size_t ac = alpha_dims->c == 1 ? 0 : 1;
    const size_t aw = alpha_dims->w == 1 ? 0 : (size_t)alpha_dims->c;
    const size_t ah = alpha_dims->h == 1 ? 0 : (size_t)alpha_dims->c * (size_t)alpha_dims->w;
    const size_t an =
        alpha_dims->n == 1 ? 0 : (size_t)alpha_dims->c * (size_t)alpha_dims->w * (size_t)alpha_dims->h;
    size_t i = 0;
    for (int32_t n = 0; n < in_dims->n; n++)
    {
        for (int32_t h = 0; h < in_dims->h; h++)
        {
            for (int32_t w = 0; w < in_dims->w; w++)
            {
                const float *a = alpha + (size_t)n * an + (size_t)h * ah + (size_t)w * aw;
                for (int32_t c = 0; c < in_dims->c; c++, i++)
                {
                    const float x = in[i];
                    out[i] = x >= 0.0f ? x : a[(size_t)c * ac] * x;
                }
            }
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}
