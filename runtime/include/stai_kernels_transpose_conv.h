/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stai's int8 and 16x8 transposed convolutions (TFLite TRANSPOSE_CONV), bit-exact with
 * TFLite Micro's reference kernels. The float one is in stai_kernels_f32.h.
 *
 * Output pixel (oy, ox) of channel o sums input pixel (iy, ix) times filter tap (ky, kx)
 * wherever oy = iy * stride.h + ky - padding.h and ox = ix * stride.w + kx - padding.w.
 * Each output gathers its own sum (no scratch buffer): integer sums do not depend on the
 * order, so the result is the reference's, which scatters into a scratch buffer.
 *
 * params      input_offset (int8: minus the input's zero point; 16x8: 0), output_offset,
 *             stride, padding (top/left cropped from the full output), activation range;
 *             the dilation must be 1
 * quant       one multiplier and shift per output channel
 * input_dims  {batches, in_h, in_w, in_c}
 * filter_dims {out_c, kh, kw, in_c}; filter [out_c, kh, kw, in_c], int8
 * bias        out_c values (int32; 16x8: int64), or NULL
 * output_dims {batches, out_h, out_w, out_c}
 *
 * int8: out = clamp(requantize(bias + sum (x + input_offset) * w) + output_offset), the
 * sum in int32; 16x8: out = clamp(requantize_s64(bias + sum x * w)), the sum in int64.
 * Returns ARM_CMSIS_NN_ARG_ERROR for inconsistent dims (before writing anything).
 */
#ifndef STAI_KERNELS_TRANSPOSE_CONV_H
#define STAI_KERNELS_TRANSPOSE_CONV_H

#include <stdint.h>

#include "arm_nn_types.h"

#ifdef __cplusplus
extern "C" {
#endif

arm_cmsis_nn_status stai_transpose_conv2d_s8(const cmsis_nn_conv_params *params,
                                             const cmsis_nn_per_channel_quant_params *quant,
                                             const cmsis_nn_dims *input_dims,
                                             const int8_t *input,
                                             const cmsis_nn_dims *filter_dims,
                                             const int8_t *filter,
                                             const cmsis_nn_dims *bias_dims,
                                             const int32_t *bias,
                                             const cmsis_nn_dims *output_dims,
                                             int8_t *output);

arm_cmsis_nn_status stai_transpose_conv2d_s16(const cmsis_nn_conv_params *params,
                                              const cmsis_nn_per_channel_quant_params *quant,
                                              const cmsis_nn_dims *input_dims,
                                              const int16_t *input,
                                              const cmsis_nn_dims *filter_dims,
                                              const int8_t *filter,
                                              const cmsis_nn_dims *bias_dims,
                                              const int64_t *bias,
                                              const cmsis_nn_dims *output_dims,
                                              int16_t *output);

#ifdef __cplusplus
}
#endif

#endif /* STAI_KERNELS_TRANSPOSE_CONV_H */
