/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_mk_conv1x1_s8 stai_mk_conv1x1_s8_w16 stai_mk_dwconv3x3_s8 */
/*
 * stai's int8 micro-kernels: header-only convolution kernels that the generated code
 * calls with literal constants (channel counts, sizes, strides, offsets, clamp bounds),
 * so that each call site gets a copy specialised by the compiler's constant propagation.
 *
 * Every kernel gives the integers of the TFLite Micro int8 reference kernel (and of the
 * portable CMSIS-NN kernels of this runtime) bit for bit: int32 accumulation, per-channel
 * requantization by a Q31 multiplier and a shift as arm_nn_requantize rounds it, output
 * offset, clamp. The arrays a kernel reads are laid out at compile time by
 * stai.runtime.mk_layouts (pack_* functions), which documents each layout; the input
 * offset is folded into an effective bias there.
 *
 * With the DSP extension (__ARM_FEATURE_DSP, given by -mcpu=cortex-m4/m7/...) the inner
 * loops use SMLAD/SXTB16/SMLA<x><y>/SMMULR; otherwise the same integers are computed in
 * portable C. Nothing here depends on flags other than what -mcpu sets.
 *
 * Conventions as in the CMSIS-NN API: an input offset is the negated input zero point,
 * an output offset is the output zero point; a (multiplier, shift) pair is a Q31
 * multiplier in [2^30, 2^31) (or 0) and a power-of-two exponent, positive = left shift.
 * Tensors are NHWC. Every kernel returns ARM_CMSIS_NN_SUCCESS.
 *
 * fast_requant (a literal 0, 1 or 2, from mk_layouts.fast_requant_*): 1 when every
 * accumulator of the layer, shifted left by its channel's left shift plus two, fits in
 * int32 and every right shift is at most 29: the requantization then takes a short exact
 * path (one SMMULR and four ALU instructions on a DSP core); 2 when besides every right
 * shift is in [1, 22]: a shorter one (SMMLAR, ADD, ASR, USAT with the clamp folded in).
 * 0 keeps the general path.
 */
#ifndef STAI_MK_S8_H
#define STAI_MK_S8_H

#include <stdint.h>
#include <string.h>

#include "arm_nn_types.h"

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#include <arm_acle.h>
#define STAI_MK_DSP 1
#else
#define STAI_MK_DSP 0
#endif

#define STAI_MK_INLINE static inline __attribute__((always_inline))

/* The innermost loops are written in assembly on a DSP core when optimising (they need
 * 13 registers, which an unoptimised build's frame pointer may not leave). */
#if STAI_MK_DSP && defined(__OPTIMIZE__) && defined(__thumb2__)
#define STAI_MK_ASM 1
#else
#define STAI_MK_ASM 0
#endif

#if STAI_MK_ASM && defined(__GNUC__) && !defined(__clang__)
/* A frame pointer (a user's -fno-omit-frame-pointer) takes r7, which the assembly needs:
 * the functions after this header (the network's, where the kernels are inlined) are
 * compiled without one. At the default flags the code is the same. */
#pragma GCC optimize("omit-frame-pointer")
/* The 1x1 kernel's three-pixel block is one asm statement of 13 registers (of the 14 left
 * with no frame pointer). GCC 12's scheduler before register allocation (on at -O2 and
 * -O3) may interleave the code around such a statement so that the allocator finds no
 * assignment ("'asm' operand has impossible constraints"); it depends on the call's
 * constants (one layer of a file of many fails). The functions after this header are
 * compiled without that pass: the later scheduler, after register allocation, still
 * orders their instructions. */
#pragma GCC optimize("no-schedule-insns")
#endif

/* One input slot of three pixels (x: 3 words, int16 pairs) times one weight word of an
 * output-channel pair (wp, advanced by S bytes): six SMLADs. */
#define STAI_MK_STEP3X2(S)                                                                         \
    "ldr %[w], [%[wp]], #" #S "\n\t"                                                               \
    "ldrd %[x0], %[x1], [%[x]], #8\n\t"                                                            \
    "sxtb16 %[we], %[w]\n\t"                                                                       \
    "sxtb16 %[w], %[w], ror #8\n\t"                                                                \
    "smlad %[a00], %[x0], %[we], %[a00]\n\t"                                                       \
    "smlad %[a01], %[x0], %[w], %[a01]\n\t"                                                        \
    "ldr %[x0], [%[x]], #4\n\t"                                                                    \
    "smlad %[a10], %[x1], %[we], %[a10]\n\t"                                                       \
    "smlad %[a11], %[x1], %[w], %[a11]\n\t"                                                        \
    "smlad %[a20], %[x0], %[we], %[a20]\n\t"                                                       \
    "smlad %[a21], %[x0], %[w], %[a21]\n\t"

/* ---- primitives: one DSP instruction each, or the same integers in C --------------- */

/* A 32-bit word from any address (one LDR on a core with unaligned access). */
STAI_MK_INLINE int32_t stai_mk_load32(const void *p)
{
    int32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* Bytes 0 and 2 of x, sign-extended into the low and high halfwords. */
STAI_MK_INLINE int32_t stai_mk_sxtb16(int32_t x)
{
#if STAI_MK_DSP
    return (int32_t)__sxtb16((uint32_t)x);
#else
    const uint32_t lo = (uint32_t)(int32_t)(int8_t)(uint8_t)((uint32_t)x & 0xFFu);
    const uint32_t hi = (uint32_t)(int32_t)(int8_t)(uint8_t)(((uint32_t)x >> 16) & 0xFFu);
    return (int32_t)((lo & 0xFFFFu) | (hi << 16));
#endif
}

/* Bytes 1 and 3 of x, sign-extended into the low and high halfwords. */
STAI_MK_INLINE int32_t stai_mk_sxtb16_ror8(int32_t x)
{
#if STAI_MK_DSP
    int32_t r;
    __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x));
    return r;
#else
    const uint32_t u = (uint32_t)x;
    return stai_mk_sxtb16((int32_t)((u >> 8) | (u << 24)));
#endif
}

/* The low halfword of a, then the low halfword of b (PKHBT a, b, LSL #16). */
STAI_MK_INLINE int32_t stai_mk_pack_lo(int32_t a, int32_t b)
{
#if STAI_MK_DSP
    int32_t r;
    __asm__("pkhbt %0, %1, %2, lsl #16" : "=r"(r) : "r"(a), "r"(b));
    return r;
#else
    return (int32_t)(((uint32_t)a & 0xFFFFu) | ((uint32_t)b << 16));
#endif
}

/* The high halfword of a, then the high halfword of b (PKHTB b, a, ASR #16). */
STAI_MK_INLINE int32_t stai_mk_pack_hi(int32_t a, int32_t b)
{
#if STAI_MK_DSP
    int32_t r;
    __asm__("pkhtb %0, %2, %1, asr #16" : "=r"(r) : "r"(a), "r"(b));
    return r;
#else
    return (int32_t)(((uint32_t)b & 0xFFFF0000u) | ((uint32_t)a >> 16));
#endif
}

STAI_MK_INLINE int32_t stai_mk_lo16(int32_t x)
{
    return (int32_t)(int16_t)(uint16_t)((uint32_t)x & 0xFFFFu);
}

STAI_MK_INLINE int32_t stai_mk_hi16(int32_t x)
{
    return (int32_t)(int16_t)(uint16_t)((uint32_t)x >> 16);
}

