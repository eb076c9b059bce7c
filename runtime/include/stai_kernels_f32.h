/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stai's float32 kernels.
 *
 * The arithmetic (and the order of every accumulation) follows the TFLite float reference
 * kernels, so results match a reference interpreter to float rounding.
 *
 * Conventions, shared by every function below:
 * - Tensors are NHWC and described by `cmsis_nn_dims` {n, h, w, c}; a tensor of lower rank
 *   is padded with leading 1s (a [rows, depth] tensor is {1, 1, rows, depth} or
 *   {rows, 1, 1, depth}: only the product matters where a kernel says so).
 * - Filters are stored as TFLite stores them:
 *     conv2d            [out_c, kh, kw, in_c / groups]   dims {n=out_c, h=kh, w=kw, c=in_c/groups}
 *     depthwise conv2d  [1, kh, kw, in_c * multiplier]   dims {n=1, h=kh, w=kw, c=out_c}
 *     fully connected   [out, in]                        dims {n=in (accumulation depth),
 *                                                              c=out} (as the CMSIS-NN API)
 * - A fused activation is a clamp to [act_min, act_max]; pass -FLT_MAX / FLT_MAX for none
 *   (0 / FLT_MAX for relu, 0 / 6 for relu6, -1 / 1 for relu_n1_to_1).
 * - Bias pointers may be NULL (no bias).
 * - Every function returns ARM_CMSIS_NN_SUCCESS, or ARM_CMSIS_NN_ARG_ERROR when the
 *   dimensions are inconsistent (nothing is written in that case, unless stated).
 * - The kernels are context-free: no scratch buffer, no heap (except the hybrid kernels,
 *   which quantize their input into a caller-given scratch buffer). Inputs and
 *   outputs must not overlap, except for the element-wise unary kernels (clamp, logistic,
 *   tanh, leaky_relu, hard_swish), which may run in place (out == in).
 */
#ifndef STAI_KERNELS_F32_H
#define STAI_KERNELS_F32_H

#include "arm_nn_types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Parameters of stai_conv2d_f32. */
typedef struct
{
    cmsis_nn_tile stride;   /* {w, h}: step between two output positions, in input pixels */
    cmsis_nn_tile padding;  /* {w, h}: implicit zero columns on the left / rows on the top */
    cmsis_nn_tile dilation; /* {w, h}: step between two filter taps; {1, 1} for none */
    float act_min;          /* fused activation: lower clamp */
    float act_max;          /* fused activation: upper clamp */
} stai_conv_params_f32;

/* Parameters of stai_depthwise_conv2d_f32. */
typedef struct
{
    int32_t ch_mult;        /* channel multiplier = output channels / input channels (derive it
                               from the shapes: a model's depth_multiplier may be stale) */
    cmsis_nn_tile stride;   /* {w, h} */
    cmsis_nn_tile padding;  /* {w, h}: left / top padding */
    cmsis_nn_tile dilation; /* {w, h}; {1, 1} for none */
    float act_min;
    float act_max;
} stai_dw_conv_params_f32;

/* Weight scales of the hybrid kernels (stai_conv2d_hybrid_f32,
 * stai_depthwise_conv2d_hybrid_f32, stai_fully_connected_hybrid_f32): one (per tensor) or
 * one per output channel. */
typedef struct
{
    const float *scales;
    int32_t num_scales;
} stai_hybrid_quant_params_f32;

/* Parameters of stai_fully_connected_hybrid_f32. */
typedef struct
{
    int32_t asymmetric_inputs; /* 1: rows quantized with a zero point; 0: symmetric */
    float act_min;
    float act_max;
} stai_fc_hybrid_params_f32;

/* Parameters of stai_fully_connected_f32. */
typedef struct
{
    float act_min;
    float act_max;
} stai_fc_params_f32;

/* Parameters of stai_avgpool_f32 and stai_max_pool_f32. */
typedef struct
{
    cmsis_nn_tile stride;  /* {w, h} */
    cmsis_nn_tile padding; /* {w, h}: left / top padding (padded cells are ignored) */
    float act_min;
    float act_max;
} stai_pool_params_f32;

