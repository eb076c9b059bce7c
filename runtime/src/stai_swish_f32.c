/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_swish_f32 */
/* stai-requires: */
/*
 * Float32 swish (also called SiLU): x times the logistic of x. Reads in[i] before writing
 * out[i], so it may run in place.
 */
#include "stai_kernels_f32.h"

#include <math.h>
#include <stddef.h>

arm_cmsis_nn_status stai_swish_f32(const float *in, float *out, int32_t size)
{
    if (in == NULL || out == NULL || size < 0)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    for (int32_t i = 0; i < size; i++)
    {
        const float x = in[i];
        /* For very negative x, expf(-x) is +inf and the quotient a signed zero. */
        out[i] = x / (1.0f + expf(-x));
    }
    return ARM_CMSIS_NN_SUCCESS;
}
