/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_mk_add_s8 stai_mk_mul_s8 stai_mk_avgpool_s8 stai_mk_maxpool_s8 */
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
 * be either input (in place); they read and write four elements at a time at most. The
 * pooling kernels compute output pixels in increasing row-major order; an output pixel
 * reads only the input pixels of its window clipped to the input (none before the
 * window's first pixel), four channels at a time, each group written after its window is
 * read (so its output may lie below the window's first input pixel).
 *
 * Instructions per element on Cortex-M4 (QEMU; CMSIS-NN's DSP kernels in brackets): the
 * MLPerf Tiny IC additions 6.5 (81.6), a multiplication 7.5 to 8.75 (33.5 to 35.9); per
 * input element, the KWS / IC / VWW average pools 0.85 / 0.88 / 1.31 (6.35 / 6.46 /
 * 7.61), a 2x2 stride-2 max pool 1.0 (9.5).
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

#if STAI_MK_DSP
/* Both halfword lanes of x doubled (SADD16 x, x). */
STAI_MK_INLINE int32_t stai_mk_ew_sadd16_self(int32_t x)
{
    return (int32_t)__sadd16((uint32_t)x, (uint32_t)x);
}

/* lo(a) * lo(b) (SMULBB). */
STAI_MK_INLINE int32_t stai_mk_ew_smulbb(int32_t a, int32_t b)
{
    int32_t r;
    __asm__("smulbb %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));
    return r;
}

/* hi(a) * hi(b) (SMULTT). */
STAI_MK_INLINE int32_t stai_mk_ew_smultt(int32_t a, int32_t b)
{
    int32_t r;
    __asm__("smultt %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));
    return r;
}
#endif

/* The low bytes of y0 .. y3 as one little-endian word (BFI). */
STAI_MK_INLINE int32_t stai_mk_ew_pack4(int32_t y0, int32_t y1, int32_t y2, int32_t y3)
{
#if STAI_MK_DSP
    int32_t r;
    __asm__("bfi %0, %2, #8, #8\n\tbfi %0, %3, #16, #8\n\tbfi %0, %4, #24, #8"
            : "=&r"(r)
            : "0"(y0), "r"(y1), "r"(y2), "r"(y3));
    return r;
#else
    return (int32_t)(((uint32_t)y0 & 0xFFu) | (((uint32_t)y1 & 0xFFu) << 8) | (((uint32_t)y2 & 0xFFu) << 16) |
                     ((uint32_t)y3 << 24));
#endif
}

/* The four signed bytes of a and b, each the larger (SSUB8 then SEL). */
STAI_MK_INLINE int32_t stai_mk_ew_max8(int32_t a, int32_t b)
{
#if STAI_MK_DSP
    int32_t r, t; /* t: SSUB8's result, only its GE flags are used; r may be a or b */
    __asm__("ssub8 %1, %2, %3\n\tsel %0, %2, %3" : "=r"(r), "=&r"(t) : "r"(a), "r"(b) : "cc");
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
    int32_t r, t;
    __asm__("ssub8 %1, %2, %3\n\tsel %0, %3, %2" : "=r"(r), "=&r"(t) : "r"(a), "r"(b) : "cc");
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

/* arm_nn_requantize(acc, mult, shift) on stai_mk_s8.h's short path `level` (1 or 2; q from
 * stai_mk_rq_make(mult, shift, 0)), without offset or clamp: exact when
 * mk_eltwise_layouts allows the level for the values acc takes. */
STAI_MK_INLINE int32_t stai_mk_ew_requantize_fast(int32_t acc, const stai_mk_rq *q, int32_t level)
{
    if (level == 2)
    {
        const int32_t t = stai_mk_smmlar((int32_t)((uint32_t)acc << q->left1), q->mult, q->nudge);
        return (int32_t)((uint32_t)t + (uint32_t)(acc >> 31)) >> q->right;
    }
    const int32_t x = stai_mk_smmulr((int32_t)((uint32_t)acc << q->left1), q->mult);
    const int32_t t = (int32_t)(((uint32_t)q->round + ((uint32_t)x << 1)) + (uint32_t)(x >> 31));
    return t >> q->right1;
}

/* ---- addition ----------------------------------------------------------------------------- */

/* Two elements of the linear plan: both inputs' codes loaded (post-increment), MLA with
 * k0 then k2, the saturation given (FIN0 / FIN1), the bytes stored in order: each
 * element is read before it is written. */
#define STAI_MK_EW_ADD2(FIN0, FIN1)                                                                \
    "ldrsb %[a0], [%[p1]], #1\n\t"                                                                \
    "ldrsb %[b0], [%[p2]], #1\n\t"                                                                \
    "ldrsb %[a1], [%[p1]], #1\n\t"                                                                \
    "ldrsb %[b1], [%[p2]], #1\n\t"                                                                \
    "mla %[a0], %[a0], %[k1], %[k0]\n\t"                                                          \
    "mla %[a1], %[a1], %[k1], %[k0]\n\t"                                                          \
    "mla %[a0], %[b0], %[k2], %[a0]\n\t"                                                          \
    "mla %[a1], %[b1], %[k2], %[a1]\n\t" FIN0 "\n\t" FIN1 "\n\t"                                  \
    "strb %[a0], [%[po]], #1\n\t"                                                                 \
    "strb %[a1], [%[po]], #1\n\t"

/* Four elements of the linear plan saturated to int8, packed into one word (BFI),
 * clamped in byte lanes (CLAMP), stored with one STR; the loop of n iterations. */
#define STAI_MK_EW_ADD4_PACKED(CLAMP)                                                              \
    "1:\n\t" STAI_MK_EW_ADD1("w") STAI_MK_EW_ADD1("a1") "bfi %[w], %[a1], #8, #8\n\t" STAI_MK_EW_ADD1("a0") \
        STAI_MK_EW_ADD1("a1") "bfi %[w], %[a0], #16, #8\n\t"                                      \
                              "bfi %[w], %[a1], #24, #8\n\t" CLAMP "str %[w], [%[po]], #4\n\t"    \
                              "subs %[n], %[n], #1\n\t"                                           \
                              "bne 1b"

/* w = the larger bytes of w and lo4; w = the smaller bytes of w and hi4. */
#define STAI_MK_EW_MAX4 "ssub8 %[a0], %[w], %[lo4]\n\tsel %[w], %[w], %[lo4]\n\t"
#define STAI_MK_EW_MIN4 "ssub8 %[a0], %[w], %[hi4]\n\tsel %[w], %[hi4], %[w]\n\t"

/* One element of the linear plan into register A, saturated to int8 (not stored). */
#define STAI_MK_EW_ADD1(A)                                                                         \
    "ldrsb %[" A "], [%[p1]], #1\n\t"                                                             \
    "ldrsb %[b0], [%[p2]], #1\n\t"                                                                \
    "mla %[" A "], %[" A "], %[k1], %[k0]\n\t"                                                     \
    "mla %[" A "], %[b0], %[k2], %[" A "]\n\t"                                                     \
    "ssat %[" A "], #8, %[" A "], asr %[s]\n\t"

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
 *   method 2: the reference's three requantizations on the short paths of
 *             stai_mk_s8.h (k1, k2, k0: the levels of input 1's, input 2's and the
 *             output's; kshift unused), exact for the layer;
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
        int32_t i = 0;
#if STAI_MK_ASM
        /* Four elements per iteration, each LDRSB, LDRSB, MLA, MLA, SSAT / USAT (the
         * shift folded in), STRB: GCC's own code keeps k0 out of the multiply-accumulates
         * and updates three pointers. */
        if (__builtin_constant_p(kshift) && kshift >= 1 && kshift <= 31 && size >= 4)
        {
            const int8_t *p1 = input1;
            const int8_t *p2 = input2;
            int8_t *po = output;
            int32_t n = size >> 2;
            int32_t a0, b0, a1, b1;
            if (act_min == -128 && act_max == 127)
            {
                __asm__ volatile("1:\n\t" STAI_MK_EW_ADD2("ssat %[a0], #8, %[a0], asr %[s]", "ssat %[a1], #8, %[a1], asr %[s]")
                                     STAI_MK_EW_ADD2("ssat %[a0], #8, %[a0], asr %[s]", "ssat %[a1], #8, %[a1], asr %[s]")
                                 "subs %[n], %[n], #1\n\t"
                                 "bne 1b"
                                 : [p1] "+r"(p1), [p2] "+r"(p2), [po] "+r"(po), [n] "+r"(n), [a0] "=&r"(a0),
                                   [b0] "=&r"(b0), [a1] "=&r"(a1), [b1] "=&r"(b1)
                                 : [k1] "r"(k1), [k2] "r"(k2), [k0] "r"(k0), [s] "i"(kshift)
                                 : "cc", "memory");
                i = size & ~3;
            }
            else
            {
                /* SSAT, the four bytes packed (BFI), clamped in byte lanes (SSUB8, SEL),
                 * one STR. */
                const int32_t lo4 = (int32_t)(((uint32_t)act_min & 0xFFu) * 0x01010101u);
                const int32_t hi4 = (int32_t)(((uint32_t)act_max & 0xFFu) * 0x01010101u);
                int32_t w;
                if (act_max == 127)
                {
                    __asm__ volatile(STAI_MK_EW_ADD4_PACKED(STAI_MK_EW_MAX4)
                                     : [p1] "+r"(p1), [p2] "+r"(p2), [po] "+r"(po), [n] "+r"(n), [a0] "=&r"(a0),
                                       [b0] "=&r"(b0), [a1] "=&r"(a1), [w] "=&r"(w)
                                     : [k1] "r"(k1), [k2] "r"(k2), [k0] "r"(k0), [s] "i"(kshift), [lo4] "r"(lo4)
                                     : "cc", "memory");
                }
                else
                {
                    __asm__ volatile(STAI_MK_EW_ADD4_PACKED(STAI_MK_EW_MAX4 STAI_MK_EW_MIN4)
                                     : [p1] "+r"(p1), [p2] "+r"(p2), [po] "+r"(po), [n] "+r"(n), [a0] "=&r"(a0),
                                       [b0] "=&r"(b0), [a1] "=&r"(a1), [w] "=&r"(w)
                                     : [k1] "r"(k1), [k2] "r"(k2), [k0] "r"(k0), [s] "i"(kshift), [lo4] "r"(lo4),
                                       [hi4] "r"(hi4)
                                     : "cc", "memory");
                }
                (void)b1;
                i = size & ~3;
            }
        }
#endif
#pragma GCC unroll 4
        for (; i < size; i++)
        {
            const int32_t y = stai_mk_ew_add_linear(input1[i], input2[i], k1, k2, k0, kshift, act_min, act_max);
            output[i] = (int8_t)y;
        }
        return ARM_CMSIS_NN_SUCCESS;
    }
    if (method == 2)
    {
        const stai_mk_rq q1 = stai_mk_rq_make(input1_mult, input1_shift, 0);
        const stai_mk_rq q2 = stai_mk_rq_make(input2_mult, input2_shift, 0);
        const stai_mk_rq qo = stai_mk_rq_make(output_mult, output_shift, act_min - output_offset);
#pragma GCC unroll 2
        for (int32_t i = 0; i < size; i++)
        {
            const int32_t a = (int32_t)((uint32_t)((int32_t)input1[i] + input1_offset) << left_shift);
            const int32_t b = (int32_t)((uint32_t)((int32_t)input2[i] + input2_offset) << left_shift);
            const int32_t s = stai_mk_ew_requantize_fast(a, &q1, k1) + stai_mk_ew_requantize_fast(b, &q2, k2);
            output[i] = (int8_t)stai_mk_requantize(s, &qo, output_offset, act_min, act_max, k0);
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
 * requantization path of stai_mk_s8.h that is exact for the layer's products, or 3: no
 * right shift, one SMMLAR).
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
    int32_t i = 0;
#if STAI_MK_DSP
    if (fast_requant == 2 || fast_requant == 3)
    {
        /* Four elements per iteration: the offset codes of both inputs in halfword lanes
         * (SXTAB16 with the offsets; input 1 doubled, SADD16), four SMULxy products
         * (shifted left by the requantization's left shift, if any), then the
         * requantization with the output offset folded into its rounding constant: path
         * 2 of stai_mk_s8.h (SMMLAR, ADD ASR #31, SSAT with the shift folded in) or, 3,
         * SMMLAR alone (no right shift); the four bytes packed, clamped in byte
         * lanes and stored with one STR. */
        const int32_t right = -output_shift;
        const int32_t left = fast_requant == 3 ? output_shift : 0; /* after the products */
        const int32_t o1 = (int32_t)(((uint32_t)input1_offset & 0xFFFFu) * 0x10001u);
        const int32_t o2 = (int32_t)(((uint32_t)input2_offset & 0xFFFFu) * 0x10001u);
        const int32_t nudge = fast_requant == 3
                                  ? output_offset
                                  : (int32_t)((1u << (right - 1)) + ((uint32_t)output_offset << right));
        const int32_t lo4 = (int32_t)(((uint32_t)act_min & 0xFFu) * 0x01010101u);
        const int32_t hi4 = (int32_t)(((uint32_t)act_max & 0xFFu) * 0x01010101u);
        for (; i + 4 <= size; i += 4)
        {
            const int32_t w1 = stai_mk_load32(input1 + i);
            const int32_t w2 = stai_mk_load32(input2 + i);
            const int32_t e1 = stai_mk_ew_sadd16_self(stai_mk_ew_sxtab16(o1, w1));
            const int32_t d1 = stai_mk_ew_sadd16_self(stai_mk_ew_sxtab16_ror8(o1, w1));
            const int32_t e2 = stai_mk_ew_sxtab16(o2, w2);
            const int32_t d2 = stai_mk_ew_sxtab16_ror8(o2, w2);
            const int32_t p0 = (int32_t)((uint32_t)stai_mk_ew_smulbb(e1, e2) << left);
            const int32_t p2 = (int32_t)((uint32_t)stai_mk_ew_smultt(e1, e2) << left);
            const int32_t p1 = (int32_t)((uint32_t)stai_mk_ew_smulbb(d1, d2) << left);
            const int32_t p3 = (int32_t)((uint32_t)stai_mk_ew_smultt(d1, d2) << left);
            int32_t y;
            if (fast_requant == 3)
            {
                y = stai_mk_ew_pack4(stai_mk_ssat8(stai_mk_smmlar(p0, output_mult, nudge)),
                                     stai_mk_ssat8(stai_mk_smmlar(p1, output_mult, nudge)),
                                     stai_mk_ssat8(stai_mk_smmlar(p2, output_mult, nudge)),
                                     stai_mk_ssat8(stai_mk_smmlar(p3, output_mult, nudge)));
            }
            else
            {
                y = stai_mk_ew_pack4(stai_mk_ssat8((stai_mk_smmlar(p0, output_mult, nudge) + (p0 >> 31)) >> right),
                                     stai_mk_ssat8((stai_mk_smmlar(p1, output_mult, nudge) + (p1 >> 31)) >> right),
                                     stai_mk_ssat8((stai_mk_smmlar(p2, output_mult, nudge) + (p2 >> 31)) >> right),
                                     stai_mk_ssat8((stai_mk_smmlar(p3, output_mult, nudge) + (p3 >> 31)) >> right));
            }
            if (act_min > -128)
            {
                y = stai_mk_ew_max8(y, lo4);
            }
            if (act_max < 127)
            {
                y = stai_mk_ew_min8(y, hi4);
            }
            stai_mk_ew_store32(output + i, y);
        }
    }
#endif
    const stai_mk_rq q = stai_mk_rq_make(output_mult, output_shift, act_min - output_offset);
    const int32_t level = fast_requant == 3 ? 1 : fast_requant; /* 3: path 1 is exact too */
#pragma GCC unroll 4
    for (; i < size; i++)
    {
        const int32_t p = ((int32_t)input1[i] + input1_offset) * ((int32_t)input2[i] + input2_offset);
        output[i] = (int8_t)stai_mk_requantize(p, &q, output_offset, act_min, act_max, level);
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

/* The sums of four channels over a window of rows x cols pixels (p: its first pixel's
 * first channel; row_step: bytes from a row to the next; ch: from a pixel to the next). */
typedef struct
{
    int32_t s0, s1, s2, s3;
} stai_mk_ew_sum4;

/* Halfword lanes hold at most 256 values (-128 * 256 and 127 * 256 fit int16): a row of
 * up to 256 pixels is summed in lanes (SXTAB16 of each byte pair). When the window holds
 * more than 256 pixels (big), the lanes are added to the four int32 sums after every row
 * (or 256 pixels of it); otherwise the lanes themselves are returned: s0 the even ones
 * (channels 0 and 2, low and high halfwords), s1 the odd ones (1 and 3). */
STAI_MK_INLINE stai_mk_ew_sum4 stai_mk_ew_window_sum4(
    const int8_t *p, int32_t rows, int32_t cols, int32_t row_step, int32_t ch, int32_t big)
{
    stai_mk_ew_sum4 r = {0, 0, 0, 0};
    int32_t even = 0, odd = 0;
#pragma GCC unroll 4
    for (int32_t y = 0; y < rows; y++)
    {
        for (int32_t x0 = 0; x0 < cols; x0 += 256)
        {
            const int32_t x1 = cols - x0 < 256 ? cols : x0 + 256;
            const int8_t *q = p + x0 * ch;
#pragma GCC unroll 16
            for (int32_t x = x0; x < x1; x++)
            {
                const int32_t v = stai_mk_load32(q);
                even = stai_mk_ew_sxtab16(even, v);
                odd = stai_mk_ew_sxtab16_ror8(odd, v);
                q += ch;
            }
            if (big)
            {
                r.s0 += stai_mk_lo16(even);
                r.s2 += stai_mk_hi16(even);
                r.s1 += stai_mk_lo16(odd);
                r.s3 += stai_mk_hi16(odd);
                even = odd = 0;
            }
        }
        p += row_step;
    }
    if (!big)
    {
        r.s0 = even;
        r.s1 = odd;
        return r;
    }
    return r;
}

/* round(sum / n), ties away from zero (TFLite's average of n values, |sum| <= 128 n),
 * clamped to [act_min, act_max]. As an unsigned division of sum + 256 n + n / 2 (minus
 * one for a negative sum when n is even) by n, which is 256 more than the rounded
 * quotient (the same low byte): one UMULL and one shift for a literal n. bias is
 * 256 n + n / 2, added to the sum as the lane is extracted (SXTAH / ADD ASR #16). */
STAI_MK_INLINE int8_t stai_mk_ew_average(uint32_t u, int32_t sum_sign, int32_t n, int32_t act_min, int32_t act_max)
{
    if ((n & 1) == 0)
    {
        u += (uint32_t)sum_sign;
    }
    int32_t q = (int32_t)(u / (uint32_t)n);
    if (act_min > -128)
    {
        q = q < act_min + 256 ? act_min + 256 : q;
    }
    if (act_max < 127)
    {
        q = q > act_max + 256 ? act_max + 256 : q;
    }
    return (int8_t)(uint8_t)((uint32_t)q & 0xFFu);
}

/* bias + the low halfword of x, sign-extended (SXTAH). */
STAI_MK_INLINE uint32_t stai_mk_ew_lo16_plus(int32_t bias, int32_t x)
{
#if STAI_MK_DSP
    uint32_t r;
    __asm__("sxtah %0, %1, %2" : "=r"(r) : "r"(bias), "r"(x));
    return r;
#else
    return (uint32_t)bias + (uint32_t)stai_mk_lo16(x);
#endif
}

/* bias + the high halfword of x, sign-extended (ADD with ASR #16). */
STAI_MK_INLINE uint32_t stai_mk_ew_hi16_plus(int32_t bias, int32_t x)
{
#if STAI_MK_DSP
    uint32_t r;
    __asm__("add %0, %1, %2, asr #16" : "=r"(r) : "r"(bias), "r"(x));
    return r;
#else
    return (uint32_t)bias + (uint32_t)stai_mk_hi16(x);
#endif
}

/* One output pixel's channels c0 .. ch - 1 of an average pool over the window starting
 * at p (rows x cols pixels, n = rows * cols). */
STAI_MK_INLINE void stai_mk_ew_avg_pixel(const int8_t *p,
                                         int8_t *out,
                                         int32_t rows,
                                         int32_t cols,
                                         int32_t row_step,
                                         int32_t ch,
                                         int32_t big,
                                         int32_t act_min,
                                         int32_t act_max)
{
    const int32_t n = rows * cols;
    const int32_t bias = 256 * n + n / 2;
    int32_t c = 0;
    for (; c + 4 <= ch; c += 4)
    {
        const stai_mk_ew_sum4 s = stai_mk_ew_window_sum4(p + c, rows, cols, row_step, ch, big);
        if (big)
        {
            out[c] = stai_mk_ew_average((uint32_t)(s.s0 + bias), s.s0 >> 31, n, act_min, act_max);
            out[c + 1] = stai_mk_ew_average((uint32_t)(s.s1 + bias), s.s1 >> 31, n, act_min, act_max);
            out[c + 2] = stai_mk_ew_average((uint32_t)(s.s2 + bias), s.s2 >> 31, n, act_min, act_max);
            out[c + 3] = stai_mk_ew_average((uint32_t)(s.s3 + bias), s.s3 >> 31, n, act_min, act_max);
        }
        else /* s.s0 .. s.s3 hold the lanes: even (channels c, c + 2) and odd (c + 1, c + 3) */
        {
            const int32_t even = s.s0, odd = s.s1;
            out[c] = stai_mk_ew_average(stai_mk_ew_lo16_plus(bias, even), (int32_t)((uint32_t)even << 16) >> 31, n, act_min, act_max);
            out[c + 1] = stai_mk_ew_average(stai_mk_ew_lo16_plus(bias, odd), (int32_t)((uint32_t)odd << 16) >> 31, n, act_min, act_max);
            out[c + 2] = stai_mk_ew_average(stai_mk_ew_hi16_plus(bias, even), even >> 31, n, act_min, act_max);
            out[c + 3] = stai_mk_ew_average(stai_mk_ew_hi16_plus(bias, odd), odd >> 31, n, act_min, act_max);
        }
    }
    for (; c < ch; c++)
    {
        int32_t sum = 0;
        const int8_t *q = p + c;
        for (int32_t y = 0; y < rows; y++)
        {
            for (int32_t x = 0; x < cols; x++)
            {
                sum += q[x * ch];
            }
            q += row_step;
        }
        out[c] = stai_mk_ew_average((uint32_t)(sum + bias), sum >> 31, n, act_min, act_max);
    }
}

/*
 * Average pooling, batch 1, NHWC: each output is the rounded mean of the input values in
 * its window clipped to the input (padding is not counted), clamped to [act_min,
 * act_max]. pad_top / pad_left are the rows / columns of padding before the input. Four
 * channels at a time in halfword lanes (SXTAB16); a window inside the input is summed
 * with the literal window size (loops unrolled, the division by a constant).
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
    const int32_t big = kernel_h * kernel_w > 256;
    int8_t *out = output;
    for (int32_t oy = 0; oy < out_h; oy++)
    {
        for (int32_t ox = 0; ox < out_w; ox++)
        {
            const stai_mk_ew_window w = stai_mk_ew_pool_window(
                oy, ox, in_h, in_w, kernel_h, kernel_w, stride_h, stride_w, pad_top, pad_left);
            const int8_t *p = input + (w.y0 * in_w + w.x0) * ch;
            const int32_t rows = w.y1 - w.y0;
            const int32_t cols = w.x1 - w.x0;
            if (rows == kernel_h && cols == kernel_w)
            {
                stai_mk_ew_avg_pixel(p, out, kernel_h, kernel_w, in_w * ch, ch, big, act_min, act_max);
            }
            else
            {
                stai_mk_ew_avg_pixel(p, out, rows, cols, in_w * ch, ch, big, act_min, act_max);
            }
            out += ch;
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}

/* One output pixel's channels of a max pool over the window starting at p. */
STAI_MK_INLINE void stai_mk_ew_max_pixel(const int8_t *p,
                                         int8_t *out,
                                         int32_t rows,
                                         int32_t cols,
                                         int32_t row_step,
                                         int32_t ch,
                                         int32_t act_min,
                                         int32_t act_max)
{
    const int32_t lo4 = (int32_t)(((uint32_t)act_min & 0xFFu) * 0x01010101u);
    const int32_t hi4 = (int32_t)(((uint32_t)act_max & 0xFFu) * 0x01010101u);
    int32_t c = 0;
    for (; c + 4 <= ch; c += 4)
    {
        const int8_t *r = p + c;
        int32_t m = stai_mk_load32(r);
        for (int32_t y = 0; y < rows; y++)
        {
            const int8_t *q = r;
#pragma GCC unroll 16
            for (int32_t x = 0; x < cols; x++)
            {
                m = stai_mk_ew_max8(m, stai_mk_load32(q));
                q += ch;
            }
            r += row_step;
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
        const int8_t *q = p + c;
        for (int32_t y = 0; y < rows; y++)
        {
            for (int32_t x = 0; x < cols; x++)
            {
                const int32_t v = q[x * ch];
                m = v > m ? v : m;
            }
            q += row_step;
        }
        out[c] = (int8_t)stai_mk_ew_clamp(m, act_min, act_max);
    }
}

/*
 * Max pooling, batch 1, NHWC: each output is the largest input value in its window
 * clipped to the input, clamped to [act_min, act_max]. Four channels at a time in byte
 * lanes (SSUB8, SEL); a window inside the input with the literal window size.
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
    int8_t *out = output;
    for (int32_t oy = 0; oy < out_h; oy++)
    {
        for (int32_t ox = 0; ox < out_w; ox++)
        {
            const stai_mk_ew_window w = stai_mk_ew_pool_window(
                oy, ox, in_h, in_w, kernel_h, kernel_w, stride_h, stride_w, pad_top, pad_left);
            const int8_t *p = input + (w.y0 * in_w + w.x0) * ch;
            const int32_t rows = w.y1 - w.y0;
            const int32_t cols = w.x1 - w.x0;
            if (rows == kernel_h && cols == kernel_w)
            {
                stai_mk_ew_max_pixel(p, out, kernel_h, kernel_w, in_w * ch, ch, act_min, act_max);
            }
            else
            {
                stai_mk_ew_max_pixel(p, out, rows, cols, in_w * ch, ch, act_min, act_max);
            }
            out += ch;
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}

#endif /* STAI_MK_ELTWISE_S8_H */