/* ---------------------------------------------------------------- convolutions -------- */

/*
 * 2-D convolution: output[b, y, x, o] = act(sum over (ky, kx, i) of
 *   input[b, y*stride.h - pad.h + ky*dil.h, x*stride.w - pad.w + kx*dil.w, g*Cf + i]
 *   * filter[o, ky, kx, i] + bias[o]), taps outside the input skipped.
 * params      stride, padding (top/left), dilation, activation range
 * input_dims  {batches, in_h, in_w, in_c}
 * input       input tensor
 * filter_dims {out_c, kh, kw, Cf}; in_c must be a multiple of Cf (groups = in_c / Cf, each
 *             group g produces out_c / groups consecutive output channels)
 * filter      filter tensor [out_c, kh, kw, Cf]
 * bias_dims   {1, 1, 1, out_c}; not read (kept for the CMSIS-NN call shape), may be NULL
 * bias        out_c values, or NULL
 * output_dims {batches, out_h, out_w, out_c}: the output size is taken from here
 * output      output tensor
 */
arm_cmsis_nn_status stai_conv2d_f32(const stai_conv_params_f32 *params,
                                    const cmsis_nn_dims *input_dims,
                                    const float *input,
                                    const cmsis_nn_dims *filter_dims,
                                    const float *filter,
                                    const cmsis_nn_dims *bias_dims,
                                    const float *bias,
                                    const cmsis_nn_dims *output_dims,
                                    float *output);

/*
 * Depthwise 2-D convolution with a channel multiplier: output channel o = i * ch_mult + m
 * reads only input channel i.
 * params      ch_mult, stride, padding (top/left), dilation, activation range
 * input_dims  {batches, in_h, in_w, in_c}
 * input       input tensor
 * filter_dims {1, kh, kw, in_c * ch_mult}
 * filter      filter tensor [1, kh, kw, in_c * ch_mult]
 * bias_dims   {1, 1, 1, out_c}; not read, may be NULL
 * bias        out_c values, or NULL
 * output_dims {batches, out_h, out_w, in_c * ch_mult}
 * output      output tensor
 */
arm_cmsis_nn_status stai_depthwise_conv2d_f32(const stai_dw_conv_params_f32 *params,
                                              const cmsis_nn_dims *input_dims,
                                              const float *input,
                                              const cmsis_nn_dims *filter_dims,
                                              const float *filter,
                                              const cmsis_nn_dims *bias_dims,
                                              const float *bias,
                                              const cmsis_nn_dims *output_dims,
                                              float *output);

/*
 * Hybrid (dynamic-range) 2-D convolution: float32 input and output, int8 filter (1 byte per
 * weight in flash, 4x less than float). Per batch, the input is quantized to int8 into the
 * scratch buffer (symmetric with one filter scale, asymmetric with per-channel scales), the
 * products are summed in int32, scaled back to float by input scale x filter scale, then
 * the bias is added and the result clamped: the TFLite reference hybrid convolution.
 * ctx         scratch buffer, 4-byte aligned, of at least n * (8 + h * w * c) bytes for
 *             input_dims {n, h, w, c} (per batch: float scale, int32 zero point, int8 input)
 * params      stride, padding (top/left), dilation, activation range (as stai_conv2d_f32)
 * quant       filter scales: num_scales = 1 (per tensor) or out_c (per output channel)
 * filter      int8 filter [out_c, kh, kw, Cf] (symmetric: zero point 0)
 * other arguments as stai_conv2d_f32
 */
arm_cmsis_nn_status stai_conv2d_hybrid_f32(const cmsis_nn_context *ctx,
                                           const stai_conv_params_f32 *params,
                                           const stai_hybrid_quant_params_f32 *quant,
                                           const cmsis_nn_dims *input_dims,
                                           const float *input,
                                           const cmsis_nn_dims *filter_dims,
                                           const int8_t *filter,
                                           const cmsis_nn_dims *bias_dims,
                                           const float *bias,
                                           const cmsis_nn_dims *output_dims,
                                           float *output);