/* acc + lo(a) * lo(b) + hi(a) * hi(b) (two int16 products). */
STAI_MK_INLINE int32_t stai_mk_smlad(int32_t a, int32_t b, int32_t acc)
{
#if STAI_MK_DSP
    return (int32_t)__smlad((uint32_t)a, (uint32_t)b, acc);
#else
    const uint32_t sum = (uint32_t)(stai_mk_lo16(a) * stai_mk_lo16(b)) + (uint32_t)(stai_mk_hi16(a) * stai_mk_hi16(b));
    return (int32_t)((uint32_t)acc + sum);
#endif
}

/* acc + lo(a) * lo(b). */
STAI_MK_INLINE int32_t stai_mk_smlabb(int32_t a, int32_t b, int32_t acc)
{
#if STAI_MK_DSP
    return __smlabb(a, b, acc);
#else
    return (int32_t)((uint32_t)acc + (uint32_t)(stai_mk_lo16(a) * stai_mk_lo16(b)));
#endif
}

/* acc + hi(a) * lo(b). */
STAI_MK_INLINE int32_t stai_mk_smlatb(int32_t a, int32_t b, int32_t acc)
{
#if STAI_MK_DSP
    return __smlatb(a, b, acc);
#else
    return (int32_t)((uint32_t)acc + (uint32_t)(stai_mk_hi16(a) * stai_mk_lo16(b)));
#endif
}

/* acc + lo(a) * hi(b). */
STAI_MK_INLINE int32_t stai_mk_smlabt(int32_t a, int32_t b, int32_t acc)
{
#if STAI_MK_DSP
    return __smlabt(a, b, acc);
#else
    return (int32_t)((uint32_t)acc + (uint32_t)(stai_mk_lo16(a) * stai_mk_hi16(b)));
#endif
}

/* acc + hi(a) * hi(b). */
STAI_MK_INLINE int32_t stai_mk_smlatt(int32_t a, int32_t b, int32_t acc)
{
#if STAI_MK_DSP
    return __smlatt(a, b, acc);
#else
    return (int32_t)((uint32_t)acc + (uint32_t)(stai_mk_hi16(a) * stai_mk_hi16(b)));
#endif
}

