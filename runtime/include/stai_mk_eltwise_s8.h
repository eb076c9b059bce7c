/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stai's int8 element-wise and pooling micro-kernels: stai_mk_add_s8, stai_mk_mul_s8
 * (two same-shape tensors), stai_mk_avgpool_s8 and stai_mk_maxpool_s8 (any window,
 * stride and padding, batch 1).
 *
 * Like the kernels of stai_mk_s8.h (whose primitives and requantization they use), they
 * are header-only and called by the generated code with literal constants for every
 * int32 argument, so that each call site is specialised by the compiler; they give the
 * integers of the TFLite Micro int8 reference kernels (and of arm_elementwise_add_s8,
 * arm_elementwise_mul_s8, arm_avgpool_s8, arm_max_pool_s8) bit for bit.
 *
 * Memory order (plan-memory relies on it): the element-wise kernels read element i of
 * both inputs before they write element i, in increasing order of i, so the output may
 * be either input (in place). The pooling kernels compute output pixels in increasing
 * row-major order; an output pixel reads only input pixels of its own window (none
 * before the window's first pixel) and is written after they are read.
 *
 * The offline parameters (stai.runtime.mk_eltwise_layouts): an addition's plan
 * (plan_add_s8: method, k1, k2, k0, kshift) and a multiplication's fast_requant
 * (fast_requant_mul), both documented there.
 */
#ifndef STAI_MK_ELTWISE_S8_H
#define STAI_MK_ELTWISE_S8_H

#include "stai_mk_s8.h"

/* ---- primitives ------------------------------------------------------------------------ */

/* acc + bytes 0 and 2 of x, sign-extended, in two halfword lanes (SXTAB16). */
STAI_MK_INLINE int32_t stai_mk_ew_sxtab16(int32_t acc, int32_t x)
{
#if STAI_MK_DSP
    return (int32_t)__sxtab16((uint32_t)acc, (uint32_t)x);
#else
    const uint32_t lo = ((uint32_t)acc + (uint32_t)(int32_t)(int8_t)(uint8_t)((uint32_t)x & 0xFFu)) & 0xFFFFu;
    const uint32_t hi = ((uint32_t)acc >> 16) + (uint32_t)(int32_t)(int8_t)(uint8_t)(((uint32_t)x >> 16) & 0xFFu);
    return (int32_t)(lo | (hi << 16));
#endif
}

/* acc + bytes 1 and 3 of x, sign-extended, in two halfword lanes (SXTAB16, ROR #8). */
STAI_MK_INLINE int32_t stai_mk_ew_sxtab16_ror8(int32_t acc, int32_t x)
{
#if STAI_MK_DSP
    int32_t r;
    __asm__("sxtab16 %0, %1, %2, ror #8" : "=r"(r) : "r"(acc), "r"(x));
    return r;
#else
    const uint32_t u = (uint32_t)x;
    return stai_mk_ew_sxtab16(acc, (int32_t)((u >> 8) | (u << 24)));
#endif
}

/* The four signed bytes of a and b, each the larger (SSUB8 then SEL). */
STAI_MK_INLINE int32_t stai_mk_ew_max8(int32_t a, int32_t b)
{
#if STAI_MK_DSP
    int32_t r;
    __asm__("ssub8 %0, %1, %2\n\tsel %0, %1, %2" : "=&r"(r) : "r"(a), "r"(b) : "cc");
    return r;
#else
    uint32_t r = 0;
    for (int32_t k = 0; k < 32; k += 8)
    {
        const int32_t x = (int32_t)(int8_t)(uint8_t)(((uint32_t)a >> k) & 0xFFu);
        const int32_t y = (int32_t)(int8_t)(uint8_t)(((uint32_t)b >> k) & 0xFFu);
        r |= ((uint32_t)(x > y ? x : y) & 0xFFu) << k;
    }
    return (int32_t)r;
#endif
}

/* The four signed bytes of a and b, each the smaller (SSUB8 then SEL). */
STAI_MK_INLINE int32_t stai_mk_ew_min8(int32_t a, int32_t b)
{
#if STAI_MK_DSP
    int32_t r;
    __asm__("ssub8 %0, %1, %2\n\tsel %0, %2, %1" : "=&r"(r) : "r"(a), "r"(b) : "cc");
    return r;
#else
    uint32_t r = 0;
    for (int32_t k = 0; k < 32; k += 8)
    {
        const int32_t x = (int32_t)(int8_t)(uint8_t)(((uint32_t)a >> k) & 0xFFu);
        const int32_t y = (int32_t)(int8_t)(uint8_t)(((uint32_t)b >> k) & 0xFFu);
        r |= ((uint32_t)(x < y ? x : y) & 0xFFu) << k;
    }
    return (int32_t)r;
#endif
}

STAI_MK_INLINE void stai_mk_ew_store32(void *p, int32_t v)
{
    memcpy(p, &v, 4);
}

/* Clamp y to [act_min, act_max] (nothing for the int8 range's own bounds). */
STAI_MK_INLINE int32_t stai_mk_ew_clamp(int32_t y, int32_t act_min, int32_t act_max)
{
    if (act_min > -128)
    {
        y = y < act_min ? act_min : y;
    }
    if (act_max < 127)
    {
        y = y > act_max ? act_max : y;
    }
    return y;
}

/* arm_nn_requantize(v, mult, shift), free of undefined behaviour. */
STAI_MK_INLINE int32_t stai_mk_ew_requantize_general(int32_t v, int32_t mult, int32_t shift)
{
    const int32_t left = shift > 0 ? shift : 0;
    const int32_t right = shift > 0 ? 0 : -shift;
    const int64_t p = (int64_t)(int32_t)((uint32_t)v << left) * (int64_t)mult;
    const int64_t nudge = p >= 0 ? ((int64_t)1 << 30) : (1 - ((int64_t)1 << 30));
    const int64_t q = p + nudge;
    const int32_t x = (int32_t)(q >= 0 ? q >> 31 : -((-q) >> 31));
    const int32_t mask = (int32_t)(((int64_t)1 << right) - 1);
    const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> right) + ((x & mask) > threshold ? 1 : 0);
}

