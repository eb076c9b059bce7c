/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stai's kernels that pick or interpolate elements by index. Tensors are NHWC
 * (cmsis_nn_dims); every function returns ARM_CMSIS_NN_SUCCESS, or ARM_CMSIS_NN_ARG_ERROR
 * for sizes or indices out of range.
 */
#ifndef STAI_KERNELS_INDEXING_H
#define STAI_KERNELS_INDEXING_H

#include "arm_nn_types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Nearest-neighbour resizing of H and W for elements of element_bytes bytes: output row y
 * copies input row rows[y], output column x input column cols[x] (output_dims->h rows and
 * output_dims->w columns); N and C stay. */
arm_cmsis_nn_status stai_resize_nearest(const void *input,
                                        const cmsis_nn_dims *input_dims,
                                        void *output,
                                        const cmsis_nn_dims *output_dims,
                                        const int32_t *rows,
                                        const int32_t *cols,
                                        int32_t element_bytes);

/* Bilinear resizing, float: output index y reads input coordinate
 * (y + offset) * scale_h - offset (the same along W), between its floor and its ceiling
 * clamped into the input, weighted as TFLite's reference kernel. */
arm_cmsis_nn_status stai_resize_bilinear_f32(const float *input,
                                             const cmsis_nn_dims *input_dims,
                                             float *output,
                                             const cmsis_nn_dims *output_dims,
                                             float scale_h,
                                             float scale_w,
                                             float offset);

/* Bilinear resizing, int8, in integers as TFLite's reference kernel: the scales in 1/1024
 * (input / output), half_pixel 1 for half-pixel centres. Input and output share their
 * quantization. */
arm_cmsis_nn_status stai_resize_bilinear_s8(const int8_t *input,
                                            const cmsis_nn_dims *input_dims,
                                            int8_t *output,
                                            const cmsis_nn_dims *output_dims,
                                            int32_t scale_h,
                                            int32_t scale_w,
                                            int32_t half_pixel);

/* Gather along one axis: the input is [outer, axis_size, inner_bytes] bytes; output
 * element [o, i] is input element [o, indices[i]] for i < count. */
arm_cmsis_nn_status stai_gather(const void *input,
                                void *output,
                                int32_t outer,
                                int32_t axis_size,
                                int32_t inner_bytes,
                                const int32_t *indices,
                                int32_t count);

/* Reductions of a tensor of rank <= 4 (input_dims with leading 1s) over the axes whose
 * bit is set in mask (bit 0: n, 1: h, 2: w, 3: c); the output holds the other axes in
 * order. Float sums add in the input's order, as TFLite's reference kernel; int8 max / min
 * compare the codes. */
arm_cmsis_nn_status stai_reduce_max_f32(const float *input, const cmsis_nn_dims *input_dims, int32_t mask, float *output);
arm_cmsis_nn_status stai_reduce_min_f32(const float *input, const cmsis_nn_dims *input_dims, int32_t mask, float *output);
arm_cmsis_nn_status stai_reduce_sum_f32(const float *input, const cmsis_nn_dims *input_dims, int32_t mask, float *output);
arm_cmsis_nn_status stai_reduce_max_s8(const int8_t *input, const cmsis_nn_dims *input_dims, int32_t mask, int8_t *output);
arm_cmsis_nn_status stai_reduce_min_s8(const int8_t *input, const cmsis_nn_dims *input_dims, int32_t mask, int8_t *output);

/* int8 sum: the int32 sum of (input + input_offset) over the reduced axes, requantized by
 * (multiplier, shift), plus output_offset, clamped to int8 (TFLite Micro's SUM). */
arm_cmsis_nn_status stai_reduce_sum_s8(const int8_t *input,
                                       const cmsis_nn_dims *input_dims,
                                       int32_t mask,
                                       int8_t *output,
                                       int32_t input_offset,
                                       int32_t multiplier,
                                       int32_t shift,
                                       int32_t output_offset);

/* The index of the largest (arg_max) or smallest (arg_min) element along an axis of
 * axis_size elements, the input being [outer, axis_size, inner]; the first index on ties
 * (TFLite's strict comparison). output holds outer * inner indices of index_bytes bytes
 * (4: int32_t, 8: int64_t). */
arm_cmsis_nn_status stai_arg_max_f32(const float *input, int32_t outer, int32_t axis_size, int32_t inner, void *output, int32_t index_bytes);
arm_cmsis_nn_status stai_arg_min_f32(const float *input, int32_t outer, int32_t axis_size, int32_t inner, void *output, int32_t index_bytes);
arm_cmsis_nn_status stai_arg_max_s8(const int8_t *input, int32_t outer, int32_t axis_size, int32_t inner, void *output, int32_t index_bytes);
arm_cmsis_nn_status stai_arg_min_s8(const int8_t *input, int32_t outer, int32_t axis_size, int32_t inner, void *output, int32_t index_bytes);

/* Layer normalization (float): each of the outer groups of inner elements becomes
 * (x - mean) / sqrt(variance + epsilon) * gamma + beta, gamma and beta holding inner values
 * or one (affine_count). */
arm_cmsis_nn_status stai_layer_norm_f32(const float *input,
                                        const float *gamma,
                                        const float *beta,
                                        float *output,
                                        int32_t outer,
                                        int32_t inner,
                                        int32_t affine_count,
                                        float epsilon);

/* Log-softmax over the last axis (float): each of the rows of depth values becomes
 * x - max - log(sum(exp(x - max))), as TFLite's reference kernel. */
arm_cmsis_nn_status stai_log_softmax_f32(const float *input, float *output, int32_t rows, int32_t depth);

#ifdef __cplusplus
}
#endif

#endif /* STAI_KERNELS_INDEXING_H */