/*
 * Hybrid (dynamic-range) depthwise 2-D convolution: float32 input and output, int8 filter
 * (1 byte per weight). Per batch, the input is quantized to int8 into the scratch buffer
 * (asymmetric: scale s and zero point z), w * (q - z) is summed in int32 over the taps,
 * then out = act((float)acc * (filter_scale[o] * s) + bias[o]): the TFLite reference
 * hybrid depthwise convolution.
 * ctx         scratch buffer, 4-byte aligned, of at least n * (8 + h * w * c) bytes for
 *             input_dims {n, h, w, c} (per batch: float scale, int32 zero point, int8 input)
 * params      ch_mult, stride, padding (top/left), dilation, activation range (as
 *             stai_depthwise_conv2d_f32)
 * quant       filter scales: num_scales = 1 (the same for every channel) or out_c
 * filter      int8 filter [1, kh, kw, out_c] (symmetric: zero point 0)
 * other arguments as stai_depthwise_conv2d_f32
 */
arm_cmsis_nn_status stai_depthwise_conv2d_hybrid_f32(const cmsis_nn_context *ctx,
                                                     const stai_dw_conv_params_f32 *params,
                                                     const stai_hybrid_quant_params_f32 *quant,
                                                     const cmsis_nn_dims *input_dims,
                                                     const float *input,
                                                     const cmsis_nn_dims *filter_dims,
                                                     const int8_t *filter,
                                                     const cmsis_nn_dims *bias_dims,
                                                     const float *bias,
                                                     const cmsis_nn_dims *output_dims,
                                                     float *output);

/*
 * Fully connected: output[b, o] = act(sum over d of input[b, d] * filter[o, d] + bias[o]).
 * params      activation range
 * input_dims  input_dims->n = number of rows (batches); the rest is ignored, each row
 *             holds filter_dims->n values
 * input       [batches, accumulation depth]
 * filter_dims {n = accumulation depth, c = out}
 * filter      [out, accumulation depth]
 * bias_dims   {1, 1, 1, out}; not read, may be NULL
 * bias        out values, or NULL
 * output_dims output_dims->c = out (must equal filter_dims->c)
 * output      [batches, out]
 */
arm_cmsis_nn_status stai_fully_connected_f32(const stai_fc_params_f32 *params,
                                             const cmsis_nn_dims *input_dims,
                                             const float *input,
                                             const cmsis_nn_dims *filter_dims,
                                             const float *filter,
                                             const cmsis_nn_dims *bias_dims,
                                             const float *bias,
                                             const cmsis_nn_dims *output_dims,
                                             float *output);

/*
 * Hybrid (dynamic-range) fully connected: float32 input and output, int8 weights (1 byte
 * per weight). Each row of the input is quantized to int8 into the scratch buffer
 * (symmetric, or asymmetric with a zero point z when params->asymmetric_inputs), the
 * products w * (q - z) are summed in int32, then
 * out[b, o] = act(bias[o] + (float)acc * (row_scale * filter_scale)): the TFLite reference
 * hybrid fully connected.
 * ctx         scratch buffer, 4-byte aligned, of at least rows * (8 + depth) bytes (per
 *             row: float scale, int32 zero point, int8 row)
 * params      input quantization, activation range
 * quant       filter scales: num_scales = 1 (per tensor) or out (per output)
 * filter      int8 weights [out, accumulation depth] (symmetric: zero point 0)
 * other arguments as stai_fully_connected_f32
 */
arm_cmsis_nn_status stai_fully_connected_hybrid_f32(const cmsis_nn_context *ctx,
                                                    const stai_fc_hybrid_params_f32 *params,
                                                    const stai_hybrid_quant_params_f32 *quant,
                                                    const cmsis_nn_dims *input_dims,
                                                    const float *input,
                                                    const cmsis_nn_dims *filter_dims,
                                                    const int8_t *filter,
                                                    const cmsis_nn_dims *bias_dims,
                                                    const float *bias,
                                                    const cmsis_nn_dims *output_dims,
                                                    float *output);

/*
 * stai_fully_connected_f32 with k-means-shared weights: weight (o, d) is
 * codebook[index[o * depth + d]]; index_bits 8: one index per byte; index_bits 4: two per
 * byte, low nibble first. The weights are decoded on the fly (no decoded copy).
 */
