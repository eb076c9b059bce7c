/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_mk_conv_s8 */
/*
 * stai's general int8 convolution micro-kernel, stai_mk_conv_s8: any kh x kw window,
 * stride 1 or 2 along each axis, TFLite's SAME or VALID padding, no dilation, no groups,
 * batch 1, any channel counts (first layers with 1 to 3 input channels included).
 *
 * Like the kernels of stai_mk_s8.h (whose primitives and requantization it uses), it is
 * header-only and called by the generated code with literal constants for every int32
 * argument, so that each call site is specialised by the compiler; it gives the integers
 * of the TFLite Micro int8 reference convolution (and of arm_convolve_s8) bit for bit.
 *
 * How it computes: output pixels in increasing order (row-major), four at a time. For a
 * block, the windows of its pixels are widened to int16 into the scratch buffer (each
 * window row, kw * in_ch bytes contiguous in NHWC, padded to an even length; each four
 * bytes by one LDR and two SXTB16 into the pairs {x0, x2}, {x1, x3}, the order
 * mk_conv_layouts.row_order lays the weights in; padded taps take the input zero point,
 * so the effective bias with the input offset folded in stays exact at the borders);
 * then every output-channel pair is the dot product of the packed weights with the four
 * windows (SMLAD, eight accumulators, one asm statement), and the block's outputs are
 * requantized and written. A block reads only input pixels at or after the first pixel
 * of its first window, and writes its outputs after reading them. The remaining one to
 * three pixels run one at a time, two output channels at a time.
 *
 * The inner loop, per window pair of an output-channel pair (eight SMLADs, 16 MACs of
 * the four pixels): LDR of the weight word, two SXTB16, two LDRD of the windows, eight
 * SMLAD: 13 instructions (0.81 per MAC); with the weights widened to int16 in scratch
 * (small layers: STAI_MK_CONV_WIDE_WORDS) one LDRD replaces LDR and the SXTB16s: 11
 * (0.69 per MAC). From 16 pairs on, eight such steps per loop iteration plus LDR, CMP,
 * BNE (the end is a word on the stack: no register is left); the rest, and shorter
 * windows, fully unrolled (.rept). Before it, seven instructions set the accumulators
 * from the bias (LDRD, six MOV); after it, six per output requantize and store (LSL,
 * SMMLAR, ADD, ASR, SSAT, STRB with the whole int8 range). Measured on Cortex-M4 (QEMU,
 * the real layers): VWW's 3x3x3 first layer 1.55 instructions per MAC, KWS's 10x4x1
 * 1.24, IC's 3x3 layers 0.89-1.05.
 */
#ifndef STAI_MK_CONV_S8_H
#define STAI_MK_CONV_S8_H

#include "stai_mk_s8.h"

/* Packed weight words (output-channel pairs x window pairs) up to which the kernel widens
 * the weights to int16 pairs in its scratch (mk_conv_layouts.WIDE_WORDS): 1 KB. */
#define STAI_MK_CONV_WIDE_WORDS 128

/* n bytes (a window row, or its part from a multiple of four values on) widened to int16
 * pairs into the words col[0], col[step], ...: each group of four values x0..x3 as the
 * words {x0, x2}, {x1, x3} (one SXTB16 each, the order pack_conv_s8 lays the weights
 * in), the last two as {x0, x1}, a last single value as {x0, any} (its weight is 0). */
STAI_MK_INLINE void stai_mk_conv_widen(const int8_t *in, int32_t *col, int32_t n, int32_t step)
{
    int32_t c = 0;
#pragma GCC unroll 4
    for (; c + 4 <= n; c += 4)
    {
        const int32_t w = stai_mk_load32(in + c);
        col[0] = stai_mk_sxtb16(w);
        col[step] = stai_mk_sxtb16_ror8(w);
        col += 2 * step;
    }
    if (c + 2 <= n)
    {
        col[0] = stai_mk_pack_lo((int32_t)in[c], (int32_t)in[c + 1]);
        col += step;
        c += 2;
    }
    if (c < n)
    {
        col[0] = (int32_t)in[c];
    }
}

/* Words col[0], col[step], ... of n zero-point pairs. */
STAI_MK_INLINE void stai_mk_conv_fill(int32_t *col, int32_t n, int32_t step, int32_t zpw)
{
    for (int32_t k = 0; k < n; k++)
    {
        col[k * step] = zpw;
    }
}

