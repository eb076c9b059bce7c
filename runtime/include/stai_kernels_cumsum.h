/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stai's cumulative sum kernels (TFLite's CUMSUM), with TensorFlow Lite Micro's
 * arithmetic, and its GATHER_ND of computed indices (below). The tensor is seen as [before, depth, after]: the sum runs along depth (the
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

/*
 * GATHER_ND with index tuples computed at run time (TFLite's, any element type): `params`
 * is [rows, slice_bytes] bytes; tuple t (indices[t * depth .. t * depth + depth - 1]) names
 * row sum(index_j * row_strides[j]), copied to output row t, for t < tuples. A row outside
 * [0, rows) returns ARM_CMSIS_NN_ARG_ERROR (the rows before it are written), as TFLite
 * Micro's invocation fails.
 */
arm_cmsis_nn_status stai_gather_nd(const void *params,
                                   void *output,
                                   int32_t rows,
                                   int32_t slice_bytes,
                                   const int32_t *indices,
                                   int32_t tuples,
                                   int32_t depth,
                                   const int32_t *row_strides);

#ifdef __cplusplus
}
#endif

#endif /* STAI_KERNELS_CUMSUM_H */