/* ---- addition ----------------------------------------------------------------------------- */

/* One output of the linear plan: clamp((k0 + k1 * x1 + k2 * x2) >> kshift). With the
 * int8 range as the clamp it is SSAT of the shifted sum; otherwise the lower bound is
 * folded into the constant (k0 - act_min * 2^kshift, a literal) and the value clamped to
 * [0, act_max - act_min] (one USAT for a power-of-two span) before act_min is added. */
STAI_MK_INLINE int32_t stai_mk_ew_add_linear(int32_t x1,
                                          int32_t x2,
                                          int32_t k1,
                                          int32_t k2,
                                          int32_t k0,
                                          int32_t kshift,
                                          int32_t act_min,
                                          int32_t act_max)
{
    if (act_min == -128 && act_max == 127)
    {
        const int32_t t = (int32_t)((uint32_t)k0 + (uint32_t)(k1 * x1) + (uint32_t)(k2 * x2));
        return stai_mk_ssat8(t >> kshift);
    }
    const uint32_t k0a = (uint32_t)k0 - ((uint32_t)act_min << kshift);
    const int32_t t = (int32_t)(k0a + (uint32_t)(k1 * x1) + (uint32_t)(k2 * x2));
    return stai_mk_clamp_span(t >> kshift, act_max - act_min) + act_min;
}

/*
 * Addition of two same-shape int8 tensors, TFLite's ADD: the arguments of
 * arm_elementwise_add_s8 (input offsets, multipliers and shifts, left shift, output
 * offset, multiplier and shift, clamp), then the plan mk_eltwise_layouts.plan_add_s8
 * computed from them:
 *   method 1: output = clamp((k0 + k1 * x1 + k2 * x2) >> kshift, act_min, act_max), the
 *             raw codes x1, x2 (the plan is exact on all 65,536 input pairs);
 *   method 0: the reference arithmetic (k1, k2, k0, kshift unused).
 * Element i of both inputs is read before element i of the output is written, in
 * increasing order: output may be input1 or input2.
 */
