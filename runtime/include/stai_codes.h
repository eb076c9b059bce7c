/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One body for the int8 and the int16 version of stai's own kernels that exist for both
 * widths (private to the runtime, not part of its API): QUANTIZE / DEQUANTIZE and the
 * requantizations, RELU and LEAKY_RELU, PAD, MEAN over H and W, MAXIMUM / MINIMUM and ADD / SUB / MUL
 * (same-shape or with 4-D NHWC broadcasting).
 *
 * A tensor of codes is passed untyped with the size of its elements, `bytes` (1: int8_t,
 * 2: int16_t); stai_code_load and stai_code_store read and write its element i. Each
 * kernel file passes a constant size, so the compiler specialises these functions for its
 * width. The arithmetic is that of the TFLite Micro reference kernels, in int32 whatever
 * the width (a code, an offset and a 2^22 left shift fit).
 */
#ifndef STAI_CODES_H
#define STAI_CODES_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "arm_nn_types.h"
#include "stai_fixedpoint.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The functions below are inlined into each kernel, so that its constant element size and
 * operation select one specialised loop (GCC and Clang inline them always). */
#if defined(__GNUC__)
#define STAI_CODES_INLINE static inline __attribute__((always_inline))
#else
#define STAI_CODES_INLINE static inline
#endif

/* Element i of an int8 (bytes 1) or int16 (bytes 2) tensor. */
STAI_CODES_INLINE int32_t stai_code_load(const void *codes, ptrdiff_t i, int32_t bytes)
{
    return bytes == 1 ? (int32_t)((const int8_t *)codes)[i] : (int32_t)((const int16_t *)codes)[i];
}

/* Writes value (in the element type's range) to element i. */
STAI_CODES_INLINE void stai_code_store(void *codes, ptrdiff_t i, int32_t bytes, int32_t value)
{
    if (bytes == 1)
    {
        ((int8_t *)codes)[i] = (int8_t)value;
    }
    else
    {
        ((int16_t *)codes)[i] = (int16_t)value;
    }
}

/* The lowest and the highest code of the element type. */
STAI_CODES_INLINE int32_t stai_code_min(int32_t bytes)
{
    return bytes == 1 ? INT8_MIN : INT16_MIN;
}

STAI_CODES_INLINE int32_t stai_code_max(int32_t bytes)
{
    return bytes == 1 ? INT8_MAX : INT16_MAX;
}

/* ---- conversions ------------------------------------------------------------------ */

/* QUANTIZE float32 -> codes: round-half-away-from-zero(input / scale) + zero_point,
 * saturated; ARM_CMSIS_NN_ARG_ERROR for a negative size, a scale not above 0 or a zero
 * point out of the type's range. */
STAI_CODES_INLINE arm_cmsis_nn_status stai_codes_quantize_f32(const float *input,
                                                          void *output,
                                                          int32_t size,
                                                          float scale,
                                                          int32_t zero_point,
                                                          int32_t bytes)
{
    const int32_t lo = stai_code_min(bytes);
    const int32_t hi = stai_code_max(bytes);
    if (size < 0 || !(scale > 0.0f) || zero_point < lo || zero_point > hi)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    for (int32_t i = 0; i < size; ++i)
    {
        /* a division, not a multiplication by 1 / scale, as the reference kernel does */
        stai_code_store(output, i, bytes, stai_round_to_range(input[i] / scale, zero_point, lo, hi));
    }
    return ARM_CMSIS_NN_SUCCESS;
}

/* DEQUANTIZE codes -> float32: scale * (input - zero_point); the caller checks the zero
 * point. */
STAI_CODES_INLINE arm_cmsis_nn_status stai_codes_dequantize_f32(const void *input,
                                                            float *output,
                                                            int32_t size,
                                                            float scale,
                                                            int32_t zero_point,
                                                            int32_t bytes)
{
    if (size < 0)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    for (int32_t i = 0; i < size; ++i)
    {
        /* input - zero_point has at most 17 bits (a zero point of the type's range): exact
         * in a float, and the exact product with the float scale fits a double, so one
         * float multiplication rounds as the reference's double product converted to
         * float. */
        output[i] = scale * (float)(stai_code_load(input, i, bytes) - zero_point);
    }
    return ARM_CMSIS_NN_SUCCESS;
}

/* Requantization between code types (in_bytes to out_bytes): every value becomes
 * clamp(MultiplyByQuantizedMultiplier(x + input_offset, mult, shift) + output_offset) to
 * the output type's range. */
