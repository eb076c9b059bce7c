/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stai's own int8 kernels: the operators the CMSIS-NN API lacks.
 *
 * Every kernel reproduces the integer arithmetic of the TFLite Micro reference kernel of
 * the same operator bit for bit. All parameters are computed at compile time by
 * stai.lowering.quant_math (same names as below). Conventions, as in the CMSIS-NN API:
 *   - an "input offset" is the negated input zero point, an "output offset" is the output
 *     zero point;
 *   - a (multiplier, shift) pair is a Q31 multiplier in [2^30, 2^31) and a power-of-two
 *     exponent, positive = left shift;
 *   - tensors are NHWC, described by cmsis_nn_dims {n, h, w, c}.
 * Every function returns ARM_CMSIS_NN_SUCCESS, or ARM_CMSIS_NN_ARG_ERROR for inconsistent
 * arguments (checked before anything is written).
 */
#ifndef STAI_KERNELS_S8_H
#define STAI_KERNELS_S8_H

#include <stdint.h>

#include "arm_nn_types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- element-wise arithmetic ------------------------------------------------------ */

/*
 * SUB of two same-shape int8 vectors of block_size elements (output = input_1 - input_2).
 * Same parameters as the CMSIS-NN API's arm_elementwise_add_s8: each input is
 * (x + input_offset) << left_shift, rescaled by its multiplier/shift; the difference is
 * rescaled by out_mult/out_shift, out_offset is added, then clamped to
 * [out_activation_min, out_activation_max].
 */
arm_cmsis_nn_status stai_elementwise_sub_s8(const int8_t *input_1_vect,
                                            const int8_t *input_2_vect,
                                            int32_t input_1_offset,
                                            int32_t input_1_mult,
                                            int32_t input_1_shift,
                                            int32_t input_2_offset,
                                            int32_t input_2_mult,
                                            int32_t input_2_shift,
                                            int32_t left_shift,
                                            int8_t *output,
                                            int32_t out_offset,
                                            int32_t out_mult,
                                            int32_t out_shift,
                                            int32_t out_activation_min,
                                            int32_t out_activation_max,
                                            int32_t block_size);

/*
 * 4-D NHWC broadcasting ADD / SUB: each dimension of an input is either 1 or equal to
 * the output's. Parameters as stai_elementwise_sub_s8 / arm_elementwise_add_s8.
 */
arm_cmsis_nn_status stai_broadcast_add_s8(const int8_t *input_1,
                                          const cmsis_nn_dims *input_1_dims,
                                          const int8_t *input_2,
                                          const cmsis_nn_dims *input_2_dims,
                                          int32_t input_1_offset,
                                          int32_t input_1_mult,
                                          int32_t input_1_shift,
                                          int32_t input_2_offset,
                                          int32_t input_2_mult,
                                          int32_t input_2_shift,
                                          int32_t left_shift,
                                          int8_t *output,
                                          const cmsis_nn_dims *output_dims,
                                          int32_t out_offset,
                                          int32_t out_mult,
                                          int32_t out_shift,
                                          int32_t out_activation_min,
                                          int32_t out_activation_max);

arm_cmsis_nn_status stai_broadcast_sub_s8(const int8_t *input_1,
                                          const cmsis_nn_dims *input_1_dims,
                                          const int8_t *input_2,
                                          const cmsis_nn_dims *input_2_dims,
                                          int32_t input_1_offset,
                                          int32_t input_1_mult,
                                          int32_t input_1_shift,
                                          int32_t input_2_offset,
                                          int32_t input_2_mult,
                                          int32_t input_2_shift,
                                          int32_t left_shift,
                                          int8_t *output,
                                          const cmsis_nn_dims *output_dims,
                                          int32_t out_offset,
                                          int32_t out_mult,
                                          int32_t out_shift,
                                          int32_t out_activation_min,
                                          int32_t out_activation_max);

/*
 * 4-D NHWC broadcasting MUL. Parameters as the CMSIS-NN API's arm_elementwise_mul_s8:
 * ((x1 + input_1_offset) * (x2 + input_2_offset)) rescaled by out_mult/out_shift, plus
 * out_offset, clamped.
 */
arm_cmsis_nn_status stai_broadcast_mul_s8(const int8_t *input_1,
                                          const cmsis_nn_dims *input_1_dims,
                                          const int8_t *input_2,
                                          const cmsis_nn_dims *input_2_dims,
                                          int32_t input_1_offset,
                                          int32_t input_2_offset,
                                          int8_t *output,
                                          const cmsis_nn_dims *output_dims,
                                          int32_t out_offset,
                                          int32_t out_mult,
                                          int32_t out_shift,
                                          int32_t out_activation_min,
                                          int32_t out_activation_max);

/* ---- data movement ----------------------------------------------------------------- */

