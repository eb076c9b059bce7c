/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stai's own kernels for int16 activations (16x8 models: int16 activations, int8 weights,
 * int64 biases) that the CMSIS-NN API lacks, and the conversions to and from int16.
 *
 * Every kernel reproduces the integer arithmetic of the TFLite Micro reference kernel of
 * the same operator bit for bit; the parameters are computed at compile time by
 * stai.lowering.quant_math. Conventions are those of stai_kernels_s8.h. Every function
 * returns ARM_CMSIS_NN_SUCCESS, or ARM_CMSIS_NN_ARG_ERROR for inconsistent arguments
 * (checked before anything is written).
 */
#ifndef STAI_KERNELS_S16_H
#define STAI_KERNELS_S16_H

#include <stddef.h>
#include <stdint.h>

#include "arm_nn_types.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The 64-bit requantization of the 16x8 kernels: acc * multiplier * 2^(shift - 31) with
 * the multiplier first reduced to 16 bits (rounded), then one rounding right shift, as
 * the reference's MultiplyByQuantizedMultiplier for a 64-bit accumulator.
 * multiplier >= 0, -31 <= shift <= 7, |acc| < 2^47.
 */
static inline int32_t stai_requantize_s64(int64_t acc, int32_t multiplier, int32_t shift)
{
    const int32_t reduced = multiplier < 0x7FFF0000 ? (multiplier + (1 << 15)) >> 16 : 0x7FFF;
    const int32_t total_shift = 15 - shift;
    const int64_t rounded = acc * (int64_t)reduced + ((int64_t)1 << (total_shift - 1));
    return (int32_t)(rounded >> total_shift);
}

/* ---- conversions ------------------------------------------------------------------ */

/* QUANTIZE float32 -> int16: round-half-away-from-zero(input / scale) + zero_point,
 * saturated to the int16 range. */
arm_cmsis_nn_status stai_quantize_f32_s16(const float *input,
                                          int16_t *output,
                                          int32_t size,
                                          float scale,
                                          int32_t zero_point);

/* DEQUANTIZE int16 -> float32: scale * (input - zero_point). */
arm_cmsis_nn_status stai_dequantize_s16_f32(const int16_t *input,
                                            float *output,
                                            int32_t size,
                                            float scale,
                                            int32_t zero_point);

/*
 * QUANTIZE between integer types (int8 -> int16, int16 -> int8, int16 -> int16):
 * output = clamp(MultiplyByQuantizedMultiplier(input + input_offset, mult, shift) +
 * output_offset) to the output type's range; arguments as stai_requantize_s8.
 */
arm_cmsis_nn_status stai_requantize_s8_s16(const int8_t *input,
                                           int16_t *output,
                                           int32_t size,
                                           int32_t input_offset,
                                           int32_t mult,
                                           int32_t shift,
                                           int32_t output_offset);
arm_cmsis_nn_status stai_requantize_s16_s8(const int16_t *input,
                                           int8_t *output,
                                           int32_t size,
                                           int32_t input_offset,
                                           int32_t mult,
                                           int32_t shift,
                                           int32_t output_offset);
arm_cmsis_nn_status stai_requantize_s16(const int16_t *input,
                                        int16_t *output,
                                        int32_t size,
                                        int32_t input_offset,
                                        int32_t mult,
                                        int32_t shift,
                                        int32_t output_offset);

/*
 * QUANTIZE to and from int32 (int8 -> int32, int16 -> int32, int32 -> int8, int32 ->
 * int16), the same arithmetic with wrapping int32 additions; arguments as
 * stai_requantize_s8.
 */
arm_cmsis_nn_status stai_requantize_s8_s32(const int8_t *input,
                                           int32_t *output,
                                           int32_t size,
                                           int32_t input_offset,
                                           int32_t mult,
                                           int32_t shift,
                                           int32_t output_offset);
arm_cmsis_nn_status stai_requantize_s16_s32(const int16_t *input,
                                            int32_t *output,
                                            int32_t size,
                                            int32_t input_offset,
                                            int32_t mult,
                                            int32_t shift,
                                            int32_t output_offset);
arm_cmsis_nn_status stai_requantize_s32_s8(const int32_t *input,
                                           int8_t *output,
                                           int32_t size,
                                           int32_t input_offset,
                                           int32_t mult,
                                           int32_t shift,
                                           int32_t output_offset);
arm_cmsis_nn_status stai_requantize_s32_s16(const int32_t *input,
                                            int16_t *output,
                                            int32_t size,
                                            int32_t input_offset,
                                            int32_t mult,
                                            int32_t shift,
                                            int32_t output_offset);