/* (a * b + 2^31) >> 32: the rounded high word of the 64-bit product. */
STAI_MK_INLINE int32_t stai_mk_smmulr(int32_t a, int32_t b)
{
#if STAI_MK_DSP
    int32_t r;
    __asm__("smmulr %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));
    return r;
#else
    return (int32_t)(((int64_t)a * (int64_t)b + ((int64_t)1 << 31)) >> 32);
#endif
}

/* Saturate to [-128, 127]. */
STAI_MK_INLINE int32_t stai_mk_ssat8(int32_t x)
{
#if STAI_MK_DSP
    return __ssat(x, 8);
#else
    return x < -128 ? -128 : (x > 127 ? 127 : x);
#endif
}

/* One input slot (register X) of one pixel times the two weight words of a group of two
 * output-channel pairs (one LDRD at wp, advanced by 8): four SMLADs. */
#define STAI_MK_STEP1X4(X)                                                                         \
    "ldrd %[w], %[v], [%[wp]], #8\n\t"                                                             \
    "sxtb16 %[we], %[w]\n\t"                                                                       \
    "sxtb16 %[w], %[w], ror #8\n\t"                                                                \
    "smlad %[a0], %[" #X "], %[we], %[a0]\n\t"                                                      \
    "smlad %[a1], %[" #X "], %[w], %[a1]\n\t"                                                       \
    "sxtb16 %[we], %[v]\n\t"                                                                       \
    "sxtb16 %[v], %[v], ror #8\n\t"                                                                \
    "smlad %[a2], %[" #X "], %[we], %[a2]\n\t"                                                      \
    "smlad %[a3], %[" #X "], %[v], %[a3]\n\t"

/* Four int8 input channels (one word at x, advanced) widened to their two slots: x0 holds
 * channels 0 and 2, x1 channels 1 and 3. */
#define STAI_MK_WIDEN4                                                                             \
    "ldr %[x1], [%[x]], #4\n\t"                                                                    \
    "sxtb16 %[x0], %[x1]\n\t"                                                                      \
    "sxtb16 %[x1], %[x1], ror #8\n\t"

/* ---- requantization ------------------------------------------------------------------ */

/* One channel's requantization constants, derived once from its (multiplier, shift). */
typedef struct
{
    int32_t mult;
    int32_t shift;  /* general path */
    int32_t left1;  /* fast paths: left shift + 1 */
    int32_t round;  /* fast path 1: 2^right */
    int32_t right1; /* fast path 1: right shift + 1 */
    int32_t right;  /* fast path 2: right shift */
    int32_t nudge;  /* fast path 2: 2^(right - 1) - (act_min - out_offset) * 2^right */
    int32_t nudge8; /* fast path 2, clamp [-128, 127]: 2^(right - 1) + out_offset * 2^right */
} stai_mk_rq;

STAI_MK_INLINE stai_mk_rq stai_mk_rq_make(int32_t mult, int32_t shift, int32_t low)
{
    stai_mk_rq q;
    const int32_t left = (int32_t)((uint32_t)shift & ~(uint32_t)(shift >> 31)); /* max(shift, 0) */
    const int32_t right = left - shift;                                        /* max(-shift, 0) */
    q.mult = mult;
    q.shift = shift;
    q.left1 = left + 1;
    q.round = (int32_t)((uint32_t)1 << right);
    q.right1 = right + 1;
    q.right = right;
    q.nudge = (int32_t)(((uint32_t)q.round >> 1) - ((uint32_t)low << right));
    q.nudge8 = (int32_t)((uint32_t)q.nudge - ((uint32_t)128 << right));
    return q;
}

/* stai_mk_rq_make for a layer whose fast_requant is 2 (every right shift in [1, 22], so
 * no left shift): only what that path reads, in four instructions. */
STAI_MK_INLINE stai_mk_rq stai_mk_rq_get(int32_t mult, int32_t shift, int32_t low, int32_t fast)
{
    if (fast == 2)
    {
        stai_mk_rq q = {0, 0, 0, 0, 0, 0, 0, 0};
        const uint32_t half_exp = (uint32_t)(-shift - 1); /* right - 1 */
        q.mult = mult;
        q.right = -shift;
        q.nudge = (int32_t)((uint32_t)(1 - 2 * low) << half_exp);
        q.nudge8 = (int32_t)((uint32_t)(1 - 2 * low - 256) << half_exp);
        return q;
    }
    return stai_mk_rq_make(mult, shift, low);
}

/* (a * b + 2^31) >> 32 + c: SMMLAR. */
STAI_MK_INLINE int32_t stai_mk_smmlar(int32_t a, int32_t b, int32_t c)
{
#if STAI_MK_DSP
    int32_t r;
    __asm__("smmlar %0, %1, %2, %3" : "=r"(r) : "r"(a), "r"(b), "r"(c));
    return r;
#else
    return (int32_t)((uint32_t)stai_mk_smmulr(a, b) + (uint32_t)c);
#endif
}

/* max(u, 0) clamped to [0, span]: one USAT when span + 1 is a power of two or the clamp
 * bounds are constants of any value (USAT #31 for the lower bound). */
STAI_MK_INLINE int32_t stai_mk_clamp_span(int32_t u, int32_t span)
{
#if STAI_MK_DSP
    if (__builtin_constant_p(span))
    {
        switch (span)
        {
        case 255:
            return __usat(u, 8);
        case 127:
            return __usat(u, 7);
        case 63:
            return __usat(u, 6);
        case 31:
            return __usat(u, 5);
        case 15:
            return __usat(u, 4);
        case 7:
            return __usat(u, 3);
        case 3:
            return __usat(u, 2);
        case 1:
            return __usat(u, 1);
        default:
        {
            const int32_t v = __usat(u, 31);
            return v > span ? span : v;
        }
        }
    }
#endif
    u = u < 0 ? 0 : u;
    return u > span ? span : u;
}

/* arm_nn_requantize(acc, mult, shift) + out_offset, clamped to [act_min, act_max].
 *
 * General path (fast 0): the arithmetic of arm_nn_requantize, free of undefined
 * behaviour. The fast paths need the headroom mk_layouts.fast_requant_* checks:
 * x = SMMULR(acc << (left + 1), mult) is the rounding doubling high multiply of
 * (acc << left) and mult. Path 1: (2x + 2^right + (x < 0 ? -1 : 0)) >> (right + 1) is
 * its division by 2^right rounded half away from zero, for every right in [0, 29].
 * Path 2 (right in [1, 22], hence no left shift): (x + 2^(right-1) + (acc < 0 ? -1 : 0)) >> right is that
 * division too (x < 0 only when acc < 0, and x = 0 rounds to 0 either way); the lower
 * clamp bound is folded into the rounding constant (a multiple of 2^right), so that
 * SMMLAR, ADD, ASR and USAT give the clamped value minus act_min. */
STAI_MK_INLINE int32_t stai_mk_requantize(int32_t acc,
                                          const stai_mk_rq *q,
                                          int32_t out_offset,
                                          int32_t act_min,
                                          int32_t act_max,
                                          int32_t fast)
{
    int32_t y;
    if (fast == 2 && __builtin_constant_p(act_min) && act_min == -128 && act_max == 127)
    {
        /* The whole int8 range (no activation, or a ReLU whose zero point is -128): the
         * output offset folded into the rounding constant, one SSAT clamps. */
        const int32_t t = stai_mk_smmlar((int32_t)((uint32_t)acc << 1), q->mult, q->nudge8);
        return stai_mk_ssat8((int32_t)((uint32_t)t + (uint32_t)(acc >> 31)) >> q->right);
    }
    if (fast == 2)
    {
        const int32_t t = stai_mk_smmlar((int32_t)((uint32_t)acc << 1), q->mult, q->nudge);
        const int32_t u = (int32_t)((uint32_t)t + (uint32_t)(acc >> 31)) >> q->right;
        return stai_mk_clamp_span(u, act_max - act_min) + act_min;
    }
    if (fast)
    {
        const int32_t x = stai_mk_smmulr((int32_t)((uint32_t)acc << q->left1), q->mult);
        const int32_t t = (int32_t)(((uint32_t)q->round + ((uint32_t)x << 1)) + (uint32_t)(x >> 31));
        y = t >> q->right1;
    }
    else
    {
        const int32_t left = q->shift > 0 ? q->shift : 0;
        const int32_t right = q->shift > 0 ? 0 : -q->shift;
        const int32_t v = (int32_t)((uint32_t)acc << left);
        const int32_t x = (int32_t)(((int64_t)v * (int64_t)q->mult + ((int64_t)1 << 30)) >> 31);
        const int32_t mask = (int32_t)(((int64_t)1 << right) - 1);
        const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
        y = (x >> right) + ((x & mask) > threshold ? 1 : 0);
    }
    y = stai_mk_ssat8(y + out_offset);
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

/* ---- 1x1 convolution ----------------------------------------------------------------- */

/*
 * 1x1 convolution, stride 1, no padding; also a fully connected layer (pixels = batch).
 *   input    [pixels][in_ch] int8
 *   weights  pack_pointwise_s8's layout: 4-byte words {w[2j][a], w[2j+1][a], w[2j][b],
 *            w[2j+1][b]}, one per output-channel pair j (out_ch rounded up to even) and
 *            input slot k = (a, b); slots: each whole group of four input channels 4q..4q+3
 *            gives (4q, 4q+2) then (4q+1, 4q+3), the pairs SXTB16 and SXTB16 ROR #8 give
 *            from one input word; the last in_ch % 4 channels c.. give (c, c+1), (c+2, -)
 *            (a missing channel has zero weights). The output pairs go two by two: for
 *            each slot, the word of pair 2g then the word of pair 2g+1 (one LDRD); an odd
 *            last pair alone, a word per slot.
 *   bias     2 * ceil(out_ch / 2) int32: bias + input_offset * sum(w[o]) (zero padded)
 *   multipliers, shifts  out_ch int32 each
 *   output   [pixels][out_ch] int8
 *   scratch  mk_layouts.scratch_bytes_conv1x1(pixels, in_ch) bytes, 4-byte aligned: the
 *            input of three pixels widened to int16 slots; none (NULL) for one pixel,
 *            whose input is widened in registers as it is read (stai_mk_conv1x1_row_s8);
 *            NULL: every pixel that way (-O ram: mk.conv1x1_s8's no_scratch)
 */

/* A pixel's input as int16 slots (pack_pointwise_s8's order): slot k in col[k * step]. */
STAI_MK_INLINE void stai_mk_widen_pixel(const int8_t *in, int32_t *col, int32_t in_ch, int32_t step)
{
    int32_t c = 0;
    for (; c + 4 <= in_ch; c += 4)
    {
        const int32_t w = stai_mk_load32(in + c);
        col[0] = stai_mk_sxtb16(w);         /* x0, x2 */
        col[step] = stai_mk_sxtb16_ror8(w); /* x1, x3 */
        col += 2 * step;
    }
    for (; c < in_ch; c += 2)
    {
        const uint32_t lo = (uint32_t)(int32_t)in[c] & 0xFFFFu;
        const uint32_t hi = c + 1 < in_ch ? (uint32_t)(int32_t)in[c + 1] << 16 : 0u;
        col[0] = (int32_t)(lo | hi);
        col += step;
    }
}

/* One input slot x times the two weight words of an output-pair group (wp: advanced by
 * 8): the four accumulators of stai_mk_conv1x1_row_s8. */
STAI_MK_INLINE void stai_mk_row_step4(int32_t x, const int8_t **wp, int32_t *acc)
{
    const int32_t w = stai_mk_load32(*wp);
    const int32_t v = stai_mk_load32(*wp + 4);
    *wp += 8;
    acc[0] = stai_mk_smlad(x, stai_mk_sxtb16(w), acc[0]);
    acc[1] = stai_mk_smlad(x, stai_mk_sxtb16_ror8(w), acc[1]);
    acc[2] = stai_mk_smlad(x, stai_mk_sxtb16(v), acc[2]);
    acc[3] = stai_mk_smlad(x, stai_mk_sxtb16_ror8(v), acc[3]);
}

/* One input slot x times the weight word of a lone output pair (wp: advanced by 4). */
STAI_MK_INLINE void stai_mk_row_step2(int32_t x, const int8_t **wp, int32_t *acc)
{
    const int32_t w = stai_mk_load32(*wp);
    *wp += 4;
    acc[0] = stai_mk_smlad(x, stai_mk_sxtb16(w), acc[0]);
    acc[1] = stai_mk_smlad(x, stai_mk_sxtb16_ror8(w), acc[1]);
}

/* Requantize acc[0..n) into out[0..n) (channels o0.., those below out_ch). */
STAI_MK_INLINE void stai_mk_store_pairs(const int32_t *acc,
                                        int32_t n,
                                        int32_t o0,
                                        const int32_t *multipliers,
                                        const int32_t *shifts,
                                        int8_t *out,
                                        const int32_t out_ch,
                                        const int32_t output_offset,
                                        const int32_t act_min,
                                        const int32_t act_max,
                                        const int32_t fast_requant)
{
#pragma GCC unroll 4
    for (int32_t i = 0; i < n; i++)
    {
        const int32_t o = o0 + i;
        if (o < out_ch)
        {
            const stai_mk_rq q = stai_mk_rq_get(multipliers[o], shifts[o], act_min - output_offset, fast_requant);
            out[o] = (int8_t)stai_mk_requantize(acc[i], &q, output_offset, act_min, act_max, fast_requant);
        }
    }
}

#if STAI_MK_ASM
#define STAI_MK_ROW_UNROLL _Pragma("GCC unroll 1")
#else
#define STAI_MK_ROW_UNROLL _Pragma("GCC unroll 2")
#endif

/*
 * One pixel (a fully connected layer of batch 1) without scratch: each input word is
 * widened in registers to its two slots (LDR, SXTB16, SXTB16 ROR #8: the layout pairs
 * the weights with them) for every group of two output-channel pairs, whose two weight
 * words per slot one LDRD loads (21 instructions per 16 MACs). The input is read again
 * for each group: the output must not overlap it.
 */
STAI_MK_INLINE void stai_mk_conv1x1_row_s8(const int8_t *input,
                                           const int8_t *weights,
                                           const int32_t *bias,
                                           const int32_t *multipliers,
                                           const int32_t *shifts,
                                           int8_t *out,
                                           const int32_t in_ch,
                                           const int32_t out_ch,
                                           const int32_t output_offset,
                                           const int32_t act_min,
                                           const int32_t act_max,
                                           const int32_t fast_requant)
{
    const int32_t oc_pairs = (out_ch + 1) >> 1;
    const int32_t quads = in_ch >> 2;
    const int32_t rest = in_ch & 3;
    /* The slots past the last whole word: (x, x+1) or (x, 0), then (x+2, 0). */
    const int8_t *tail = input + 4 * quads;
    const uint32_t t_lo = rest > 0 ? (uint32_t)(int32_t)tail[0] & 0xFFFFu : 0u;
    const uint32_t t_hi = rest > 1 ? (uint32_t)(int32_t)tail[1] << 16 : 0u;
    const int32_t t0 = (int32_t)(t_lo | t_hi);
    const int32_t t1 = rest == 3 ? (int32_t)((uint32_t)(int32_t)tail[2] & 0xFFFFu) : 0;
    const int8_t *wp = weights;
    int32_t j = 0;
    for (; j + 2 <= oc_pairs; j += 2)
    {
        int32_t acc[4] = {bias[2 * j], bias[2 * j + 1], bias[2 * j + 2], bias[2 * j + 3]};
        const int8_t *x = input;
        int32_t k = 0;
#if STAI_MK_ASM
        /* LDRD needs word-aligned weights (every weights alignment but 1 and 2). */
        if (((uintptr_t)wp & 3u) == 0)
        {
            int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
            int32_t w, v, we, x0, x1;
            int32_t n = quads >> 1;
            /* Two input words per iteration (the loop's SUBS/BNE once per 32 MACs). */
            if (n > 0)
            {
                __asm__("1:\n\t" STAI_MK_WIDEN4 STAI_MK_STEP1X4(x0) STAI_MK_STEP1X4(x1)
                            STAI_MK_WIDEN4 STAI_MK_STEP1X4(x0) STAI_MK_STEP1X4(x1)
                        "subs %[n], %[n], #1\n\t"
                        "bne 1b"
                        : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [wp] "+r"(wp),
                          [x] "+r"(x), [n] "+r"(n), [w] "=&r"(w), [v] "=&r"(v), [we] "=&r"(we),
                          [x0] "=&r"(x0), [x1] "=&r"(x1)
                        :
                        : "cc", "memory");
            }
            if (quads & 1)
            {
                __asm__(STAI_MK_WIDEN4 STAI_MK_STEP1X4(x0) STAI_MK_STEP1X4(x1)
                        : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [wp] "+r"(wp),
                          [x] "+r"(x), [w] "=&r"(w), [v] "=&r"(v), [we] "=&r"(we), [x0] "=&r"(x0),
                          [x1] "=&r"(x1)
                        :
                        : "memory");
            }
            acc[0] = a0, acc[1] = a1, acc[2] = a2, acc[3] = a3;
            k = quads;
        }
#endif
        /* Unaligned weights on a DSP core (rolled: only a weights alignment of 1 or 2
         * gets here), or the portable path. */
        STAI_MK_ROW_UNROLL
        for (; k < quads; k++)
        {
            const int32_t word = stai_mk_load32(x);
            x += 4;
            stai_mk_row_step4(stai_mk_sxtb16(word), &wp, acc);      /* x0, x2 */
            stai_mk_row_step4(stai_mk_sxtb16_ror8(word), &wp, acc); /* x1, x3 */
        }
        if (rest > 0)
        {
            stai_mk_row_step4(t0, &wp, acc);
        }
        if (rest == 3)
        {
            stai_mk_row_step4(t1, &wp, acc);
        }
        stai_mk_store_pairs(acc, 4, 2 * j, multipliers, shifts, out, out_ch, output_offset, act_min, act_max,
                            fast_requant);
    }
    if (j < oc_pairs)
    {
        int32_t acc[2] = {bias[2 * j], bias[2 * j + 1]};
        const int8_t *x = input;
#pragma GCC unroll 2
        for (int32_t k = 0; k < quads; k++)
        {
            const int32_t word = stai_mk_load32(x);
            x += 4;
            stai_mk_row_step2(stai_mk_sxtb16(word), &wp, acc);
            stai_mk_row_step2(stai_mk_sxtb16_ror8(word), &wp, acc);
        }
        if (rest > 0)
        {
            stai_mk_row_step2(t0, &wp, acc);
        }
        if (rest == 3)
        {
            stai_mk_row_step2(t1, &wp, acc);
        }
        stai_mk_store_pairs(acc, 2, 2 * j, multipliers, shifts, out, out_ch, output_offset, act_min, act_max,
                            fast_requant);
    }
}

#if STAI_MK_ASM
/* The reduction of stai_mk_conv1x1_s8's three-pixel block for one output pair, whose
 * weight words are S bytes apart (8 in a group of two pairs, 4 for a lone pair). */
#define STAI_MK_DOT3X2_OPERANDS                                                                    \
    [a00] "+r"(a00), [a01] "+r"(a01), [a10] "+r"(a10), [a11] "+r"(a11), [a20] "+r"(a20),           \
        [a21] "+r"(a21), [wp] "+r"(wp), [x] "+r"(x), [w] "=&r"(w), [we] "=&r"(we), [x0] "=&r"(x0), \
        [x1] "=&r"(x1)
#define STAI_MK_DOT3X2(S)                                                                          \
    do                                                                                             \
    {                                                                                              \
        int32_t w, we, x0, x1;                                                                     \
        int32_t n = pairs >> 1;                                                                    \
        if (n > 0)                                                                                 \
        {                                                                                          \
            __asm__("1:\n\t" STAI_MK_STEP3X2(S) STAI_MK_STEP3X2(S) "subs %[n], %[n], #1\n\t"      \
                    "bne 1b"                                                                       \
                    : STAI_MK_DOT3X2_OPERANDS, [n] "+r"(n)                                         \
                    :                                                                              \
                    : "cc", "memory");                                                             \
        }                                                                                          \
        if (pairs & 1)                                                                             \
        {                                                                                          \
            __asm__(STAI_MK_STEP3X2(S) : STAI_MK_DOT3X2_OPERANDS : : "memory");                    \
        }                                                                                          \
    } while (0)
#endif

/* Output pair j of a block of three pixels (col: their slots, three words per slot; out:
 * the block's first output pixel); its weight words start at wp, step bytes apart (a
 * literal: 8 or 4). */
STAI_MK_INLINE void stai_mk_block3_pair(const int32_t *col,
                                        const int8_t *wp,
                                        const int32_t pairs,
                                        const int32_t step,
                                        const int32_t j,
                                        const int32_t *bias,
                                        const int32_t *multipliers,
                                        const int32_t *shifts,
                                        int8_t *out,
                                        const int32_t out_ch,
                                        const int32_t output_offset,
                                        const int32_t act_min,
                                        const int32_t act_max,
                                        const int32_t fast_requant)
{
    int32_t a00 = bias[2 * j], a01 = bias[2 * j + 1];
    int32_t a10 = a00, a11 = a01, a20 = a00, a21 = a01;
    const int32_t *x = col;
#if STAI_MK_ASM
    /* The whole reduction in one asm statement: GCC's register allocation of the same
     * code written with intrinsics moves the six accumulators around every iteration.
     * 13 registers, 11 instructions per 12 MACs. */
    if (step == 8)
    {
        STAI_MK_DOT3X2(8);
    }
    else
    {
        STAI_MK_DOT3X2(4);
    }
#else
#pragma GCC unroll 4
    for (int32_t k = 0; k < pairs; k++)
    {
        const int32_t w = stai_mk_load32(wp);
        wp += step;
        const int32_t we = stai_mk_sxtb16(w);
        const int32_t wo = stai_mk_sxtb16_ror8(w);
        const int32_t x0 = x[0], x1 = x[1], x2 = x[2];
        x += 3;
        a00 = stai_mk_smlad(x0, we, a00);
        a01 = stai_mk_smlad(x0, wo, a01);
        a10 = stai_mk_smlad(x1, we, a10);
        a11 = stai_mk_smlad(x1, wo, a11);
        a20 = stai_mk_smlad(x2, we, a20);
        a21 = stai_mk_smlad(x2, wo, a21);
    }
#endif
    const int32_t o0 = 2 * j;
    const stai_mk_rq q0 = stai_mk_rq_get(multipliers[o0], shifts[o0], act_min - output_offset, fast_requant);
    out[o0] = (int8_t)stai_mk_requantize(a00, &q0, output_offset, act_min, act_max, fast_requant);
    out[o0 + out_ch] = (int8_t)stai_mk_requantize(a10, &q0, output_offset, act_min, act_max, fast_requant);
    out[o0 + 2 * out_ch] = (int8_t)stai_mk_requantize(a20, &q0, output_offset, act_min, act_max, fast_requant);
    if (o0 + 1 < out_ch)
    {
        const stai_mk_rq q1 = stai_mk_rq_get(multipliers[o0 + 1], shifts[o0 + 1], act_min - output_offset, fast_requant);
        out[o0 + 1] = (int8_t)stai_mk_requantize(a01, &q1, output_offset, act_min, act_max, fast_requant);
        out[o0 + 1 + out_ch] = (int8_t)stai_mk_requantize(a11, &q1, output_offset, act_min, act_max, fast_requant);
        out[o0 + 1 + 2 * out_ch] =
            (int8_t)stai_mk_requantize(a21, &q1, output_offset, act_min, act_max, fast_requant);
    }
}

STAI_MK_INLINE arm_cmsis_nn_status stai_mk_conv1x1_s8(const int8_t *input,
                                                      const int8_t *weights,
                                                      const int32_t *bias,
                                                      const int32_t *multipliers,
                                                      const int32_t *shifts,
                                                      int8_t *output,
                                                      void *scratch,
                                                      const int32_t pixels,
                                                      const int32_t in_ch,
                                                      const int32_t out_ch,
                                                      const int32_t output_offset,
                                                      const int32_t act_min,
                                                      const int32_t act_max,
                                                      const int32_t fast_requant)
{
    const int32_t pairs = (in_ch + 1) >> 1;
    const int32_t oc_pairs = (out_ch + 1) >> 1;
    const int32_t grouped = oc_pairs & ~1; /* the output pairs stored two by two */
    int32_t *const col = (int32_t *)scratch;
    const int32_t blocks = scratch != NULL ? pixels / 3 : 0;
    /* Three pixels at a time (six accumulators, which leaves the registers the loop needs
     * on a Cortex-M): col[3k + i] holds slot k of pixel i. */
    for (int32_t blk = 0; blk < blocks; blk++)
    {
        const int32_t p = 3 * blk;
        const int8_t *in = input + p * in_ch;
        stai_mk_widen_pixel(in, col, in_ch, 3);
        stai_mk_widen_pixel(in + in_ch, col + 1, in_ch, 3);
        stai_mk_widen_pixel(in + 2 * in_ch, col + 2, in_ch, 3);
        int8_t *out = output + p * out_ch;
        const int8_t *wg = weights;
        for (int32_t j = 0; j < grouped; j += 2)
        {
#pragma GCC unroll 1
            for (int32_t h = 0; h < 2; h++)
            {
                stai_mk_block3_pair(col, wg + 4 * h, pairs, 8, j + h, bias, multipliers, shifts, out, out_ch,
                                    output_offset, act_min, act_max, fast_requant);
            }
            wg += 8 * pairs;
        }
        if (grouped < oc_pairs)
        {
            stai_mk_block3_pair(col, wg, pairs, 4, grouped, bias, multipliers, shifts, out, out_ch, output_offset,
                                act_min, act_max, fast_requant);
        }
    }
    /* The remaining pixels (a fully connected layer's only one) one at a time, widened in
     * registers: as in a block, output pixel p may overlap only input pixels before p. */
    for (int32_t p = 3 * blocks; p < pixels; p++)
    {
        stai_mk_conv1x1_row_s8(input + p * in_ch, weights, bias, multipliers, shifts, output + p * out_ch, in_ch,
                               out_ch, output_offset, act_min, act_max, fast_requant);
    }
    return ARM_CMSIS_NN_SUCCESS;
}

/* ---- 1x1 convolution on int16 weights (-O time) --------------------------------------- */

/*
 * stai_mk_conv1x1_s8 with its weights widened to int16 at compile time
 * (mk_layouts.pack_pointwise_s16, twice the bytes): pack_pointwise_s8's word
 * {w[2j][a], w[2j+1][a], w[2j][b], w[2j+1][b]} becomes the two int16 words
 * {w[2j][a], w[2j][b]} and {w[2j+1][a], w[2j+1][b]}, in the same order, so SMLAD reads each
 * weight word as it is loaded (no SXTB16). Same arguments, scratch and output as
 * stai_mk_conv1x1_s8; the weights pointer is const int16_t *. The inner loops load two
 * weight words with one LDRD: 9 instructions per 12 MACs for a block of three pixels
 * (11 with int8 weights), 15 per 16 for one pixel (21); weights that are not word aligned
 * (a weights alignment of 1 or 2) take the C loops.
 */

/* One input slot of three pixels times the two int16 weight words of an output pair (one
 * LDRD at wp, advanced by S bytes): six SMLADs. */
#define STAI_MK_STEP3X2_W16(S)                                                                     \
    "ldrd %[we], %[wo], [%[wp]], #" #S "\n\t"                                                      \
    "ldrd %[x0], %[x1], [%[x]], #8\n\t"                                                            \
    "smlad %[a00], %[x0], %[we], %[a00]\n\t"                                                       \
    "smlad %[a01], %[x0], %[wo], %[a01]\n\t"                                                       \
    "ldr %[x0], [%[x]], #4\n\t"                                                                    \
    "smlad %[a10], %[x1], %[we], %[a10]\n\t"                                                       \
    "smlad %[a11], %[x1], %[wo], %[a11]\n\t"                                                       \
    "smlad %[a20], %[x0], %[we], %[a20]\n\t"                                                       \
    "smlad %[a21], %[x0], %[wo], %[a21]\n\t"

/* One input slot (register X) of one pixel times the four int16 weight words of a group of
 * two output pairs (two LDRDs at wp, advanced by 16): four SMLADs. */
#define STAI_MK_STEP1X4_W16(X)                                                                     \
    "ldrd %[w0], %[w1], [%[wp]], #8\n\t"                                                           \
    "smlad %[a0], %[" #X "], %[w0], %[a0]\n\t"                                                      \
    "smlad %[a1], %[" #X "], %[w1], %[a1]\n\t"                                                      \
    "ldrd %[w0], %[w1], [%[wp]], #8\n\t"                                                           \
    "smlad %[a2], %[" #X "], %[w0], %[a2]\n\t"                                                      \
    "smlad %[a3], %[" #X "], %[w1], %[a3]\n\t"

/* One input slot x times the int16 weight words of an output-pair group (wp: advanced by
 * 8 halfwords). */
STAI_MK_INLINE void stai_mk_row_step4_w16(int32_t x, const int16_t **wp, int32_t *acc)
{
    acc[0] = stai_mk_smlad(x, stai_mk_load32(*wp), acc[0]);
    acc[1] = stai_mk_smlad(x, stai_mk_load32(*wp + 2), acc[1]);
    acc[2] = stai_mk_smlad(x, stai_mk_load32(*wp + 4), acc[2]);
    acc[3] = stai_mk_smlad(x, stai_mk_load32(*wp + 6), acc[3]);
    *wp += 8;
}

/* One input slot x times the int16 weight words of a lone output pair (wp: advanced by 4
 * halfwords). */
STAI_MK_INLINE void stai_mk_row_step2_w16(int32_t x, const int16_t **wp, int32_t *acc)
{
    acc[0] = stai_mk_smlad(x, stai_mk_load32(*wp), acc[0]);
    acc[1] = stai_mk_smlad(x, stai_mk_load32(*wp + 2), acc[1]);
    *wp += 4;
}

/* stai_mk_conv1x1_row_s8 on int16 weights: one pixel, widened in registers. */
STAI_MK_INLINE void stai_mk_conv1x1_row_w16(const int8_t *input,
                                            const int16_t *weights,
                                            const int32_t *bias,
                                            const int32_t *multipliers,
                                            const int32_t *shifts,
                                            int8_t *out,
                                            const int32_t in_ch,
                                            const int32_t out_ch,
                                            const int32_t output_offset,
                                            const int32_t act_min,
                                            const int32_t act_max,
                                            const int32_t fast_requant)
{
    const int32_t oc_pairs = (out_ch + 1) >> 1;
    const int32_t quads = in_ch >> 2;
    const int32_t rest = in_ch & 3;
    const int8_t *tail = input + 4 * quads;
    const uint32_t t_lo = rest > 0 ? (uint32_t)(int32_t)tail[0] & 0xFFFFu : 0u;
    const uint32_t t_hi = rest > 1 ? (uint32_t)(int32_t)tail[1] << 16 : 0u;
    const int32_t t0 = (int32_t)(t_lo | t_hi);
    const int32_t t1 = rest == 3 ? (int32_t)((uint32_t)(int32_t)tail[2] & 0xFFFFu) : 0;
    const int16_t *wp = weights;
    int32_t j = 0;
    for (; j + 2 <= oc_pairs; j += 2)
    {
        int32_t acc[4] = {bias[2 * j], bias[2 * j + 1], bias[2 * j + 2], bias[2 * j + 3]};
        const int8_t *x = input;
        int32_t k = 0;
#if STAI_MK_ASM
        if (((uintptr_t)wp & 3u) == 0)
        {
            int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
            int32_t w0, w1, x0, x1;
            int32_t n = quads >> 1;
            if (n > 0)
            {
                __asm__("1:\n\t" STAI_MK_WIDEN4 STAI_MK_STEP1X4_W16(x0) STAI_MK_STEP1X4_W16(x1)
                            STAI_MK_WIDEN4 STAI_MK_STEP1X4_W16(x0) STAI_MK_STEP1X4_W16(x1)
                        "subs %[n], %[n], #1\n\t"
                        "bne 1b"
                        : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [wp] "+r"(wp),
                          [x] "+r"(x), [n] "+r"(n), [w0] "=&r"(w0), [w1] "=&r"(w1), [x0] "=&r"(x0),
                          [x1] "=&r"(x1)
                        :
                        : "cc", "memory");
            }
            if (quads & 1)
            {
                __asm__(STAI_MK_WIDEN4 STAI_MK_STEP1X4_W16(x0) STAI_MK_STEP1X4_W16(x1)
                        : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [wp] "+r"(wp),
                          [x] "+r"(x), [w0] "=&r"(w0), [w1] "=&r"(w1), [x0] "=&r"(x0), [x1] "=&r"(x1)
                        :
                        : "memory");
            }
            acc[0] = a0, acc[1] = a1, acc[2] = a2, acc[3] = a3;
            k = quads;
        }
#endif
        STAI_MK_ROW_UNROLL
        for (; k < quads; k++)
        {
            const int32_t word = stai_mk_load32(x);
            x += 4;
            stai_mk_row_step4_w16(stai_mk_sxtb16(word), &wp, acc);
            stai_mk_row_step4_w16(stai_mk_sxtb16_ror8(word), &wp, acc);
        }
        if (rest > 0)
        {
            stai_mk_row_step4_w16(t0, &wp, acc);
        }
        if (rest == 3)
        {
            stai_mk_row_step4_w16(t1, &wp, acc);
        }
        stai_mk_store_pairs(acc, 4, 2 * j, multipliers, shifts, out, out_ch, output_offset, act_min, act_max,
                            fast_requant);
    }
    if (j < oc_pairs)
    {
        int32_t acc[2] = {bias[2 * j], bias[2 * j + 1]};
        const int8_t *x = input;
#pragma GCC unroll 2
        for (int32_t k = 0; k < quads; k++)
        {
            const int32_t word = stai_mk_load32(x);
            x += 4;
            stai_mk_row_step2_w16(stai_mk_sxtb16(word), &wp, acc);
            stai_mk_row_step2_w16(stai_mk_sxtb16_ror8(word), &wp, acc);
        }
        if (rest > 0)
        {
            stai_mk_row_step2_w16(t0, &wp, acc);
        }
        if (rest == 3)
        {
            stai_mk_row_step2_w16(t1, &wp, acc);
        }
        stai_mk_store_pairs(acc, 2, 2 * j, multipliers, shifts, out, out_ch, output_offset, act_min, act_max,
                            fast_requant);
    }
}

#if STAI_MK_ASM
#define STAI_MK_DOT3X2_W16_OPERANDS                                                                \
    [a00] "+r"(a00), [a01] "+r"(a01), [a10] "+r"(a10), [a11] "+r"(a11), [a20] "+r"(a20),           \
        [a21] "+r"(a21), [wp] "+r"(wp), [x] "+r"(x), [we] "=&r"(we), [wo] "=&r"(wo),               \
        [x0] "=&r"(x0), [x1] "=&r"(x1)
#define STAI_MK_DOT3X2_W16(S)                                                                      \
    do                                                                                             \
    {                                                                                              \
        int32_t we, wo, x0, x1;                                                                    \
        int32_t n = pairs >> 1;                                                                    \
        if (n > 0)                                                                                 \
        {                                                                                          \
            __asm__("1:\n\t" STAI_MK_STEP3X2_W16(S) STAI_MK_STEP3X2_W16(S)                         \
                    "subs %[n], %[n], #1\n\t"                                                      \
                    "bne 1b"                                                                       \
                    : STAI_MK_DOT3X2_W16_OPERANDS, [n] "+r"(n)                                     \
                    :                                                                              \
                    : "cc", "memory");                                                             \
        }                                                                                          \
        if (pairs & 1)                                                                             \
        {                                                                                          \
            __asm__(STAI_MK_STEP3X2_W16(S) : STAI_MK_DOT3X2_W16_OPERANDS : : "memory");            \
        }                                                                                          \
    } while (0)
#endif

/* stai_mk_block3_pair on int16 weights: output pair j of a block of three pixels; its
 * weight words start at wp, step halfwords apart per slot (a literal: 8 or 4). */
STAI_MK_INLINE void stai_mk_block3_pair_w16(const int32_t *col,
                                            const int16_t *wp,
                                            const int32_t pairs,
                                            const int32_t step,
                                            const int32_t j,
                                            const int32_t *bias,
                                            const int32_t *multipliers,
                                            const int32_t *shifts,
                                            int8_t *out,
                                            const int32_t out_ch,
                                            const int32_t output_offset,
                                            const int32_t act_min,
                                            const int32_t act_max,
                                            const int32_t fast_requant)
{
    int32_t a00 = bias[2 * j], a01 = bias[2 * j + 1];
    int32_t a10 = a00, a11 = a01, a20 = a00, a21 = a01;
    const int32_t *x = col;
    int32_t k = 0;
#if STAI_MK_ASM
    if (((uintptr_t)wp & 3u) == 0)
    {
        if (step == 8)
        {
            STAI_MK_DOT3X2_W16(16);
        }
        else
        {
            STAI_MK_DOT3X2_W16(8);
        }
        k = pairs;
    }
#endif
#pragma GCC unroll 4
    for (; k < pairs; k++)
    {
        const int32_t we = stai_mk_load32(wp);
        const int32_t wo = stai_mk_load32(wp + 2);
        wp += step;
        const int32_t x0 = x[0], x1 = x[1], x2 = x[2];
        x += 3;
        a00 = stai_mk_smlad(x0, we, a00);
        a01 = stai_mk_smlad(x0, wo, a01);
        a10 = stai_mk_smlad(x1, we, a10);
        a11 = stai_mk_smlad(x1, wo, a11);
        a20 = stai_mk_smlad(x2, we, a20);
        a21 = stai_mk_smlad(x2, wo, a21);
    }
    const int32_t o0 = 2 * j;
    const stai_mk_rq q0 = stai_mk_rq_get(multipliers[o0], shifts[o0], act_min - output_offset, fast_requant);
    out[o0] = (int8_t)stai_mk_requantize(a00, &q0, output_offset, act_min, act_max, fast_requant);
    out[o0 + out_ch] = (int8_t)stai_mk_requantize(a10, &q0, output_offset, act_min, act_max, fast_requant);
    out[o0 + 2 * out_ch] = (int8_t)stai_mk_requantize(a20, &q0, output_offset, act_min, act_max, fast_requant);
    if (o0 + 1 < out_ch)
    {
        const stai_mk_rq q1 = stai_mk_rq_get(multipliers[o0 + 1], shifts[o0 + 1], act_min - output_offset, fast_requant);
        out[o0 + 1] = (int8_t)stai_mk_requantize(a01, &q1, output_offset, act_min, act_max, fast_requant);
        out[o0 + 1 + out_ch] = (int8_t)stai_mk_requantize(a11, &q1, output_offset, act_min, act_max, fast_requant);
        out[o0 + 1 + 2 * out_ch] =
            (int8_t)stai_mk_requantize(a21, &q1, output_offset, act_min, act_max, fast_requant);
    }
}

STAI_MK_INLINE arm_cmsis_nn_status stai_mk_conv1x1_s8_w16(const int8_t *input,
                                                          const int16_t *weights,
                                                          const int32_t *bias,
                                                          const int32_t *multipliers,
                                                          const int32_t *shifts,
                                                          int8_t *output,
                                                          void *scratch,
                                                          const int32_t pixels,
                                                          const int32_t in_ch,
                                                          const int32_t out_ch,
                                                          const int32_t output_offset,
                                                          const int32_t act_min,
                                                          const int32_t act_max,
                                                          const int32_t fast_requant)
{
    const int32_t pairs = (in_ch + 1) >> 1;
    const int32_t oc_pairs = (out_ch + 1) >> 1;
    const int32_t grouped = oc_pairs & ~1;
    int32_t *const col = (int32_t *)scratch;
    const int32_t blocks = scratch != NULL ? pixels / 3 : 0; /* NULL: every pixel as a row */
    for (int32_t blk = 0; blk < blocks; blk++)
    {
        const int32_t p = 3 * blk;
        const int8_t *in = input + p * in_ch;
        stai_mk_widen_pixel(in, col, in_ch, 3);
        stai_mk_widen_pixel(in + in_ch, col + 1, in_ch, 3);
        stai_mk_widen_pixel(in + 2 * in_ch, col + 2, in_ch, 3);
        int8_t *out = output + p * out_ch;
        const int16_t *wg = weights;
        for (int32_t j = 0; j < grouped; j += 2)
        {
#pragma GCC unroll 1
            for (int32_t h = 0; h < 2; h++)
            {
                stai_mk_block3_pair_w16(col, wg + 4 * h, pairs, 8, j + h, bias, multipliers, shifts, out, out_ch,
                                        output_offset, act_min, act_max, fast_requant);
            }
            wg += 8 * pairs;
        }
        if (grouped < oc_pairs)
        {
            stai_mk_block3_pair_w16(col, wg, pairs, 4, grouped, bias, multipliers, shifts, out, out_ch,
                                    output_offset, act_min, act_max, fast_requant);
        }
    }
    for (int32_t p = 3 * blocks; p < pixels; p++)
    {
        stai_mk_conv1x1_row_w16(input + p * in_ch, weights, bias, multipliers, shifts, output + p * out_ch, in_ch,
                                out_ch, output_offset, act_min, act_max, fast_requant);
    }
    return ARM_CMSIS_NN_SUCCESS;
}

/* ---- depthwise 3x3 convolution -------------------------------------------------------- */

/*
 * Depthwise 3x3 convolution, channel multiplier 1, stride 1 or 2, no dilation, batch 1.
 * pad_top / pad_left are the rows / columns of padding before the input (the padding
 * after it follows from out_h / out_w); padded taps contribute nothing, as in TFLite.
 *   input    [in_h][in_w][ch] int8
 *   weights  pack_dwconv3x3_s8's layout: 12 bytes per channel c,
 *            {w00, w10, w01, w11,  w20, w02, w21, w12,  w22, 0, 0, 0} (w<ky><kx>)
 *   bias     ch int32: bias + input_offset * sum of the channel's 9 weights
 *   multipliers, shifts  ch int32 each
 *   output   [out_h][out_w][ch] int8
 *   scratch  mk_layouts.scratch_bytes_dwconv3x3(out_h, out_w, stride) bytes, 4-byte
 *            aligned: one channel of the padded input as int16 (padding = the input zero
 *            point, so that the folded bias stays exact at the borders)
 */
STAI_MK_INLINE arm_cmsis_nn_status stai_mk_dwconv3x3_s8(const int8_t *input,
                                                        const int8_t *weights,
                                                        const int32_t *bias,
                                                        const int32_t *multipliers,
                                                        const int32_t *shifts,
                                                        int8_t *output,
                                                        void *scratch,
                                                        const int32_t in_h,
                                                        const int32_t in_w,
                                                        const int32_t ch,
                                                        const int32_t out_h,
                                                        const int32_t out_w,
                                                        const int32_t stride,
                                                        const int32_t pad_top,
                                                        const int32_t pad_left,
                                                        const int32_t input_offset,
                                                        const int32_t output_offset,
                                                        const int32_t act_min,
                                                        const int32_t act_max,
                                                        const int32_t fast_requant)
{
    const int32_t ph = (out_h - 1) * stride + 3;
    const int32_t rs = (out_w - 1) * stride + 4; /* row stride: one spare column */
    int16_t *const plane = (int16_t *)scratch;
    const int16_t zp = (int16_t)(-input_offset);
    for (int32_t i = 0; i < ph * rs; i++)
    {
        plane[i] = zp;
    }
    const int32_t y0 = pad_top;
    const int32_t y1 = in_h + pad_top < ph ? in_h + pad_top : ph;
    const int32_t x0 = pad_left;
    const int32_t x1 = in_w + pad_left < rs - 1 ? in_w + pad_left : rs - 1;
    for (int32_t c = 0; c < ch; c++)
    {
        /* This channel's input, widened, into the plane's interior. */
        for (int32_t py = y0; py < y1; py++)
        {
            const int8_t *src = input + ((py - pad_top) * in_w + (x0 - pad_left)) * ch + c;
            int16_t *dst = plane + py * rs + x0;
            int32_t px = x0;
#pragma GCC unroll 8
            for (; px + 2 <= x1; px += 2)
            {
                /* Two columns per store: LDRSB, LDRSB, PKHBT, STR. */
                const int32_t pair = stai_mk_pack_lo((int32_t)src[0], (int32_t)src[ch]);
                memcpy(dst, &pair, 4);
                dst += 2;
                src += 2 * ch;
            }
            if (px < x1)
            {
                *dst = *src;
            }
        }
        const int8_t *wc = weights + 12 * c;
        const int32_t wa = stai_mk_load32(wc);
        const int32_t wb = stai_mk_load32(wc + 4);
        const int32_t r0 = stai_mk_sxtb16(wa);         /* w00, w01 */
        const int32_t r1 = stai_mk_sxtb16_ror8(wa);    /* w10, w11 */
        const int32_t r2 = stai_mk_sxtb16(wb);         /* w20, w21 */
        const int32_t k2 = stai_mk_sxtb16_ror8(wb);    /* w02, w12 */
        const int32_t k22 = (int32_t)wc[8];            /* w22 */
        const int32_t b = bias[c];
        const stai_mk_rq q = stai_mk_rq_get(multipliers[c], shifts[c], act_min - output_offset, fast_requant);
        int8_t *out = output + c;
        for (int32_t oy = 0; oy < out_h; oy++)
        {
            const int16_t *row = plane + oy * stride * rs;
            int32_t ox = 0;
            if (stride == 1)
            {
                /* Not unrolled: unrolling makes GCC spill the weights (VWW 3.07 -> 2.47
                 * instructions per MAC without it). */
#pragma GCC unroll 1
                for (; ox + 2 <= out_w; ox += 2)
                {
                    const int16_t *t = row + ox;
                    int32_t s0 = b, s1 = b;
                    int32_t a = stai_mk_load32(t), m = stai_mk_load32(t + 1), e = stai_mk_load32(t + 2);
                    s0 = stai_mk_smlad(a, r0, s0);
                    s1 = stai_mk_smlad(m, r0, s1);
                    s0 = stai_mk_smlabb(e, k2, s0);
                    s1 = stai_mk_smlatb(e, k2, s1);
                    t += rs;
                    a = stai_mk_load32(t), m = stai_mk_load32(t + 1), e = stai_mk_load32(t + 2);
                    s0 = stai_mk_smlad(a, r1, s0);
                    s1 = stai_mk_smlad(m, r1, s1);
                    s0 = stai_mk_smlabt(e, k2, s0);
                    s1 = stai_mk_smlatt(e, k2, s1);
                    t += rs;
                    a = stai_mk_load32(t), m = stai_mk_load32(t + 1), e = stai_mk_load32(t + 2);
                    s0 = stai_mk_smlad(a, r2, s0);
                    s1 = stai_mk_smlad(m, r2, s1);
                    s0 = stai_mk_smlabb(e, k22, s0);
                    s1 = stai_mk_smlatb(e, k22, s1);
                    out[0] = (int8_t)stai_mk_requantize(s0, &q, output_offset, act_min, act_max, fast_requant);
                    out[ch] = (int8_t)stai_mk_requantize(s1, &q, output_offset, act_min, act_max, fast_requant);
                    out += 2 * ch;
                }
            }
#pragma GCC unroll 1
            for (; ox < out_w; ox++)
            {
                const int16_t *t = row + ox * stride;
                int32_t s = b;
                s = stai_mk_smlad(stai_mk_load32(t), r0, s);
                s = stai_mk_smlabb(stai_mk_load32(t + 2), k2, s);
                t += rs;
                s = stai_mk_smlad(stai_mk_load32(t), r1, s);
                s = stai_mk_smlabt(stai_mk_load32(t + 2), k2, s);
                t += rs;
                s = stai_mk_smlad(stai_mk_load32(t), r2, s);
                s = stai_mk_smlabb(stai_mk_load32(t + 2), k22, s);
                out[0] = (int8_t)stai_mk_requantize(s, &q, output_offset, act_min, act_max, fast_requant);
                out += ch;
            }
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}

#endif /* STAI_MK_S8_H */