arm_cmsis_nn_status stai_fully_connected_codebook_f32(const stai_fc_params_f32 *params,
                                                      const cmsis_nn_dims *input_dims,
                                                      const float *input,
                                                      const cmsis_nn_dims *filter_dims,
                                                      const float *codebook,
                                                      const uint8_t *indices,
                                                      int32_t index_bits,
                                                      const cmsis_nn_dims *bias_dims,
                                                      const float *bias,
                                                      const cmsis_nn_dims *output_dims,
                                                      float *output);

/*
 * stai_conv2d_f32 with k-means-shared weights: filter element (oc, ky, kx, i) is
 * codebook[index[((oc * kh + ky) * kw + kx) * group_c + i]] (index_bits 8: one index per
 * byte; 4: two per byte, low nibble first), decoded on the fly; same summation order.
 */
arm_cmsis_nn_status stai_conv2d_codebook_f32(const stai_conv_params_f32 *params,
                                             const cmsis_nn_dims *input_dims,
                                             const float *input,
                                             const cmsis_nn_dims *filter_dims,
                                             const float *codebook,
                                             const uint8_t *indices,
                                             int32_t index_bits,
                                             const cmsis_nn_dims *bias_dims,
                                             const float *bias,
                                             const cmsis_nn_dims *output_dims,
                                             float *output);

/*
 * Transposed 2-D convolution: every input pixel (y, x) adds filter[o, ky, kx, :] . input
 * to the full output at (y*stride.h + ky*dil.h, x*stride.w + kx*dil.w); the output tensor
 * is the window of the full output starting padding.h rows / padding.w columns in, of the
 * size output_dims gives; then bias and the activation range.
 * params      stride, padding (top/left cropped), dilation, activation range
 * input_dims  {batches, in_h, in_w, in_c}
 * filter_dims {out_c, kh, kw, in_c}; filter [out_c, kh, kw, in_c]
 * bias        out_c values, or NULL (bias_dims is not read)
 * output_dims {batches, out_h, out_w, out_c}
 */
arm_cmsis_nn_status stai_transpose_conv2d_f32(const stai_conv_params_f32 *params,
                                              const cmsis_nn_dims *input_dims,
                                              const float *input,
                                              const cmsis_nn_dims *filter_dims,
                                              const float *filter,
                                              const cmsis_nn_dims *bias_dims,
                                              const float *bias,
                                              const cmsis_nn_dims *output_dims,
                                              float *output);

/* ---------------------------------------------------------------- pooling ------------- */

/*
 * Average pooling: the mean of the window cells that fall inside the input (padded cells
 * are not counted). Returns ARM_CMSIS_NN_ARG_ERROR if a window holds no input cell.
 * params      stride, padding (top/left), activation range
 * input_dims  {batches, in_h, in_w, c}
 * input       input tensor
 * filter_dims {_, kh, kw, _}: the window size (h, w)
 * output_dims {batches, out_h, out_w, c}
 * output      output tensor
 */
arm_cmsis_nn_status stai_avgpool_f32(const stai_pool_params_f32 *params,
                                     const cmsis_nn_dims *input_dims,
                                     const float *input,
                                     const cmsis_nn_dims *filter_dims,
                                     const cmsis_nn_dims *output_dims,
                                     float *output);

/* Max pooling: the maximum of the window cells inside the input; same parameters as
 * stai_avgpool_f32 (an empty window gives the lowest float, clamped). */
arm_cmsis_nn_status stai_max_pool_f32(const stai_pool_params_f32 *params,
                                      const cmsis_nn_dims *input_dims,
                                      const float *input,
                                      const cmsis_nn_dims *filter_dims,
                                      const cmsis_nn_dims *output_dims,
                                      float *output);

/* Mean over H and W of an NHWC tensor: output[b, c] = sum over (h, w) / (H * W).
 * input_dims {batches, h, w, c}; output holds batches * c values (keeping the reduced
 * dimensions as 1s or dropping them is only a matter of shape). */
arm_cmsis_nn_status stai_mean_hw_f32(const cmsis_nn_dims *input_dims, const float *input, float *output);

