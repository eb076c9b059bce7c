/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stai's kernels that select elements without arithmetic: strided slices (any element
 * type) and int8 element-wise maximum / minimum with broadcasting.
 *
 * Shapes are `cmsis_nn_dims` {n, h, w, c}: a tensor of lower rank is padded with leading
 * 1s. Inputs and outputs must not overlap, except that maximum / minimum may write over an
 * input of the output's shape. Every function returns ARM_CMSIS_NN_SUCCESS, or
 * ARM_CMSIS_NN_ARG_ERROR (nothing written) when the arguments are inconsistent.
 */
#ifndef STAI_KERNELS_SHAPE_H
#define STAI_KERNELS_SHAPE_H

#include "arm_nn_types.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * STRIDED_SLICE / SLICE / SPLIT / UNPACK of a tensor of rank <= 4 (elements of
 * element_bytes bytes): output[a, b, c, d] = input[begin.n + a * stride.n, begin.h +
 * b * stride.h, begin.w + c * stride.w, begin.c + d * stride.c]. A stride may be negative
 * (never 0); every index read must lie inside input_dims.
 */
arm_cmsis_nn_status stai_strided_slice(const void *input,
                                       const cmsis_nn_dims *input_dims,
                                       const cmsis_nn_dims *begin,
                                       const cmsis_nn_dims *stride,
                                       void *output,
                                       const cmsis_nn_dims *output_dims,
                                       int32_t element_bytes);

/*
 * int8 MAXIMUM / MINIMUM with broadcasting: each input dimension equals the output's or is
 * 1; the codes are compared (the inputs and the output share one quantization). The
 * float32 versions are stai_maximum_f32 / stai_minimum_f32 (stai_kernels_f32.h).
 */
arm_cmsis_nn_status stai_maximum_s8(const int8_t *input_1,
                                    const cmsis_nn_dims *input_1_dims,
                                    const int8_t *input_2,
                                    const cmsis_nn_dims *input_2_dims,
                                    int8_t *output,
                                    const cmsis_nn_dims *output_dims);
arm_cmsis_nn_status stai_minimum_s8(const int8_t *input_1,
                                    const cmsis_nn_dims *input_1_dims,
                                    const int8_t *input_2,
                                    const cmsis_nn_dims *input_2_dims,
                                    int8_t *output,
                                    const cmsis_nn_dims *output_dims);

#ifdef __cplusplus
}
#endif

#endif /* STAI_KERNELS_SHAPE_H */