/*
 * PAD of a 4-D NHWC int8 tensor: pad_before / pad_after hold the number of elements added
 * before / after each dimension (all >= 0); the output has dims
 * input + pad_before + pad_after and the padding holds pad_value (the output zero point,
 * or the quantized constant of PADV2).
 */
arm_cmsis_nn_status stai_pad_s8(const int8_t *input,
                                const cmsis_nn_dims *input_dims,
                                const cmsis_nn_dims *pad_before,
                                const cmsis_nn_dims *pad_after,
                                int8_t pad_value,
                                int8_t *output);

/*
 * One input of a CONCATENATION (any element type; sizes in bytes). Seen as
 * [outer_count][inner] rows, the input's row i (input_inner_bytes long) is copied to
 * output + i * output_inner_bytes + output_offset_bytes. The generated code calls this
 * once per input, with output_offset_bytes the sum of the previous inputs' inner bytes.
 */
arm_cmsis_nn_status stai_concat(const void *input,
                                void *output,
                                int32_t outer_count,
                                int32_t input_inner_bytes,
                                int32_t output_inner_bytes,
                                int32_t output_offset_bytes);

/* Copy of num_bytes bytes between non-overlapping buffers (RESHAPE that cannot alias). */
arm_cmsis_nn_status stai_copy(const void *input, void *output, int32_t num_bytes);

/*
 * TRANSPOSE of a tensor of rank <= 4 (any element type of element_bytes bytes): the shape
 * is input_dims {n, h, w, c} (padded in front with 1s); output dimension i is input
 * dimension perm_i (0 = n ... 3 = c). Input and output must not overlap.
 */
arm_cmsis_nn_status stai_transpose(const void *input,
                                   void *output,
                                   const cmsis_nn_dims *input_dims,
                                   int32_t perm_0,
                                   int32_t perm_1,
                                   int32_t perm_2,
                                   int32_t perm_3,
                                   int32_t element_bytes);

/* ---- (de)quantization -------------------------------------------------------------- */

/*
 * QUANTIZE float32 -> int8: round-half-away-from-zero(x / scale) + zero_point, clamped
 * to [-128, 127].
 */
arm_cmsis_nn_status stai_quantize_f32_s8(const float *input,
                                         int8_t *output,
                                         int32_t size,
                                         float scale,
                                         int32_t zero_point);

/* DEQUANTIZE int8 -> float32: scale * (q - zero_point). */
arm_cmsis_nn_status stai_dequantize_s8_f32(const int8_t *input,
                                           float *output,
                                           int32_t size,
                                           float scale,
                                           int32_t zero_point);

/*
 * QUANTIZE int8 -> int8 (requantization): (q + input_offset) rescaled by mult/shift,
 * plus output_offset, clamped to [-128, 127].
 */
arm_cmsis_nn_status stai_requantize_s8(const int8_t *input,
                                       int8_t *output,
                                       int32_t size,
                                       int32_t input_offset,
                                       int32_t mult,
                                       int32_t shift,
                                       int32_t output_offset);

/* ---- activations ------------------------------------------------------------------- */

/*
 * RELU / RELU6 / RELU_N1_TO_1: requantization as stai_requantize_s8, then clamped to
 * [act_min, act_max] (the activation range in output units, within [-128, 127]).
 */
arm_cmsis_nn_status stai_relu_s8(const int8_t *input,
                                 int8_t *output,
                                 int32_t size,
                                 int32_t input_offset,
                                 int32_t mult,
                                 int32_t shift,
                                 int32_t output_offset,
                                 int32_t act_min,
                                 int32_t act_max);

/*
 * LOGISTIC (output quantization 1/256, -128) and TANH (output 1/128, 0). Inputs with
 * |q - input_zero_point| >= input_range_radius saturate; the others are rescaled by
 * input_multiplier / input_left_shift to a Q4.27 fixed-point value.
 */
arm_cmsis_nn_status stai_logistic_s8(const int8_t *input,
                                     int8_t *output,
                                     int32_t size,
                                     int32_t input_zero_point,
                                     int32_t input_range_radius,
                                     int32_t input_multiplier,
                                     int32_t input_left_shift);

arm_cmsis_nn_status stai_tanh_s8(const int8_t *input,
                                 int8_t *output,
                                 int32_t size,
                                 int32_t input_zero_point,
                                 int32_t input_range_radius,
                                 int32_t input_multiplier,
                                 int32_t input_left_shift);

/*
 * LEAKY_RELU: x = q + input_offset; x >= 0 is rescaled by identity_mult/identity_shift,
 * x < 0 by alpha_mult/alpha_shift (a negative alpha_mult stands for a negative alpha: the
 * product is computed with -alpha_mult and negated); plus output_offset, clamped to int8.
 */