/* ---------------------------------------------------------------- element-wise binary - */

/*
 * Element-wise binary operations with 4-D NHWC broadcasting.
 * in1_dims, in2_dims  the shapes of the two inputs; along each of n, h, w, c an input
 *                     dimension must equal the output's or be 1 (then it is broadcast)
 * in1, in2            the inputs
 * out_dims            the output shape
 * out                 the output
 * act_min, act_max    fused activation range
 * add: in1 + in2, sub: in1 - in2, mul: in1 * in2, div: in1 / in2.
 */
arm_cmsis_nn_status stai_add_f32(const cmsis_nn_dims *in1_dims,
                                 const float *in1,
                                 const cmsis_nn_dims *in2_dims,
                                 const float *in2,
                                 const cmsis_nn_dims *out_dims,
                                 float *out,
                                 float act_min,
                                 float act_max);
arm_cmsis_nn_status stai_sub_f32(const cmsis_nn_dims *in1_dims,
                                 const float *in1,
                                 const cmsis_nn_dims *in2_dims,
                                 const float *in2,
                                 const cmsis_nn_dims *out_dims,
                                 float *out,
                                 float act_min,
                                 float act_max);
arm_cmsis_nn_status stai_mul_f32(const cmsis_nn_dims *in1_dims,
                                 const float *in1,
                                 const cmsis_nn_dims *in2_dims,
                                 const float *in2,
                                 const cmsis_nn_dims *out_dims,
                                 float *out,
                                 float act_min,
                                 float act_max);
arm_cmsis_nn_status stai_div_f32(const cmsis_nn_dims *in1_dims,
                                 const float *in1,
                                 const cmsis_nn_dims *in2_dims,
                                 const float *in2,
                                 const cmsis_nn_dims *out_dims,
                                 float *out,
                                 float act_min,
                                 float act_max);

/* Element-wise maximum / minimum with the same broadcasting (no fused activation):
 * out = in1 > in2 ? in1 : in2 (maximum), in1 < in2 ? in1 : in2 (minimum). */
arm_cmsis_nn_status stai_maximum_f32(const cmsis_nn_dims *in1_dims,
                                     const float *in1,
                                     const cmsis_nn_dims *in2_dims,
                                     const float *in2,
                                     const cmsis_nn_dims *out_dims,
                                     float *out);
arm_cmsis_nn_status stai_minimum_f32(const cmsis_nn_dims *in1_dims,
                                     const float *in1,
                                     const cmsis_nn_dims *in2_dims,
                                     const float *in2,
                                     const cmsis_nn_dims *out_dims,
                                     float *out);

/* ---------------------------------------------------------------- element-wise unary -- */

/*
 * Softmax over the last dimension: for each of `rows` rows of `depth` values,
 * out[i] = exp(beta * (in[i] - max)) / sum over the row of exp(beta * (in[j] - max)).
 * in      rows * depth values
 * rows    number of rows (product of all dimensions but the last)
 * depth   size of the last dimension (> 0)
 * beta    the scale of the logits
 * out     rows * depth values
 */
arm_cmsis_nn_status stai_softmax_f32(const float *in, int32_t rows, int32_t depth, float beta, float *out);

/* out[i] = 1 / (1 + exp(-in[i])) for `size` values (in place allowed). */
arm_cmsis_nn_status stai_logistic_f32(const float *in, float *out, int32_t size);

/* out[i] = tanh(in[i]) for `size` values (in place allowed). */
arm_cmsis_nn_status stai_tanh_f32(const float *in, float *out, int32_t size);

/* out[i] = min(max(in[i], min), max) for `size` values (in place allowed): relu is
 * (0, FLT_MAX), relu6 is (0, 6), relu_n1_to_1 is (-1, 1). */
arm_cmsis_nn_status stai_clamp_f32(const float *in, float *out, int32_t size, float min, float max);

/* out[i] = in[i] > 0 ? in[i] : alpha * in[i] for `size` values (in place allowed). */
arm_cmsis_nn_status stai_leaky_relu_f32(const float *in, float *out, int32_t size, float alpha);