/*
 * QUANTIZE int8 -> uint8 and uint8 -> int8 (a converted model's uint8 inputs and
 * outputs), arguments as stai_requantize_s8; equal scales with zero points 128 apart flip
 * the top bit. DEQUANTIZE uint8 -> float32, arguments as stai_dequantize_s8_f32.
 */
arm_cmsis_nn_status stai_requantize_s8_u8(const int8_t *input,
                                          uint8_t *output,
                                          int32_t size,
                                          int32_t input_offset,
                                          int32_t mult,
                                          int32_t shift,
                                          int32_t output_offset);
arm_cmsis_nn_status stai_requantize_u8_s8(const uint8_t *input,
                                          int8_t *output,
                                          int32_t size,
                                          int32_t input_offset,
                                          int32_t mult,
                                          int32_t shift,
                                          int32_t output_offset);
arm_cmsis_nn_status stai_dequantize_u8_f32(const uint8_t *input,
                                           float *output,
                                           int32_t size,
                                           float scale,
                                           int32_t zero_point);

/* ---- data movement ---------------------------------------------------------------- */

/* PAD / PADV2 of a 4-D NHWC int16 tensor: pad_before / pad_after cells of pad_value along
 * each dimension (as stai_pad_s8). */
arm_cmsis_nn_status stai_pad_s16(const int16_t *input,
                                 const cmsis_nn_dims *input_dims,
                                 const cmsis_nn_dims *pad_before,
                                 const cmsis_nn_dims *pad_after,
                                 int16_t pad_value,
                                 int16_t *output);

/* ---- element-wise arithmetic ------------------------------------------------------ */

/*
 * SUB of two same-shape int16 vectors of block_size elements (output = input_1 - input_2).
 * Parameters as the CMSIS-NN API's arm_elementwise_add_s16 (offsets 0, left_shift 15):
 * each input is x << left_shift rescaled by its multiplier/shift; the difference is
 * rescaled by out_mult/out_shift and clamped to [out_activation_min, out_activation_max].
 */
arm_cmsis_nn_status stai_elementwise_sub_s16(const int16_t *input_1_vect,
                                             const int16_t *input_2_vect,
                                             int32_t input_1_offset,
                                             int32_t input_1_mult,
                                             int32_t input_1_shift,
                                             int32_t input_2_offset,
                                             int32_t input_2_mult,
                                             int32_t input_2_shift,
                                             int32_t left_shift,
                                             int16_t *output,
                                             int32_t out_offset,
                                             int32_t out_mult,
                                             int32_t out_shift,
                                             int32_t out_activation_min,
                                             int32_t out_activation_max,
                                             int32_t block_size);

/*
 * ADD / SUB / MUL of int16 tensors with 4-D NHWC broadcasting (a dimension of 1 in an
 * input broadcasts against the output's): parameters as stai_elementwise_sub_s16 (ADD,
 * SUB) and arm_elementwise_mul_s16 (MUL), dims as stai_broadcast_add_s8.
 */
arm_cmsis_nn_status stai_broadcast_add_s16(const int16_t *input_1,
                                           const cmsis_nn_dims *input_1_dims,
                                           const int16_t *input_2,
                                           const cmsis_nn_dims *input_2_dims,
                                           int32_t input_1_offset,
                                           int32_t input_1_mult,
                                           int32_t input_1_shift,
                                           int32_t input_2_offset,
                                           int32_t input_2_mult,
                                           int32_t input_2_shift,
                                           int32_t left_shift,
                                           int16_t *output,
                                           const cmsis_nn_dims *output_dims,
                                           int32_t out_offset,
                                           int32_t out_mult,
                                           int32_t out_shift,
                                           int32_t out_activation_min,
                                           int32_t out_activation_max);
arm_cmsis_nn_status stai_broadcast_sub_s16(const int16_t *input_1,
                                           const cmsis_nn_dims *input_1_dims,
                                           const int16_t *input_2,
                                           const cmsis_nn_dims *input_2_dims,
                                           int32_t input_1_offset,
                                           int32_t input_1_mult,
                                           int32_t input_1_shift,
                                           int32_t input_2_offset,
                                           int32_t input_2_mult,
                                           int32_t input_2_shift,
                                           int32_t left_shift,
                                           int16_t *output,
                                           const cmsis_nn_dims *output_dims,
                                           int32_t out_offset,
                                           int32_t out_mult,
                                           int32_t out_shift,
                                           int32_t out_activation_min,
                                           int32_t out_activation_max);
arm_cmsis_nn_status stai_broadcast_mul_s16(const int16_t *input_1,
                                           const cmsis_nn_dims *input_1_dims,
                                           const int16_t *input_2,
                                           const cmsis_nn_dims *input_2_dims,
                                           int32_t input_1_offset,
                                           int32_t input_2_offset,
                                           int16_t *output,
                                           const cmsis_nn_dims *output_dims,
                                           int32_t out_offset,
                                           int32_t out_mult,
                                           int32_t out_shift,
                                           int32_t out_activation_min,
                                           int32_t out_activation_max);

