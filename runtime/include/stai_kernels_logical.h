/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stai's kernels of boolean tensors: comparisons, logical operators, select, casts
 * between element types, and the float floor modulo. A boolean is one byte holding 0 or 1
 * (C's bool, TFLite's kTfLiteBool). Tensors are NHWC (cmsis_nn_dims); the binary kernels
 * broadcast an input dimension of 1 along the output's. Every function returns
 * ARM_CMSIS_NN_SUCCESS, or ARM_CMSIS_NN_ARG_ERROR for shapes or codes out of range.
 */
#ifndef STAI_KERNELS_LOGICAL_H
#define STAI_KERNELS_LOGICAL_H

#include <stdbool.h>

#include "arm_nn_types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The predicate of a comparison (the `predicate` argument). */
#define STAI_CMP_EQUAL 0
#define STAI_CMP_NOT_EQUAL 1
#define STAI_CMP_LESS 2
#define STAI_CMP_LESS_EQUAL 3
#define STAI_CMP_GREATER 4
#define STAI_CMP_GREATER_EQUAL 5

/* output = input1 <predicate> input2, element by element with broadcasting. */
arm_cmsis_nn_status stai_compare_f32(int32_t predicate, const cmsis_nn_dims *input1_dims, const float *input1, const cmsis_nn_dims *input2_dims, const float *input2, const cmsis_nn_dims *output_dims, bool *output);
arm_cmsis_nn_status stai_compare_s16(int32_t predicate, const cmsis_nn_dims *input1_dims, const int16_t *input1, const cmsis_nn_dims *input2_dims, const int16_t *input2, const cmsis_nn_dims *output_dims, bool *output);
arm_cmsis_nn_status stai_compare_s32(int32_t predicate, const cmsis_nn_dims *input1_dims, const int32_t *input1, const cmsis_nn_dims *input2_dims, const int32_t *input2, const cmsis_nn_dims *output_dims, bool *output);
arm_cmsis_nn_status stai_compare_s64(int32_t predicate, const cmsis_nn_dims *input1_dims, const int64_t *input1, const cmsis_nn_dims *input2_dims, const int64_t *input2, const cmsis_nn_dims *output_dims, bool *output);
arm_cmsis_nn_status stai_compare_bool(int32_t predicate, const cmsis_nn_dims *input1_dims, const bool *input1, const cmsis_nn_dims *input2_dims, const bool *input2, const cmsis_nn_dims *output_dims, bool *output);

/* int8 comparison of two quantized tensors, as TFLite Micro: each code plus its offset
 * (-zero point) is scaled up by 2^8 and multiplied by its input's scale as a Q31
 * multiplier and (non-positive) shift, then the two int32 values are compared. */
arm_cmsis_nn_status stai_compare_s8(int32_t predicate, const cmsis_nn_dims *input1_dims, const int8_t *input1, const cmsis_nn_dims *input2_dims, const int8_t *input2, const cmsis_nn_dims *output_dims, bool *output, int32_t input1_offset, int32_t input1_multiplier, int32_t input1_shift, int32_t input2_offset, int32_t input2_multiplier, int32_t input2_shift);

/* Logical AND / OR of two boolean tensors with broadcasting; NOT of size booleans. */
arm_cmsis_nn_status stai_logical_and(const cmsis_nn_dims *input1_dims, const bool *input1, const cmsis_nn_dims *input2_dims, const bool *input2, const cmsis_nn_dims *output_dims, bool *output);
arm_cmsis_nn_status stai_logical_or(const cmsis_nn_dims *input1_dims, const bool *input1, const cmsis_nn_dims *input2_dims, const bool *input2, const cmsis_nn_dims *output_dims, bool *output);
arm_cmsis_nn_status stai_logical_not(const bool *input, bool *output, int32_t size);

/* output = condition ? x : y, element by element with broadcasting of the three inputs;
 * the elements of x, y and output have element_bytes bytes (1, 2, 4 or 8). */
arm_cmsis_nn_status stai_select(const cmsis_nn_dims *condition_dims, const bool *condition, const cmsis_nn_dims *x_dims, const void *x, const cmsis_nn_dims *y_dims, const void *y, const cmsis_nn_dims *output_dims, void *output, int32_t element_bytes);

/* The element types of stai_cast. */
#define STAI_TYPE_F32 0
#define STAI_TYPE_S8 1
#define STAI_TYPE_S16 2
#define STAI_TYPE_S32 3
#define STAI_TYPE_S64 4
#define STAI_TYPE_BOOL 5

/* Casts size elements as C casts them: float to an integer truncates toward zero (NaN
 * gives 0, values out of range saturate), an integer to a narrower one keeps its low
 * bits, anything to bool is (value != 0), bool is 0 or 1. */
arm_cmsis_nn_status stai_cast(const void *input, int32_t input_type, void *output, int32_t output_type, int32_t size);

/* TFLite's FLOOR_MOD of floats with broadcasting: fmod(a, b), plus b when that remainder
 * is not zero and its sign differs from b's. */
arm_cmsis_nn_status stai_floor_mod_f32(const cmsis_nn_dims *input1_dims, const float *input1, const cmsis_nn_dims *input2_dims, const float *input2, const cmsis_nn_dims *output_dims, float *output);

#ifdef __cplusplus
}
#endif

#endif /* STAI_KERNELS_LOGICAL_H */