STAI_MK_INLINE arm_cmsis_nn_status stai_mk_add_s8(const int8_t *input1,
                                                  const int8_t *input2,
                                                  int8_t *output,
                                                  const int32_t size,
                                                  const int32_t input1_offset,
                                                  const int32_t input1_mult,
                                                  const int32_t input1_shift,
                                                  const int32_t input2_offset,
                                                  const int32_t input2_mult,
                                                  const int32_t input2_shift,
                                                  const int32_t left_shift,
                                                  const int32_t output_offset,
                                                  const int32_t output_mult,
                                                  const int32_t output_shift,
                                                  const int32_t act_min,
                                                  const int32_t act_max,
                                                  const int32_t method,
                                                  const int32_t k1,
                                                  const int32_t k2,
                                                  const int32_t k0,
                                                  const int32_t kshift)
{
    if (method == 1)
    {
#pragma GCC unroll 4
        for (int32_t i = 0; i < size; i++)
        {
            const int32_t y = stai_mk_ew_add_linear(input1[i], input2[i], k1, k2, k0, kshift, act_min, act_max);
            output[i] = (int8_t)y;
        }
        return ARM_CMSIS_NN_SUCCESS;
    }
    for (int32_t i = 0; i < size; i++)
    {
        const int32_t a = (int32_t)((uint32_t)((int32_t)input1[i] + input1_offset) << left_shift);
        const int32_t b = (int32_t)((uint32_t)((int32_t)input2[i] + input2_offset) << left_shift);
        const int32_t sa = stai_mk_ew_requantize_general(a, input1_mult, input1_shift);
        const int32_t sb = stai_mk_ew_requantize_general(b, input2_mult, input2_shift);
        const int32_t s = (int32_t)((uint32_t)sa + (uint32_t)sb);
        const int32_t y = stai_mk_ew_requantize_general(s, output_mult, output_shift) + output_offset;
        output[i] = (int8_t)(y < act_min ? act_min : (y > act_max ? act_max : y));
    }
    return ARM_CMSIS_NN_SUCCESS;
}

/* ---- multiplication ------------------------------------------------------------------------ */

/*
 * Multiplication of two same-shape int8 tensors, TFLite's MUL: the arguments of
 * arm_elementwise_mul_s8, then fast_requant (mk_eltwise_layouts.fast_requant_mul: the
 * requantization path of stai_mk_s8.h that is exact for the layer's products).
 * Element i of both inputs is read before element i of the output is written, in
 * increasing order: output may be input1 or input2.
 */
STAI_MK_INLINE arm_cmsis_nn_status stai_mk_mul_s8(const int8_t *input1,
                                                  const int8_t *input2,
                                                  int8_t *output,
                                                  const int32_t size,
                                                  const int32_t input1_offset,
                                                  const int32_t input2_offset,
                                                  const int32_t output_offset,
                                                  const int32_t output_mult,
                                                  const int32_t output_shift,
                                                  const int32_t act_min,
                                                  const int32_t act_max,
                                                  const int32_t fast_requant)
{
    const stai_mk_rq q = stai_mk_rq_make(output_mult, output_shift, act_min - output_offset);
#pragma GCC unroll 4
    for (int32_t i = 0; i < size; i++)
    {
        const int32_t p = ((int32_t)input1[i] + input1_offset) * ((int32_t)input2[i] + input2_offset);
        output[i] = (int8_t)stai_mk_requantize(p, &q, output_offset, act_min, act_max, fast_requant);
    }
    return ARM_CMSIS_NN_SUCCESS;
}

/* ---- pooling ----------------------------------------------------------------------------------- */

/* The window of output pixel (oy, ox) clipped to the input: rows [y0, y1), columns
 * [x0, x1). */
typedef struct
{
    int32_t y0, y1, x0, x1;
} stai_mk_ew_window;

