/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_layer_norm_f32 */
/* stai-requires: */
/* Layer normalization (ONNX LayerNormalization / InstanceNormalization, Keras
 * LayerNormalization), float: the mean, then the mean of the squared deviations, of each
 * group. */
#include "stai_kernels_indexing.h"

#include <math.h>
#include <stddef.h>

arm_cmsis_nn_status stai_layer_norm_f32(const float *input,
                                        const float *gamma,
                                        const float *beta,
                                        float *output,
                                        int32_t outer,
                                        int32_t inner,
                                        int32_t affine_count,
                                        float epsilon)
{
    if (outer < 0 || inner <= 0 || (affine_count != 1 && affine_count != inner))
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    for (int32_t o = 0; o < outer; ++o)
    {
        const float *x = input + (size_t)o * (size_t)inner;
        float *y = output + (size_t)o * (size_t)inner;
        float sum = 0.0f;
        for (int32_t i = 0; i < inner; ++i)
        {
            sum += x[i];
        }
        const float mean = sum / (float)inner;
        float squares = 0.0f;
        for (int32_t i = 0; i < inner; ++i)
        {
            const float d = x[i] - mean;
            squares += d * d;
        }
        const float scale = 1.0f / sqrtf(squares / (float)inner + epsilon);
        for (int32_t i = 0; i < inner; ++i)
        {
            const int32_t a = affine_count == 1 ? 0 : i;
            y[i] = (x[i] - mean) * scale * gamma[a] + beta[a];
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}
