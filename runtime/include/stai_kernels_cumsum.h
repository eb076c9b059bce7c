/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stai's cumulative sum kernels (TFLite's CUMSUM), with TensorFlow Lite Micro's
 * arithmetic. The tensor is seen as [before, depth, after]: the sum runs along depth (the
 * axis), from its end when `reverse` is 1; with `exclusive` 1 each element gets the sum of
 * the ones before it. Every function returns ARM_CMSIS_NN_SUCCESS, or
 * ARM_CMSIS_NN_ARG_ERROR for a NULL pointer or sizes out of range.
 */
#ifndef STAI_KERNELS_CUMSUM_H
#define STAI_KERNELS_CUMSUM_H

#include "arm_nn_types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* float32: the sum in float, in the order of the walk. */
arm_cmsis_nn_status stai_cumsum_f32(const float *input,
                                    float *output,
                                    int32_t before,
                                    int32_t depth,
                                    int32_t after,
                                    int32_t exclusive,
                                    int32_t reverse);

/* int8: TensorFlow Lite Micro's CUMSUM. Each (x + input_offset) << left_shift is scaled
 * by (input_multiplier, input_shift) and added to an int32 accumulator that starts at
 * the scaled input_offset (as TensorFlow Lite Micro's does); the accumulator is scaled by
 * (output_multiplier, output_shift), output_offset added, saturated to int8. */
arm_cmsis_nn_status stai_cumsum_s8(const int8_t *input,
                                   int8_t *output,
                                   int32_t before,
                                   int32_t depth,
                                   int32_t after,
                                   int32_t exclusive,
                                   int32_t reverse,
                                   int32_t left_shift,
                                   int32_t input_offset,
                                   int32_t input_multiplier,
                                   int32_t input_shift,
                                   int32_t output_offset,
                                   int32_t output_multiplier,
                                   int32_t output_shift);

#ifdef __cplusplus
}
#endif

#endif /* STAI_KERNELS_CUMSUM_H */
