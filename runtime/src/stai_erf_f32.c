/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_erf_f32 */
/* stai-requires: */
/* The float32 error function (ONNX Erf, the exact GELU), declared in stai_kernels_math.h:
 * the C library's erff. */
#include "stai_kernels_math.h"

#include <math.h>

arm_cmsis_nn_status stai_erf_f32(const float *in, float *out, int32_t size)
{
    if (size < 0)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    for (int32_t i = 0; i < size; ++i)
    {
        out[i] = erff(in[i]);
    }
    return ARM_CMSIS_NN_SUCCESS;
}