/* ---- activations and reductions --------------------------------------------------- */

/* RELU / RELU6 of int16 codes: requantized from the input to the output scale, then
 * clamped to [act_min, act_max]; arguments as stai_relu_s8. */
arm_cmsis_nn_status stai_relu_s16(const int16_t *input,
                                  int16_t *output,
                                  int32_t size,
                                  int32_t input_offset,
                                  int32_t mult,
                                  int32_t shift,
                                  int32_t output_offset,
                                  int32_t act_min,
                                  int32_t act_max);

/* LEAKY_RELU of int16 codes: the identity multiplier for x >= 0, the alpha multiplier
 * (negative for a negative alpha) below; arguments as stai_leaky_relu_s8. */
arm_cmsis_nn_status stai_leaky_relu_s16(const int16_t *input,
                                        int16_t *output,
                                        int32_t size,
                                        int32_t input_offset,
                                        int32_t output_offset,
                                        int32_t identity_mult,
                                        int32_t identity_shift,
                                        int32_t alpha_mult,
                                        int32_t alpha_shift);

/*
 * LOGISTIC / TANH of int16 codes (output scale 2^-15), as the TFLite Micro reference: the
 * input times input_multiplier (rounded right shift by input_left_shift; multiplier 0:
 * 3 << input_left_shift) indexes the 256-entry sigmoid table with linear interpolation.
 * sigmoid_table holds sigmoid(i / 24) in Q0.16 minus 32768 (quant_math.sigmoid_table_s16).
 */
arm_cmsis_nn_status stai_logistic_s16(const int16_t *input,
                                      int16_t *output,
                                      int32_t size,
                                      int32_t input_multiplier,
                                      int32_t input_left_shift,
                                      const int16_t *sigmoid_table);
arm_cmsis_nn_status stai_tanh_s16(const int16_t *input,
                                  int16_t *output,
                                  int32_t size,
                                  int32_t input_multiplier,
                                  int32_t input_left_shift,
                                  const int16_t *sigmoid_table);

/* MEAN over H and W of an NHWC int16 tensor; arguments as stai_mean_hw_s8. */
arm_cmsis_nn_status stai_mean_hw_s16(const int16_t *input,
                                     const cmsis_nn_dims *input_dims,
                                     int16_t *output,
                                     int32_t input_offset,
                                     int32_t out_mult,
                                     int32_t out_shift,
                                     int32_t output_offset);

/*
 * MAXIMUM / MINIMUM of int16 tensors with 4-D NHWC broadcasting: the codes are compared
 * (the inputs and the output share one quantization); dims as stai_maximum_s8.
 */
arm_cmsis_nn_status stai_maximum_s16(const int16_t *input_1,
                                     const cmsis_nn_dims *input_1_dims,
                                     const int16_t *input_2,
                                     const cmsis_nn_dims *input_2_dims,
                                     int16_t *output,
                                     const cmsis_nn_dims *output_dims);
arm_cmsis_nn_status stai_minimum_s16(const int16_t *input_1,
                                     const cmsis_nn_dims *input_1_dims,
                                     const int16_t *input_2,
                                     const cmsis_nn_dims *input_2_dims,
                                     int16_t *output,
                                     const cmsis_nn_dims *output_dims);

/* ---- fully connected -------------------------------------------------------------- */

/*
 * FULLY_CONNECTED 16x8 with one multiplier and shift per output (the converter's
 * per-channel weights; CMSIS-NN's arm_fully_connected_s16 takes one for the tensor).
 * Arguments as arm_fully_connected_s16 (offsets 0; bias_data may be NULL), with
 * quant_params holding output_dims->c multipliers and shifts:
 * out[b][o] = clamp(requantize_s64(bias[o] + sum_i in[b][i] * w[o][i])).
 */
arm_cmsis_nn_status stai_fully_connected_per_channel_s16(
    const cmsis_nn_context *ctx,
    const cmsis_nn_fc_params *fc_params,
    const cmsis_nn_per_channel_quant_params *quant_params,
    const cmsis_nn_dims *input_dims,
    const int16_t *input_data,
    const cmsis_nn_dims *filter_dims,
    const int8_t *filter_data,
    const cmsis_nn_dims *bias_dims,
    const int64_t *bias_data,
    const cmsis_nn_dims *output_dims,
    int16_t *output_data);

#ifdef __cplusplus
}
#endif

#endif /* STAI_KERNELS_S16_H */