/* One window row whose taps are partly left or right of the input (left and right of
 * them outside): its bytes gathered (the zero point for the padded taps) 64 at a time,
 * then widened as a row inside is. */
STAI_MK_INLINE void stai_mk_conv_row_edge(const int8_t *in_row, int32_t *col, int32_t step, int32_t ix0,
                                          int32_t in_ch, int32_t kernel_w, int32_t left, int32_t right,
                                          int32_t zp)
{
    int8_t buf[64] __attribute__((aligned(4)));
    const int32_t row = kernel_w * in_ch;
    const int32_t lo = left * in_ch, hi = (kernel_w - right) * in_ch;
    const int8_t *src = in_row + (ix0 + left) * in_ch; /* byte lo of the row */
    for (int32_t t0 = 0; t0 < row; t0 += 64)
    {
        const int32_t t1 = t0 + 64 < row ? t0 + 64 : row;
        int32_t t = t0;
        for (; t < t1 && t < lo; t++)
        {
            buf[t - t0] = (int8_t)zp;
        }
        for (; t < t1 && t < hi; t++)
        {
            buf[t - t0] = src[t - lo];
        }
        for (; t < t1; t++)
        {
            buf[t - t0] = (int8_t)zp;
        }
        stai_mk_conv_widen(buf, col, t1 - t0, step);
        col += 32 * step;
    }
}

/* The window of an output pixel whose window meets the padding (the top-left tap is input
 * (iy0, ix0)), widened into the words col[0], col[step], ...: inline, specialised on the
 * call's constants (a generic out-of-line copy took 1.5 KB once but twice the time:
 * KWS's first layer 469 k -> 417 k instructions with it inline). */
STAI_MK_INLINE void stai_mk_conv_window_edge(const int8_t *input, int32_t *col,
                                                                      int32_t step, int32_t iy0, int32_t ix0,
                                                                      int32_t in_h, int32_t in_w, int32_t in_ch,
                                                                      int32_t kernel_h, int32_t kernel_w, int32_t zp)
{
    const int32_t row = kernel_w * in_ch;
    const int32_t row_words = (row + 1) >> 1;
    const int32_t zpw = stai_mk_pack_lo(zp, zp);
    const int32_t x_inside = ix0 >= 0 && ix0 + kernel_w <= in_w;
    for (int32_t ky = 0; ky < kernel_h; ky++)
    {
        const int32_t iy = iy0 + ky;
        if (iy < 0 || iy >= in_h)
        {
            stai_mk_conv_fill(col, row_words, step, zpw);
        }
        else if (x_inside)
        {
            stai_mk_conv_widen(input + (iy * in_w + ix0) * in_ch, col, row, step);
        }
        else if ((in_ch & 3) == 0)
        {
            /* Padded taps on the left, the taps inside, padded taps on the right (each a
             * whole number of four-value groups, in widening order). */
            const int32_t left = ix0 < 0 ? -ix0 : 0;
            const int32_t right = ix0 + kernel_w > in_w ? ix0 + kernel_w - in_w : 0;
            int32_t *dst = col;
            stai_mk_conv_fill(dst, left * (in_ch >> 1), step, zpw);
            dst += left * (in_ch >> 1) * step;
            stai_mk_conv_widen(input + (iy * in_w + ix0 + left) * in_ch, dst, (kernel_w - left - right) * in_ch,
                               step);
            dst += (kernel_w - left - right) * (in_ch >> 1) * step;
            stai_mk_conv_fill(dst, right * (in_ch >> 1), step, zpw);
        }
        else
        {
            const int32_t left = ix0 < 0 ? -ix0 : 0;
            const int32_t right = ix0 + kernel_w > in_w ? ix0 + kernel_w - in_w : 0;
            stai_mk_conv_row_edge(input + iy * in_w * in_ch, col, step, ix0, in_ch, kernel_w, left, right, zp);
        }
        col += row_words * step;
    }
}

/* The window of the output pixel whose top-left tap is input (iy0, ix0), widened into the
 * words col[0], col[step], ...: kernel_h rows of (kernel_w * in_ch + 1) / 2 pairs. Windows
 * with taps left or right of the input take stai_mk_conv_window_edge. */
