/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stai's quantized ABS kernels (TFLite's ABS on int8 and int16 tensors), with TensorFlow
 * Lite Micro's arithmetic: |q - input_zero_point| rescaled from the input to the output
 * scale by (multiplier, shift), plus output_zero_point, saturated to the output type. The
 * int16 tensors have zero points 0. Each function returns ARM_CMSIS_NN_SUCCESS, or
 * ARM_CMSIS_NN_ARG_ERROR for a NULL pointer or a negative size.
 */
#ifndef STAI_KERNELS_ABS_H
#define STAI_KERNELS_ABS_H

#include "arm_nn_types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* int8: out = sat8(output_offset + requantize(|q + input_offset|, multiplier, shift)),
 * input_offset being minus the input zero point. */
arm_cmsis_nn_status stai_abs_s8(const int8_t *input,
                                int8_t *output,
                                int32_t size,
                                int32_t input_offset,
                                int32_t output_offset,
                                int32_t multiplier,
                                int32_t shift);

/* int16: the same with int16 codes, saturated to int16. */
arm_cmsis_nn_status stai_abs_s16(const int16_t *input,
                                 int16_t *output,
                                 int32_t size,
                                 int32_t input_offset,
                                 int32_t output_offset,
                                 int32_t multiplier,
                                 int32_t shift);

#ifdef __cplusplus
}
#endif

#endif /* STAI_KERNELS_ABS_H */