arm_cmsis_nn_status stai_leaky_relu_s8(const int8_t *input,
                                       int8_t *output,
                                       int32_t size,
                                       int32_t input_offset,
                                       int32_t output_offset,
                                       int32_t identity_mult,
                                       int32_t identity_shift,
                                       int32_t alpha_mult,
                                       int32_t alpha_shift);

/*
 * HARD_SWISH in 16-bit fixed point: output_multiplier / reluish_multiplier are Q15 values
 * in [0, 32767] with power-of-two exponents (output_multiplier_exponent <= 0).
 */
arm_cmsis_nn_status stai_hard_swish_s8(const int8_t *input,
                                       int8_t *output,
                                       int32_t size,
                                       int32_t input_zero_point,
                                       int32_t output_zero_point,
                                       int32_t output_multiplier,
                                       int32_t output_multiplier_exponent,
                                       int32_t reluish_multiplier,
                                       int32_t reluish_multiplier_exponent);

/*
 * PRELU on a 4-D NHWC tensor (in_dims, also the output's); alpha has alpha_dims, each
 * equal to the input's or 1 (broadcast), and its own quantization. x = q + input_offset;
 * x >= 0 is rescaled by identity_mult/identity_shift; x < 0 is multiplied by
 * (alpha code + alpha_offset) and rescaled by alpha_mult/alpha_shift; plus output_offset,
 * clamped to int8. Offsets are within [-255, 255], multipliers >= 0.
 */
arm_cmsis_nn_status stai_prelu_s8(const cmsis_nn_dims *in_dims,
                                  const int8_t *input,
                                  const cmsis_nn_dims *alpha_dims,
                                  const int8_t *alpha,
                                  int8_t *output,
                                  int32_t input_offset,
                                  int32_t alpha_offset,
                                  int32_t output_offset,
                                  int32_t identity_mult,
                                  int32_t identity_shift,
                                  int32_t alpha_mult,
                                  int32_t alpha_shift);

/* ---- reductions -------------------------------------------------------------------- */

/*
 * MEAN over H and W of an NHWC tensor (keep_dims or not: same memory layout, n * c
 * outputs). For each (n, c): sum of (q + input_offset) over h, w, rescaled by out_mult /
 * out_shift (which already include the 1 / (h * w) factor, see
 * quant_math.mean_params_s8), plus output_offset, clamped to [-128, 127].
 */
arm_cmsis_nn_status stai_mean_hw_s8(const int8_t *input,
                                    const cmsis_nn_dims *input_dims,
                                    int8_t *output,
                                    int32_t input_offset,
                                    int32_t out_mult,
                                    int32_t out_shift,
                                    int32_t output_offset);

/* ---- compressed weights -------------------------------------------------------------- */

/*
 * The CMSIS-NN API's s8 fully connected with k-means-shared int8 weights: weight (o, d) is
 * codebook[index[o * depth + d]] (index_bits 8: one index per byte; 4: two per byte, low
 * nibble first), decoded on the fly; then the same integer arithmetic, bit for bit.
 * per_channel selects quant->multiplier[o] / shift[o] over entry 0.
 */
arm_cmsis_nn_status stai_fully_connected_codebook_s8(const cmsis_nn_fc_params *params,
                                                     const cmsis_nn_per_channel_quant_params *quant,
                                                     int32_t per_channel,
                                                     const cmsis_nn_dims *input_dims,
                                                     const int8_t *input,
                                                     const cmsis_nn_dims *filter_dims,
                                                     const int8_t *codebook,
                                                     const uint8_t *indices,
                                                     int32_t index_bits,
                                                     const cmsis_nn_dims *bias_dims,
                                                     const int32_t *bias,
                                                     const cmsis_nn_dims *output_dims,
                                                     int8_t *output);

/*
 * The CMSIS-NN API's s8 convolution (per-channel requantization) with k-means-shared int8
 * weights: filter element (oc, ky, kx, i) is
 * codebook[index[((oc * kh + ky) * kw + kx) * group_c + i]] (index_bits 8: one index per
 * byte; 4: two per byte, low nibble first), decoded on the fly; same integer arithmetic,
 * bit for bit. Needs no scratch buffer.
 */
arm_cmsis_nn_status stai_conv2d_codebook_s8(const cmsis_nn_conv_params *params,
                                            const cmsis_nn_per_channel_quant_params *quant,
                                            const cmsis_nn_dims *input_dims,
                                            const int8_t *input,
                                            const cmsis_nn_dims *filter_dims,
                                            const int8_t *codebook,
                                            const uint8_t *indices,
                                            int32_t index_bits,
                                            const cmsis_nn_dims *bias_dims,
                                            const int32_t *bias,
                                            const cmsis_nn_dims *output_dims,
                                            int8_t *output);

#ifdef __cplusplus
}
#endif

#endif /* STAI_KERNELS_S8_H */