STAI_MK_INLINE stai_mk_ew_window stai_mk_ew_pool_window(int32_t oy,
                                                  int32_t ox,
                                                  int32_t in_h,
                                                  int32_t in_w,
                                                  int32_t kernel_h,
                                                  int32_t kernel_w,
                                                  int32_t stride_h,
                                                  int32_t stride_w,
                                                  int32_t pad_top,
                                                  int32_t pad_left)
{
    stai_mk_ew_window w;
    const int32_t y = oy * stride_h - pad_top;
    const int32_t x = ox * stride_w - pad_left;
    w.y0 = y < 0 ? 0 : y;
    w.y1 = y + kernel_h < in_h ? y + kernel_h : in_h;
    w.x0 = x < 0 ? 0 : x;
    w.x1 = x + kernel_w < in_w ? x + kernel_w : in_w;
    return w;
}

/* sum / n rounded to nearest, ties away from zero (TFLite's average). */
STAI_MK_INLINE int32_t stai_mk_ew_round_div(int32_t sum, int32_t n)
{
    return sum > 0 ? (sum + n / 2) / n : (sum - n / 2) / n;
}

/*
 * Average pooling, batch 1, NHWC: each output is the rounded mean of the input values in
 * its window clipped to the input (padding is not counted), clamped to [act_min,
 * act_max]. pad_top / pad_left are the rows / columns of padding before the input.
 * Four channels at a time in halfword lanes (SXTAB16), for windows of up to 256 pixels
 * per lane sum (larger ones are summed in chunks).
 */