STAI_CODES_INLINE arm_cmsis_nn_status stai_codes_requantize(const void *input,
                                                        int32_t in_bytes,
                                                        void *output,
                                                        int32_t out_bytes,
                                                        int32_t size,
                                                        int32_t input_offset,
                                                        int32_t mult,
                                                        int32_t shift,
                                                        int32_t output_offset)
{
    if (size < 0 || shift > 31 || shift < -31)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    const int32_t lo = stai_code_min(out_bytes);
    const int32_t hi = stai_code_max(out_bytes);
    for (int32_t i = 0; i < size; ++i)
    {
        const int32_t x = stai_code_load(input, i, in_bytes);
        const int32_t scaled = stai_multiply_by_quantized_multiplier(x + input_offset, mult, shift);
        stai_code_store(output, i, out_bytes, stai_clamp_s32(stai_wrap_add(scaled, output_offset), lo, hi));
    }
    return ARM_CMSIS_NN_SUCCESS;
}

/* ---- activations ------------------------------------------------------------------ */

/* RELU / RELU6 / RELU_N1_TO_1: each code requantized from the input to the output scale,
 * then clamped to [act_min, act_max] (inside the type's range). */
STAI_CODES_INLINE arm_cmsis_nn_status stai_codes_relu(const void *input,
                                                  void *output,
                                                  int32_t size,
                                                  int32_t input_offset,
                                                  int32_t mult,
                                                  int32_t shift,
                                                  int32_t output_offset,
                                                  int32_t act_min,
                                                  int32_t act_max,
                                                  int32_t bytes)
{
    if (size < 0 || shift > 31 || shift < -31 || act_min > act_max || act_min < stai_code_min(bytes) ||
        act_max > stai_code_max(bytes))
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    for (int32_t i = 0; i < size; ++i)
    {
        const int32_t x = stai_code_load(input, i, bytes);
        const int32_t value = stai_multiply_by_quantized_multiplier(x + input_offset, mult, shift);
        stai_code_store(output, i, bytes, stai_clamp_s32(stai_wrap_add(value, output_offset), act_min, act_max));
    }
    return ARM_CMSIS_NN_SUCCESS;
}

/* LEAKY_RELU: the identity multiplier for x >= 0, the alpha multiplier below (negative for
 * a negative alpha: the magnitude is multiplied, the product negated). */
STAI_CODES_INLINE arm_cmsis_nn_status stai_codes_leaky_relu(const void *input,
                                                        void *output,
                                                        int32_t size,
                                                        int32_t input_offset,
                                                        int32_t output_offset,
                                                        int32_t identity_mult,
                                                        int32_t identity_shift,
                                                        int32_t alpha_mult,
                                                        int32_t alpha_shift,
                                                        int32_t bytes)
{
    if (size < 0 || identity_shift > 31 || identity_shift < -31 || alpha_shift > 31 || alpha_shift < -31 ||
        identity_mult < 0 || alpha_mult == INT32_MIN)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    const int alpha_negative = alpha_mult < 0;
    const int32_t alpha_abs = alpha_negative ? -alpha_mult : alpha_mult;
    for (int32_t i = 0; i < size; ++i)
    {
        const int32_t x = stai_code_load(input, i, bytes) + input_offset;
        int32_t y;
        if (x >= 0)
        {
            y = stai_multiply_by_quantized_multiplier(x, identity_mult, identity_shift);
        }
        else
        {
            y = stai_multiply_by_quantized_multiplier(x, alpha_abs, alpha_shift);
            y = alpha_negative ? stai_wrap_neg(y) : y;
        }
        stai_code_store(output, i, bytes,
                        stai_clamp_s32(stai_wrap_add(y, output_offset), stai_code_min(bytes), stai_code_max(bytes)));
    }
    return ARM_CMSIS_NN_SUCCESS;
}

/* ---- data movement and reductions ------------------------------------------------- */

/* Whether dims is not NULL and no dimension is negative. */
STAI_CODES_INLINE int stai_dims_not_negative(const cmsis_nn_dims *dims)
{
    return dims != NULL && dims->n >= 0 && dims->h >= 0 && dims->w >= 0 && dims->c >= 0;
}

/* PAD / PADV2 of a 4-D NHWC tensor: the input surrounded, along each dimension, by
 * pad_before cells before and pad_after cells after, all holding pad_value. */