STAI_MK_INLINE void stai_mk_conv_window(const int8_t *input, int32_t *col, int32_t step, int32_t iy0,
                                        int32_t ix0, int32_t in_h, int32_t in_w, int32_t in_ch,
                                        int32_t kernel_h, int32_t kernel_w, int32_t zp)
{
    const int32_t row = kernel_w * in_ch;
    const int32_t row_words = (row + 1) >> 1;
    if (ix0 >= 0 && ix0 + kernel_w <= in_w && iy0 >= 0 && iy0 + kernel_h <= in_h)
    {
        const int8_t *src = input + (iy0 * in_w + ix0) * in_ch;
        for (int32_t ky = 0; ky < kernel_h; ky++)
        {
            stai_mk_conv_widen(src, col, row, step);
            src += in_w * in_ch;
            col += row_words * step;
        }
        return;
    }
    if (ix0 >= 0 && ix0 + kernel_w <= in_w)
    {
        /* Rows above or below the input (the top and bottom output rows): here too. */
        const int32_t zpw = stai_mk_pack_lo(zp, zp);
        for (int32_t ky = 0; ky < kernel_h; ky++)
        {
            const int32_t iy = iy0 + ky;
            if (iy < 0 || iy >= in_h)
            {
                stai_mk_conv_fill(col, row_words, step, zpw);
            }
            else
            {
                stai_mk_conv_widen(input + (iy * in_w + ix0) * in_ch, col, row, step);
            }
            col += row_words * step;
        }
        return;
    }
    stai_mk_conv_window_edge(input, col, step, iy0, ix0, in_h, in_w, in_ch, kernel_h, kernel_w, zp);
}

/* One pair of the window vector of four pixels (x: 4 words, int16 pairs) times one weight
 * word of an output-channel pair (wp): eight SMLADs in 13 instructions. */
#define STAI_MK_CONV_STEP4X2                                                                       \
    "ldr %[w], [%[wp]], #4\n\t"                                                                    \
    "ldrd %[x0], %[x1], [%[x]], #8\n\t"                                                            \
    "sxtb16 %[we], %[w]\n\t"                                                                       \
    "sxtb16 %[w], %[w], ror #8\n\t"                                                                \
    "smlad %[a00], %[x0], %[we], %[a00]\n\t"                                                       \
    "smlad %[a01], %[x0], %[w], %[a01]\n\t"                                                        \
    "smlad %[a10], %[x1], %[we], %[a10]\n\t"                                                       \
    "smlad %[a11], %[x1], %[w], %[a11]\n\t"                                                        \
    "ldrd %[x0], %[x1], [%[x]], #8\n\t"                                                            \
    "smlad %[a20], %[x0], %[we], %[a20]\n\t"                                                       \
    "smlad %[a21], %[x0], %[w], %[a21]\n\t"                                                        \
    "smlad %[a30], %[x1], %[we], %[a30]\n\t"                                                       \
    "smlad %[a31], %[x1], %[w], %[a31]\n\t"

/* The same with the weight word widened to its two int16 pairs beforehand (we, w): eight
 * SMLADs in 11 instructions. */
#define STAI_MK_CONV_STEP4X2W                                                                      \
    "ldrd %[we], %[w], [%[wp]], #8\n\t"                                                          \
    "ldrd %[x0], %[x1], [%[x]], #8\n\t"                                                            \
    "smlad %[a00], %[x0], %[we], %[a00]\n\t"                                                       \
    "smlad %[a01], %[x0], %[w], %[a01]\n\t"                                                        \
    "smlad %[a10], %[x1], %[we], %[a10]\n\t"                                                       \
    "smlad %[a11], %[x1], %[w], %[a11]\n\t"                                                        \
    "ldrd %[x0], %[x1], [%[x]], #8\n\t"                                                            \
    "smlad %[a20], %[x0], %[we], %[a20]\n\t"                                                       \
    "smlad %[a21], %[x0], %[w], %[a21]\n\t"                                                        \
    "smlad %[a30], %[x1], %[we], %[a30]\n\t"                                                       \
    "smlad %[a31], %[x1], %[w], %[a31]\n\t"

/* The operands of the asm statement of one output-channel pair (STAI_MK_CONV_MAC): 14
 * registers, no two inputs alike (GCC found no registers when two accumulators entered
 * with the same value). */
