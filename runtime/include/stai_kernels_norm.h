/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stai's L2 kernels (TFLite's L2_NORMALIZATION and L2_POOL_2D), with TensorFlow Lite
 * Micro's arithmetic. Every function returns ARM_CMSIS_NN_SUCCESS, or
 * ARM_CMSIS_NN_ARG_ERROR for a NULL pointer or sizes out of range.
 */
#ifndef STAI_KERNELS_NORM_H
#define STAI_KERNELS_NORM_H

#include "arm_nn_types.h"
#include "stai_kernels_f32.h"

#ifdef __cplusplus
extern "C" {
#endif

/* float32 L2 normalization of each of `rows` vectors of `depth` elements (the last axis):
 * out = x / max(sqrt(sum of x * x, summed in order), 1e-6). */
arm_cmsis_nn_status stai_l2_normalization_f32(const float *input, float *output, int32_t rows, int32_t depth);

/* int8 L2 normalization: per row the int32 sum of (x - zero_point)^2 gives an inverse
 * square root multiplier and shift (TFLite's GetInvSqrtQuantizedMultiplierExp), each
 * (x - zero_point) is multiplied by it with 7 more bits (the output scale 1/128, zero
 * point 0, whatever the output tensor says, as TFLite Micro) and saturated to int8. */
arm_cmsis_nn_status stai_l2_normalization_s8(const int8_t *input,
                                             int8_t *output,
                                             int32_t rows,
                                             int32_t depth,
                                             int32_t zero_point);

/* float32 L2 pooling over NHWC: sqrt(sum of the squares of the window cells inside the
 * input / their count), clamped to the activation range; the parameters of
 * stai_avgpool_f32. */
arm_cmsis_nn_status stai_l2_pool_f32(const stai_pool_params_f32 *params,
                                     const cmsis_nn_dims *input_dims,
                                     const float *input,
                                     const cmsis_nn_dims *filter_dims,
                                     const cmsis_nn_dims *output_dims,
                                     float *output);

#ifdef __cplusplus
}
#endif

#endif /* STAI_KERNELS_NORM_H */