STAI_MK_INLINE arm_cmsis_nn_status stai_mk_avgpool_s8(const int8_t *input,
                                                      int8_t *output,
                                                      const int32_t in_h,
                                                      const int32_t in_w,
                                                      const int32_t ch,
                                                      const int32_t out_h,
                                                      const int32_t out_w,
                                                      const int32_t kernel_h,
                                                      const int32_t kernel_w,
                                                      const int32_t stride_h,
                                                      const int32_t stride_w,
                                                      const int32_t pad_top,
                                                      const int32_t pad_left,
                                                      const int32_t act_min,
                                                      const int32_t act_max)
{
    int8_t *out = output;
    for (int32_t oy = 0; oy < out_h; oy++)
    {
        for (int32_t ox = 0; ox < out_w; ox++)
        {
            const stai_mk_ew_window w = stai_mk_ew_pool_window(
                oy, ox, in_h, in_w, kernel_h, kernel_w, stride_h, stride_w, pad_top, pad_left);
            const int32_t n = (w.y1 - w.y0) * (w.x1 - w.x0);
            const int8_t *base = input + (w.y0 * in_w + w.x0) * ch;
            int32_t c = 0;
            for (; c + 4 <= ch; c += 4)
            {
                int32_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
                int32_t even = 0, odd = 0, count = 0;
                const int8_t *row = base + c;
                for (int32_t y = w.y0; y < w.y1; y++)
                {
                    const int8_t *p = row;
#pragma GCC unroll 8
                    for (int32_t x = w.x0; x < w.x1; x++)
                    {
                        const int32_t v = stai_mk_load32(p);
                        even = stai_mk_ew_sxtab16(even, v);
                        odd = stai_mk_ew_sxtab16_ror8(odd, v);
                        p += ch;
                        if (kernel_h * kernel_w > 256 && ++count == 256)
                        {
                            s0 += stai_mk_lo16(even);
                            s2 += stai_mk_hi16(even);
                            s1 += stai_mk_lo16(odd);
                            s3 += stai_mk_hi16(odd);
                            even = odd = count = 0;
                        }
                    }
                    row += in_w * ch;
                }
                s0 += stai_mk_lo16(even);
                s2 += stai_mk_hi16(even);
                s1 += stai_mk_lo16(odd);
                s3 += stai_mk_hi16(odd);
                if (n == kernel_h * kernel_w)
                {
                    out[c] = (int8_t)stai_mk_ew_clamp(stai_mk_ew_round_div(s0, kernel_h * kernel_w), act_min, act_max);
                    out[c + 1] = (int8_t)stai_mk_ew_clamp(stai_mk_ew_round_div(s1, kernel_h * kernel_w), act_min, act_max);
                    out[c + 2] = (int8_t)stai_mk_ew_clamp(stai_mk_ew_round_div(s2, kernel_h * kernel_w), act_min, act_max);
                    out[c + 3] = (int8_t)stai_mk_ew_clamp(stai_mk_ew_round_div(s3, kernel_h * kernel_w), act_min, act_max);
                }
                else
                {
                    out[c] = (int8_t)stai_mk_ew_clamp(stai_mk_ew_round_div(s0, n), act_min, act_max);
                    out[c + 1] = (int8_t)stai_mk_ew_clamp(stai_mk_ew_round_div(s1, n), act_min, act_max);
                    out[c + 2] = (int8_t)stai_mk_ew_clamp(stai_mk_ew_round_div(s2, n), act_min, act_max);
                    out[c + 3] = (int8_t)stai_mk_ew_clamp(stai_mk_ew_round_div(s3, n), act_min, act_max);
                }
            }
            for (; c < ch; c++)
            {
                int32_t s = 0;
                const int8_t *row = base + c;
                for (int32_t y = w.y0; y < w.y1; y++)
                {
                    for (int32_t x = 0; x < w.x1 - w.x0; x++)
                    {
                        s += row[x * ch];
                    }
                    row += in_w * ch;
                }
                out[c] = (int8_t)stai_mk_ew_clamp(stai_mk_ew_round_div(s, n), act_min, act_max);
            }
            out += ch;
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}

/*
 * Max pooling, batch 1, NHWC: each output is the largest input value in its window
 * clipped to the input, clamped to [act_min, act_max]. Four channels at a time in byte
 * lanes (SSUB8, SEL).
 */
STAI_MK_INLINE arm_cmsis_nn_status stai_mk_maxpool_s8(const int8_t *input,
                                                      int8_t *output,
                                                      const int32_t in_h,
                                                      const int32_t in_w,
                                                      const int32_t ch,
                                                      const int32_t out_h,
                                                      const int32_t out_w,
                                                      const int32_t kernel_h,
                                                      const int32_t kernel_w,
                                                      const int32_t stride_h,
                                                      const int32_t stride_w,
                                                      const int32_t pad_top,
                                                      const int32_t pad_left,
                                                      const int32_t act_min,
                                                      const int32_t act_max)
{
    const int32_t lo4 = (int32_t)(((uint32_t)act_min & 0xFFu) * 0x01010101u);
    const int32_t hi4 = (int32_t)(((uint32_t)act_max & 0xFFu) * 0x01010101u);
    int8_t *out = output;
    for (int32_t oy = 0; oy < out_h; oy++)
    {
        for (int32_t ox = 0; ox < out_w; ox++)
        {
            const stai_mk_ew_window w = stai_mk_ew_pool_window(
                oy, ox, in_h, in_w, kernel_h, kernel_w, stride_h, stride_w, pad_top, pad_left);
            const int8_t *base = input + (w.y0 * in_w + w.x0) * ch;
            int32_t c = 0;
            for (; c + 4 <= ch; c += 4)
            {
                int32_t m = stai_mk_load32(base + c);
                const int8_t *row = base + c;
                for (int32_t y = w.y0; y < w.y1; y++)
                {
                    const int8_t *p = row;
#pragma GCC unroll 8
                    for (int32_t x = w.x0; x < w.x1; x++)
                    {
                        m = stai_mk_ew_max8(m, stai_mk_load32(p));
                        p += ch;
                    }
                    row += in_w * ch;
                }
                if (act_min > -128)
                {
                    m = stai_mk_ew_max8(m, lo4);
                }
                if (act_max < 127)
                {
                    m = stai_mk_ew_min8(m, hi4);
                }
                stai_mk_ew_store32(out + c, m);
            }
            for (; c < ch; c++)
            {
                int32_t m = -128;
                const int8_t *row = base + c;
                for (int32_t y = w.y0; y < w.y1; y++)
                {
                    for (int32_t x = 0; x < w.x1 - w.x0; x++)
                    {
                        const int32_t v = row[x * ch];
                        m = v > m ? v : m;
                    }
                    row += in_w * ch;
                }
                out[c] = (int8_t)stai_mk_ew_clamp(m, act_min, act_max);
            }
            out += ch;
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}

#endif /* STAI_MK_ELTWISE_S8_H */