/* out[i] = in[i] * min(6, max(0, in[i] + 3)) / 6 for `size` values (in place allowed). */
arm_cmsis_nn_status stai_hard_swish_f32(const float *in, float *out, int32_t size);

/* ---------------------------------------------------------------- data movement ------- */

/*
 * Constant padding of a 4-D NHWC tensor.
 * input       input tensor of shape input_size
 * output      output tensor of shape input_size + pre_pad + post_pad (per dimension)
 * pad_value   the value of the padded cells
 * input_size  {n, h, w, c} of the input
 * pre_pad     number of cells added before the data, per dimension (>= 0)
 * post_pad    number of cells added after the data, per dimension (>= 0)
 */
arm_cmsis_nn_status stai_pad_f32(const float *input,
                                 float *output,
                                 float pad_value,
                                 const cmsis_nn_dims *input_size,
                                 const cmsis_nn_dims *pre_pad,
                                 const cmsis_nn_dims *post_pad);

/* ---------------------------------------------------------------- keras activations --- */

/* out[i] = in[i] * logistic(in[i]) (swish, SiLU) for `size` values (in place allowed). */
arm_cmsis_nn_status stai_swish_f32(const float *in, float *out, int32_t size);

/* out[i] = min(max(alpha * in[i] + beta, 0), 1) for `size` values (in place allowed). */
arm_cmsis_nn_status stai_hard_sigmoid_f32(const float *in, float *out, int32_t size, float alpha, float beta);

/*
 * Parametric relu: out = in >= 0 ? in : alpha * in on a 4-D NHWC tensor.
 * in_dims     {n, h, w, c} of the input (and of the output)
 * alpha_dims  the shape of alpha: along each dimension equal to the input's, or 1 (broadcast)
 */
arm_cmsis_nn_status stai_prelu_f32(const cmsis_nn_dims *in_dims,
                                   const float *in,
                                   const cmsis_nn_dims *alpha_dims,
                                   const float *alpha,
                                   float *out);

/* ---------------------------------------------------------------- recurrent ----------- */

/* Parameters of stai_lstm_f32. */
typedef struct
{
    int32_t units;            /* U: size of the hidden and cell states */
    int32_t return_sequences; /* 1: the output holds every step's h; 0: only the last one */
} stai_lstm_params_f32;

/*
 * Forward LSTM, both states zero at the start of every batch (stateless).
 * params      units, return_sequences
 * input_dims  {n = batches, h = 1, w = time steps T, c = features F}
 * input       [batches, T, F]
 * weights     [4 * U, F]: gates input, forget, cell, output (rows k * U + j)
 * recurrent   [4 * U, U], same gate order
 * bias        [4 * U], or NULL
 * state       scratch of 3 * U floats (overwritten)
 * output      [batches, T, U] (return_sequences) or [batches, U]
 * Gates: i, f, o = logistic(z), g = tanh(z); c = f * c + i * g; h = o * tanh(c).
 */
arm_cmsis_nn_status stai_lstm_f32(const stai_lstm_params_f32 *params,
                                  const cmsis_nn_dims *input_dims,
                                  const float *input,
                                  const float *weights,
                                  const float *recurrent,
                                  const float *bias,
                                  float *state,
                                  float *output);

/* ------------------------------------------- run-time quantization of the hybrid kernels -- */

/*
 * Run-time int8 quantization of one row (or batch) of size >= 1 floats, as the hybrid
 * kernels above do it: real = scale * (q - zero_point).
 * asymmetric  0: symmetric, q = round(x * 127 / max|x|) in [-127, 127], zero point 0,
 *             scale max|x| / 127; 1: over [min(0, x), max(0, x)], q in [-128, 127] with
 *             a nudged zero point (the TFLite reference rounding points)
 * out         size int8 values
 * scale       the scale (1 for an all-zero row)
 * zero_point  the zero point (0 when symmetric)
 */
arm_cmsis_nn_status stai_hybrid_quantize_f32(const float *values,
                                             int32_t size,
                                             int32_t asymmetric,
                                             int8_t *out,
                                             float *scale,
                                             int32_t *zero_point);

#ifdef __cplusplus
}
#endif

#endif /* STAI_KERNELS_F32_H */