#define STAI_MK_CONV_ASM_OUT                                                                       \
    [a00] "=&r"(a00), [a01] "=&r"(a01), [a10] "=&r"(a10), [a11] "=&r"(a11), [a20] "=&r"(a20),        \
        [a21] "=&r"(a21), [a30] "=&r"(a30), [a31] "=&r"(a31), [wp] "+r"(wp), [x] "+r"(x),              \
        [w] "=&r"(w), [we] "=&r"(we), [x0] "+r"(x0), [x1] "=&r"(x1)

/* The accumulators of the four pixels set to the bias pair at x0. */
#define STAI_MK_CONV_INIT                                                                          \
    "ldrd %[a00], %[a01], [%[x0]]\n\t"                                                             \
    "mov %[a10], %[a00]\n\t"                                                                       \
    "mov %[a11], %[a01]\n\t"                                                                       \
    "mov %[a20], %[a00]\n\t"                                                                       \
    "mov %[a21], %[a01]\n\t"                                                                       \
    "mov %[a30], %[a00]\n\t"                                                                       \
    "mov %[a31], %[a01]\n\t"

/* BODY repeated over the next BYTES bytes of weights, the loop's end compared with a word
 * on the stack (3 instructions per iteration: no register is left for a counter), then
 * REST times STEP; one asm statement (GCC found no registers for a second one at -Os). */
#define STAI_MK_CONV_LOOP(BODY, STEP, BYTES, REST)                                                 \
    do                                                                                             \
    {                                                                                              \
        const int8_t *const end = wp + (BYTES);                                                    \
        __asm__(STAI_MK_CONV_INIT "1:\n\t" BODY "ldr %[x0], %[end]\n\t"                                              \
                "cmp %[wp], %[x0]\n\t"                                                             \
                "bne 1b\n\t"                                                                       \
                ".rept %c[rest]\n\t" STEP ".endr"                                                  \
                : STAI_MK_CONV_ASM_OUT                                                             \
                : [end] "m"(end), [rest] "i"(REST)                                                 \
                : "cc", "memory");                                                                 \
    } while (0)

/* The window pairs of one output-channel pair and four pixels (STEP: one pair, BYTES of
 * weights), in 14 registers. From 16 pairs on, a loop of eight steps; the rest, or a
 * shorter window, unrolled in asm too (in C, GCC spilled the accumulators). Should the
 * compiler not see the window as a constant (it always does at -O2), a loop of one step. */
#define STAI_MK_CONV_MAC(STEP, BYTES)                                                              \
    if (!__builtin_constant_p(pairs))                                                              \
    {                                                                                              \
        STAI_MK_CONV_LOOP(STEP, "", (BYTES) * pairs, 0);                                           \
    }                                                                                              \
    else if (pairs >= 16)                                                                          \
    {                                                                                              \
        STAI_MK_CONV_LOOP(STEP STEP STEP STEP STEP STEP STEP STEP, STEP, (BYTES) * (pairs & ~7),   \
                          pairs & 7);                                                              \
    }                                                                                              \
    else                                                                                           \
    {                                                                                              \
        __asm__(STAI_MK_CONV_INIT ".rept %c[n]\n\t" STEP ".endr"                                                     \
                : STAI_MK_CONV_ASM_OUT                                                             \
                : [n] "i"(pairs)                                                                   \
                : "memory");                                                                       \
    }

/* stai_mk_requantize; on a DSP core with the shortest path (fast 2) and act_max 127, the
 * upper clamp is SSAT's (USAT #31, ADD, SSAT instead of USAT, CMP, IT, MOV, SUB). */
STAI_MK_INLINE int32_t stai_mk_conv_requantize(int32_t acc,
                                               const stai_mk_rq *q,
                                               int32_t output_offset,
                                               int32_t act_min,
                                               int32_t act_max,
                                               int32_t fast)
{
#if STAI_MK_DSP
    if (fast == 2 && act_max == 127 && act_min > -128)
    {
        const int32_t t = stai_mk_smmlar((int32_t)((uint32_t)acc << 1), q->mult, q->nudge);
        const int32_t u = (int32_t)((uint32_t)t + (uint32_t)(acc >> 31)) >> q->right;
        return __ssat(__usat(u, 31) + act_min, 8);
    }
#endif
    return stai_mk_requantize(acc, q, output_offset, act_min, act_max, fast);
}

/* Requantize and store one output channel of the pixels whose accumulators are given. */
#define STAI_MK_CONV_OUT(ACC, O, OFF)                                                              \
    out[(O) + (OFF)] = (int8_t)stai_mk_conv_requantize((ACC), &q, output_offset, act_min, act_max, fast_requant)