STAI_CODES_INLINE arm_cmsis_nn_status stai_codes_pad(const void *input,
                                                 const cmsis_nn_dims *input_dims,
                                                 const cmsis_nn_dims *pad_before,
                                                 const cmsis_nn_dims *pad_after,
                                                 int32_t pad_value,
                                                 void *output,
                                                 int32_t bytes)
{
    if (!stai_dims_not_negative(input_dims) || !stai_dims_not_negative(pad_before) ||
        !stai_dims_not_negative(pad_after))
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    const size_t out_c = (size_t)(input_dims->c + pad_before->c + pad_after->c);
    const size_t out_w = (size_t)(input_dims->w + pad_before->w + pad_after->w);
    const size_t out_h = (size_t)(input_dims->h + pad_before->h + pad_after->h);
    const size_t out_n = (size_t)(input_dims->n + pad_before->n + pad_after->n);
    const size_t plane = out_c * out_w;
    const size_t image = plane * out_h;
    const size_t total = image * out_n;
    /* Fill everything, then copy the input rows (the C dimension) into place. */
    if (bytes == 1)
    {
        memset(output, pad_value, total);
    }
    else
    {
        for (size_t i = 0; i < total; ++i)
        {
            stai_code_store(output, (ptrdiff_t)i, bytes, pad_value);
        }
    }
    const size_t row_bytes = (size_t)input_dims->c * (size_t)bytes;
    const unsigned char *in = (const unsigned char *)input;
    for (int32_t n = 0; n < input_dims->n; ++n)
    {
        for (int32_t h = 0; h < input_dims->h; ++h)
        {
            for (int32_t w = 0; w < input_dims->w; ++w)
            {
                const size_t at = (size_t)(n + pad_before->n) * image + (size_t)(h + pad_before->h) * plane +
                                  (size_t)(w + pad_before->w) * out_c + (size_t)pad_before->c;
                memcpy((unsigned char *)output + at * (size_t)bytes, in, row_bytes);
                in += row_bytes;
            }
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}

/* MEAN over H and W of an NHWC tensor, as TFLite Micro's reference kernel: the int32 sum
 * of (input + input_offset) over each channel's plane, requantized by (out_mult,
 * out_shift) (which include the division by h * w), plus output_offset, clamped to the
 * type's range. */
STAI_CODES_INLINE arm_cmsis_nn_status stai_codes_mean_hw(const void *input,
                                                     const cmsis_nn_dims *input_dims,
                                                     void *output,
                                                     int32_t input_offset,
                                                     int32_t out_mult,
                                                     int32_t out_shift,
                                                     int32_t output_offset,
                                                     int32_t bytes)
{
    if (input_dims == NULL || input_dims->n < 0 || input_dims->h < 0 || input_dims->w < 0 || input_dims->c < 0 ||
        out_shift > 31 || out_shift < -31)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    const size_t channels = (size_t)input_dims->c;
    const size_t plane = (size_t)input_dims->h * (size_t)input_dims->w;
    for (size_t n = 0; n < (size_t)input_dims->n; ++n)
    {
        const size_t image = n * plane * channels;
        for (size_t c = 0; c < channels; ++c)
        {
            int32_t sum = 0;
            for (size_t i = 0; i < plane; ++i)
            {
                sum += stai_code_load(input, (ptrdiff_t)(image + i * channels + c), bytes) + input_offset;
            }
            const int32_t value = stai_multiply_by_quantized_multiplier(sum, out_mult, out_shift);
            stai_code_store(output, (ptrdiff_t)(n * channels + c), bytes,
                            stai_clamp_s32(stai_wrap_add(value, output_offset), stai_code_min(bytes),
                                           stai_code_max(bytes)));
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}

/* ---- per-element operations ------------------------------------------------------ */

typedef enum
{
    STAI_CODES_MAX, /* the larger code (inputs and output share one quantization) */
    STAI_CODES_MIN, /* the smaller code */
    STAI_CODES_ADD,
    STAI_CODES_SUB,
    STAI_CODES_MUL
} stai_codes_op;

/*
 * The parameters of an operation, named as the kernels' arguments (see stai_kernels_s8.h):
 * MAXIMUM / MINIMUM read none; MUL reads the offsets and the output's multiplier, shift,
 * offset and clamp; ADD / SUB read every one.
 */
typedef struct
{
    stai_codes_op op;
    int32_t input_1_offset;
    int32_t input_1_mult;
    int32_t input_1_shift;
    int32_t input_2_offset;
    int32_t input_2_mult;
    int32_t input_2_shift;
    int32_t left_shift;
    int32_t out_offset;
    int32_t out_mult;
    int32_t out_shift;
    int32_t act_min;
    int32_t act_max;
} stai_codes_params;

/* The output code of one element: x1 op x2. */
STAI_CODES_INLINE int32_t stai_codes_one(int32_t x1, int32_t x2, const stai_codes_params *p)
{
    int32_t raw;
    switch (p->op)
    {
    case STAI_CODES_MAX:
        return x1 > x2 ? x1 : x2;
    case STAI_CODES_MIN:
        return x1 < x2 ? x1 : x2;
    case STAI_CODES_MUL:
        raw = stai_multiply_by_quantized_multiplier(
            (x1 + p->input_1_offset) * (x2 + p->input_2_offset), p->out_mult, p->out_shift);
        break;
    default: {
        /* ADD / SUB: both inputs scaled up, rescaled to a common scale, then combined */
        const int32_t a = (x1 + p->input_1_offset) * ((int32_t)1 << p->left_shift);
        const int32_t b = (x2 + p->input_2_offset) * ((int32_t)1 << p->left_shift);
        const int32_t a_scaled = stai_multiply_by_quantized_multiplier(a, p->input_1_mult, p->input_1_shift);
        const int32_t b_scaled = stai_multiply_by_quantized_multiplier(b, p->input_2_mult, p->input_2_shift);
        const int32_t combined =
            p->op == STAI_CODES_ADD ? stai_wrap_add(a_scaled, b_scaled) : stai_wrap_sub(a_scaled, b_scaled);
        raw = stai_multiply_by_quantized_multiplier(combined, p->out_mult, p->out_shift);
        break;
    }
    }
    return stai_clamp_s32(stai_wrap_add(raw, p->out_offset), p->act_min, p->act_max);
}

/* output[i] = input_1[i] op input_2[i] for the size elements of three same-shape tensors. */
STAI_CODES_INLINE void stai_codes_elementwise(const void *input_1,
                                          const void *input_2,
                                          void *output,
                                          int32_t size,
                                          const stai_codes_params *p,
                                          int32_t bytes)
{
    const stai_codes_params params = *p; /* a local copy: the stores cannot change it */
    for (int32_t i = 0; i < size; ++i)
    {
        stai_code_store(output, i, bytes, stai_codes_one(stai_code_load(input_1, i, bytes),
                                                         stai_code_load(input_2, i, bytes), &params));
    }
}

/* ---- broadcasting ----------------------------------------------------------------- */

/* Element strides of an input along n, h, w, c; 0 along the dimensions it broadcasts. */
typedef struct
{
    ptrdiff_t n;
    ptrdiff_t h;
    ptrdiff_t w;
    ptrdiff_t c;
} stai_strides;

/* Whether every dimension of dims is at least 1 (and dims is not NULL). */
STAI_CODES_INLINE int stai_dims_positive(const cmsis_nn_dims *dims)
{
    return dims != NULL && dims->n >= 1 && dims->h >= 1 && dims->w >= 1 && dims->c >= 1;
}

/* Whether `in` broadcasts to `out` (each dimension equal to the output's, or 1); if so,
 * its strides are written to s. */
STAI_CODES_INLINE int stai_broadcast_strides(const cmsis_nn_dims *in, const cmsis_nn_dims *out, stai_strides *s)
{
    if ((in->n != out->n && in->n != 1) || (in->h != out->h && in->h != 1) || (in->w != out->w && in->w != 1) ||
        (in->c != out->c && in->c != 1))
    {
        return 0;
    }
    s->c = in->c == 1 ? 0 : 1;
    s->w = in->w == 1 ? 0 : (ptrdiff_t)in->c;
    s->h = in->h == 1 ? 0 : (ptrdiff_t)in->c * in->w;
    s->n = in->n == 1 ? 0 : (ptrdiff_t)in->c * in->w * in->h;
    return 1;
}

/*
 * output = input_1 op input_2 with broadcasting, the output written in order (so it may
 * overwrite an input of its shape). ARM_CMSIS_NN_ARG_ERROR, nothing written, when an
 * input does not broadcast to output_dims; the other arguments are the caller's to check.
 */
STAI_CODES_INLINE arm_cmsis_nn_status stai_codes_broadcast(const void *input_1,
                                                       const cmsis_nn_dims *input_1_dims,
                                                       const void *input_2,
                                                       const cmsis_nn_dims *input_2_dims,
                                                       void *output,
                                                       const cmsis_nn_dims *output_dims,
                                                       const stai_codes_params *p,
                                                       int32_t bytes)
{
    stai_strides s1;
    stai_strides s2;
    if (!stai_broadcast_strides(input_1_dims, output_dims, &s1) ||
        !stai_broadcast_strides(input_2_dims, output_dims, &s2))
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    const stai_codes_params params = *p; /* a local copy: the stores cannot change it */
    ptrdiff_t out = 0;
    for (int32_t n = 0; n < output_dims->n; ++n)
    {
        for (int32_t h = 0; h < output_dims->h; ++h)
        {
            for (int32_t w = 0; w < output_dims->w; ++w)
            {
                const ptrdiff_t row_1 = n * s1.n + h * s1.h + w * s1.w;
                const ptrdiff_t row_2 = n * s2.n + h * s2.h + w * s2.w;
                for (int32_t c = 0; c < output_dims->c; ++c)
                {
                    const int32_t x1 = stai_code_load(input_1, row_1 + c * s1.c, bytes);
                    const int32_t x2 = stai_code_load(input_2, row_2 + c * s2.c, bytes);
                    stai_code_store(output, out++, bytes, stai_codes_one(x1, x2, &params));
                }
            }
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}

#ifdef __cplusplus
}
#endif

#endif /* STAI_CODES_H */
