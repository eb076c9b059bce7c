/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stai's SQUARED_DIFFERENCE kernels for int8, int16 and int32 tensors, with TensorFlow
 * Lite Micro's arithmetic, and broadcasting: each input dimension (n, h, w, c) equals the
 * output's or is 1. Each function returns ARM_CMSIS_NN_SUCCESS, or ARM_CMSIS_NN_ARG_ERROR
 * for a NULL pointer or dims that do not broadcast to the output's.
 */
#ifndef STAI_KERNELS_SQDIFF_H
#define STAI_KERNELS_SQDIFF_H

#include "arm_nn_types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The quantized arithmetic of the int8 and int16 versions: each code plus its offset,
 * times 2^left_shift, scaled by its (multiplier, shift <= 0); the difference squared in
 * 32 bits; scaled by (output_multiplier, output_shift), plus output_offset, saturated. */
typedef struct
{
    int32_t left_shift;
    int32_t input1_offset;
    int32_t input1_multiplier;
    int32_t input1_shift;
    int32_t input2_offset;
    int32_t input2_multiplier;
    int32_t input2_shift;
    int32_t output_offset;
    int32_t output_multiplier;
    int32_t output_shift;
} stai_sqdiff_params;

arm_cmsis_nn_status stai_squared_difference_s8(const int8_t *input_1,
                                               const cmsis_nn_dims *input_1_dims,
                                               const int8_t *input_2,
                                               const cmsis_nn_dims *input_2_dims,
                                               int8_t *output,
                                               const cmsis_nn_dims *output_dims,
                                               const stai_sqdiff_params *params);

arm_cmsis_nn_status stai_squared_difference_s16(const int16_t *input_1,
                                                const cmsis_nn_dims *input_1_dims,
                                                const int16_t *input_2,
                                                const cmsis_nn_dims *input_2_dims,
                                                int16_t *output,
                                                const cmsis_nn_dims *output_dims,
                                                const stai_sqdiff_params *params);

/* int32: (a - b)^2 in 32 bits (wrapping, as the reference's int32 arithmetic on
 * two's-complement targets). */
arm_cmsis_nn_status stai_squared_difference_s32(const int32_t *input_1,
                                                const cmsis_nn_dims *input_1_dims,
                                                const int32_t *input_2,
                                                const cmsis_nn_dims *input_2_dims,
                                                int32_t *output,
                                                const cmsis_nn_dims *output_dims);

#ifdef __cplusplus
}
#endif

#endif /* STAI_KERNELS_SQDIFF_H */