/*
 * General convolution, batch 1.
 *   input    [in_h][in_w][in_ch] int8
 *   weights  mk_conv_layouts.pack_conv_s8's layout: for each output-channel pair j
 *            (out_ch rounded up to even), for each pair k of the padded window vector
 *            (kernel_h rows of kernel_w * in_ch values, each row rounded up to even),
 *            one word {v[2j][2k], v[2j+1][2k], v[2j][2k+1], v[2j+1][2k+1]}
 *   bias     2 * ceil(out_ch / 2) int32: bias + input_offset * sum(w[o]) (zero padded)
 *   multipliers, shifts  out_ch int32 each
 *   output   [out_h][out_w][out_ch] int8
 *   scratch  mk_conv_layouts.scratch_bytes_conv(...) bytes, 4-byte aligned: up to four
 *            widened windows, then (at least four pixels, at most
 *            STAI_MK_CONV_WIDE_WORDS packed words) the widened weights
 *   pad_top, pad_left  rows / columns of padding before the input (pads[0], pads[2]);
 *            the padding after it follows from out_h / out_w
 */
STAI_MK_INLINE arm_cmsis_nn_status stai_mk_conv_s8(const int8_t *input,
                                                   const int8_t *weights,
                                                   const int32_t *bias,
                                                   const int32_t *multipliers,
                                                   const int32_t *shifts,
                                                   int8_t *output,
                                                   void *scratch,
                                                   const int32_t in_h,
                                                   const int32_t in_w,
                                                   const int32_t in_ch,
                                                   const int32_t out_h,
                                                   const int32_t out_w,
                                                   const int32_t out_ch,
                                                   const int32_t kernel_h,
                                                   const int32_t kernel_w,
                                                   const int32_t stride_h,
                                                   const int32_t stride_w,
                                                   const int32_t pad_top,
                                                   const int32_t pad_left,
                                                   const int32_t input_offset,
                                                   const int32_t output_offset,
                                                   const int32_t act_min,
                                                   const int32_t act_max,
                                                   const int32_t fast_requant)
{
    const int32_t row_words = (kernel_w * in_ch + 1) >> 1;
    const int32_t pairs = kernel_h * row_words;
    const int32_t oc_pairs = (out_ch + 1) >> 1;
    const int32_t pixels = out_h * out_w;
    const int32_t zp = -input_offset;
    const int32_t low = act_min - output_offset;
    int32_t *const col = (int32_t *)scratch;
    const int32_t blocks = pixels / 4;
    int32_t oy = 0, ox = 0; /* the next output pixel */
    /* Small weights (a few input channels) widened to int16 once, after the four windows:
     * each packed word as its two words (SXTB16, SXTB16 ROR 8). */
    const int32_t wide = blocks > 0 && oc_pairs * pairs <= STAI_MK_CONV_WIDE_WORDS;
    const int8_t *const wbase = wide ? (const int8_t *)(col + 4 * pairs) : weights;
    if (wide)
    {
        int32_t *ww = col + 4 * pairs;
        for (int32_t k = 0; k < oc_pairs * pairs; k++)
        {
            const int32_t w = stai_mk_load32(weights + 4 * k);
            ww[2 * k] = stai_mk_sxtb16(w);
            ww[2 * k + 1] = stai_mk_sxtb16_ror8(w);
        }
    }
    /* Four pixels at a time: col[4k + i] holds pair k of pixel i's window. */
    for (int32_t blk = 0; blk < blocks; blk++)
    {
        const int32_t p = 4 * blk;
        for (int32_t i = 0; i < 4; i++)
        {
            stai_mk_conv_window(input, col + i, 4, oy * stride_h - pad_top, ox * stride_w - pad_left, in_h, in_w,
                                in_ch, kernel_h, kernel_w, zp);
            if (++ox == out_w)
            {
                ox = 0;
                oy++;
            }
        }
        const int8_t *wp = wbase;
        int8_t *out = output + p * out_ch;
        for (int32_t j = 0; j < oc_pairs; j++)
        {
            const int32_t *x = col;
#if STAI_MK_ASM
            /* The accumulators start from the bias inside the asm: x0 holds its address. */
            int32_t a00, a01, a10, a11, a20, a21, a30, a31, w, we, x1;
            int32_t x0 = (int32_t)(uintptr_t)(bias + 2 * j);
            if (wide)
            {
                STAI_MK_CONV_MAC(STAI_MK_CONV_STEP4X2W, 8);
            }
            else
            {
                STAI_MK_CONV_MAC(STAI_MK_CONV_STEP4X2, 4);
            }
#else
            int32_t a00 = bias[2 * j], a01 = bias[2 * j + 1];
            int32_t a10 = a00, a11 = a01, a20 = a00, a21 = a01, a30 = a00, a31 = a01;
#pragma GCC unroll 4
            for (int32_t k = 0; k < pairs; k++)
            {
                int32_t we, wo;
                if (wide)
                {
                    we = stai_mk_load32(wp);
                    wo = stai_mk_load32(wp + 4);
                    wp += 8;
                }
                else
                {
                    const int32_t w = stai_mk_load32(wp);
                    wp += 4;
                    we = stai_mk_sxtb16(w);
                    wo = stai_mk_sxtb16_ror8(w);
                }
                const int32_t x0 = x[0], x1 = x[1], x2 = x[2], x3 = x[3];
                x += 4;
                a00 = stai_mk_smlad(x0, we, a00);
                a01 = stai_mk_smlad(x0, wo, a01);
                a10 = stai_mk_smlad(x1, we, a10);
                a11 = stai_mk_smlad(x1, wo, a11);
                a20 = stai_mk_smlad(x2, we, a20);
                a21 = stai_mk_smlad(x2, wo, a21);
                a30 = stai_mk_smlad(x3, we, a30);
                a31 = stai_mk_smlad(x3, wo, a31);
            }
#endif
            const int32_t o0 = 2 * j;
            {
                const stai_mk_rq q = stai_mk_rq_get(multipliers[o0], shifts[o0], low, fast_requant);
                STAI_MK_CONV_OUT(a00, o0, 0);
                STAI_MK_CONV_OUT(a10, o0, out_ch);
                STAI_MK_CONV_OUT(a20, o0, 2 * out_ch);
                STAI_MK_CONV_OUT(a30, o0, 3 * out_ch);
            }
            if (o0 + 1 < out_ch)
            {
                const stai_mk_rq q = stai_mk_rq_get(multipliers[o0 + 1], shifts[o0 + 1], low, fast_requant);
                STAI_MK_CONV_OUT(a01, o0 + 1, 0);
                STAI_MK_CONV_OUT(a11, o0 + 1, out_ch);
                STAI_MK_CONV_OUT(a21, o0 + 1, 2 * out_ch);
                STAI_MK_CONV_OUT(a31, o0 + 1, 3 * out_ch);
            }
        }
    }
    /* The remaining pixels one at a time: col[k] holds pair k of the window. */
    for (int32_t r = 0; r < pixels - 4 * blocks; r++)
    {
        const int32_t p = 4 * blocks + r;
        stai_mk_conv_window(input, col, 1, oy * stride_h - pad_top, ox * stride_w - pad_left, in_h, in_w, in_ch,
                            kernel_h, kernel_w, zp);
        if (++ox == out_w)
        {
            ox = 0;
            oy++;
        }
        const int8_t *wp = weights;
        int8_t *out = output + p * out_ch;
        for (int32_t j = 0; j < oc_pairs; j++)
        {
            int32_t a0 = bias[2 * j], a1 = bias[2 * j + 1];
#pragma GCC unroll 4
            for (int32_t k = 0; k < pairs; k++)
            {
                const int32_t w = stai_mk_load32(wp);
                wp += 4;
                const int32_t x0 = col[k];
                a0 = stai_mk_smlad(x0, stai_mk_sxtb16(w), a0);
                a1 = stai_mk_smlad(x0, stai_mk_sxtb16_ror8(w), a1);
            }
            const int32_t o0 = 2 * j;
            {
                const stai_mk_rq q = stai_mk_rq_get(multipliers[o0], shifts[o0], low, fast_requant);
                STAI_MK_CONV_OUT(a0, o0, 0);
            }
            if (o0 + 1 < out_ch)
            {
                const stai_mk_rq q = stai_mk_rq_get(multipliers[o0 + 1], shifts[o0 + 1], low, fast_requant);
                STAI_MK_CONV_OUT(a1, o0 + 1, 0);
            }
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}

#undef STAI_MK_CONV_OUT

#endif /* STAI_MK_CONV_S8_H */
