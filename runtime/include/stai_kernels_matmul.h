/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stai's batch matmul kernels (TFLite's BATCH_MATMUL, ONNX's MatMul of two tensors):
 * out[b, i, j] = sum_k lhs[b, i, k] * rhs[b, k, j] over the broadcast batch axes.
 *
 * geometry (14 int32 values, computed at compile time):
 *   [0..2]  the output's batch axes, the shape extended to rank 5;
 *   [3..5]  elements between consecutive lhs matrices along each (0: broadcast);
 *   [6..8]  the same for rhs;
 *   [9] M (output rows), [10] N (output columns), [11] K (depth),
 *   [12] adj_x (lhs stored [K, M]), [13] adj_y (rhs stored [N, K]).
 * Every function returns ARM_CMSIS_NN_SUCCESS, or ARM_CMSIS_NN_ARG_ERROR for sizes out
 * of range.
 */
#ifndef STAI_KERNELS_MATMUL_H
#define STAI_KERNELS_MATMUL_H

#include "arm_nn_types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* float32: the depth summed in order (k = 0, 1, ...), as TFLite's reference kernel. */
arm_cmsis_nn_status stai_batch_matmul_f32(const float *lhs, const float *rhs, float *output, const int32_t *geometry);

/* int8: the int32 sum of (lhs + lhs_offset) * (rhs + rhs_offset), requantized by
 * (multiplier, shift) as TFLite Micro (a doubling high multiply and a rounding shift),
 * plus output_offset, saturated to int8. */
arm_cmsis_nn_status stai_batch_matmul_s8(const int8_t *lhs,
                                         const int8_t *rhs,
                                         int8_t *output,
                                         const int32_t *geometry,
                                         int32_t lhs_offset,
                                         int32_t rhs_offset,
                                         int32_t output_offset,
                                         int32_t multiplier,
                                         int32_t shift);

/* 16x8 (int16 operands, zero points 0): the int64 sum of lhs * rhs, requantized by the
 * 64-bit requantization of the 16x8 kernels, saturated to int16. */
arm_cmsis_nn_status stai_batch_matmul_s16(const int16_t *lhs,
                                          const int16_t *rhs,
                                          int16_t *output,
                                          const int32_t *geometry,
                                          int32_t multiplier,
                                          int32_t shift);

#ifdef __cplusplus
}
#endif

#endif /* STAI_KERNELS_MATMUL_H */
