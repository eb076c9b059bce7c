/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_mk_conv1x1_mve_s8 stai_mk_dwconv3x3_mve_s8 stai_mk_conv_mve_s8 stai_mk_add_mve_s8 */
/*
 * stai's int8 micro-kernels for Helium (M-profile Vector Extension) cores: header-only,
 * called by the generated code with literal channel counts, sizes, offsets and clamp
 * bounds, so that each call is compiled specialised for its layer (as the kernels of
 * stai_mk_s8.h, whose conventions these share: CMSIS-NN's input and output offsets, Q31
 * multipliers and power-of-two shifts, NHWC tensors, ARM_CMSIS_NN_SUCCESS).
 *
 * The weights are laid out at compile time by stai.runtime.mk_mve_layouts in the order
 * the vector loops read them (16 input channels per vector) and the input offset is folded
 * into an effective bias there, so an inner loop is loads and VMLADAVA.S8 only.
 *
 * With MVE (__ARM_FEATURE_MVE, given by -mcpu=cortex-m55 and other Helium cores) the
 * loops use arm_mve.h intrinsics; otherwise (the host) portable C computes the same
 * integers. Requantization on Helium: VQRDMULH is the saturating rounding doubling high
 * multiply of TFLite (and CMSIS-NN's arm_nn_requantize) bit for bit; the division by
 * 2^right rounds half away from zero as TFLite's RoundingDivideByPOT: VRSHL rounds half
 * up, so a negative value is first lowered by one (x + (x >> 31)), which turns "half up"
 * into "half away from zero" and changes nothing else for right >= 1.
 *
 * fast_requant (a literal, mk_mve_layouts.fast_requant_mve): 2 when every shift of the
 * layer is a right shift of at least 1 (no left shift): the requantization takes no
 * per-channel branch; 0 otherwise.
 */
#ifndef STAI_MK_MVE_S8_H
#define STAI_MK_MVE_S8_H

#include <stdint.h>

#include "arm_nn_types.h"

#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 1)
#include <arm_mve.h>
#define STAI_MK_MVE 1
#else
#define STAI_MK_MVE 0
#endif

#if STAI_MK_MVE && defined(__OPTIMIZE__) && defined(__GNUC__) && !defined(__clang__)
/* A frame pointer (a user's -fno-omit-frame-pointer) takes r7, which the assembly needs:
 * the functions after this header (the network's, where the kernels are inlined) are
 * compiled without one. At the default flags the code is the same. */
#pragma GCC optimize("omit-frame-pointer")
#endif

#define STAI_MK_MVE_INLINE static inline __attribute__((always_inline))

/* arm_nn_requantize(acc, mult, shift) + out_offset, clamped to [act_min, act_max]: the
 * integers of the Helium path, in C (additions wrap as the vector lanes do). */
STAI_MK_MVE_INLINE int32_t stai_mk_mve_requantize_c(int32_t acc,
                                                    int32_t mult,
                                                    int32_t shift,
                                                    int32_t out_offset,
                                                    int32_t act_min,
                                                    int32_t act_max)
{
    const int32_t left = shift > 0 ? shift : 0;
    const int32_t right = shift > 0 ? 0 : -shift;
    const int32_t v = (int32_t)((uint32_t)acc << left);
    const int32_t x = (int32_t)(((int64_t)v * (int64_t)mult + ((int64_t)1 << 30)) >> 31);
    const int32_t mask = (int32_t)(((int64_t)1 << right) - 1);
    const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    const int32_t q = (x >> right) + ((x & mask) > threshold ? 1 : 0);
    const int32_t y = (int32_t)((uint32_t)q + (uint32_t)out_offset);
    return y < act_min ? act_min : (y > act_max ? act_max : y);
}

/* ---- 1x1 convolution and fully connected ------------------------------------------- */

/*
 * 1x1 convolution, stride 1, no padding; also a fully connected layer (pixels = batch).
 *   input    [pixels][in_ch] int8
 *   weights  mk_mve_layouts.pack_pointwise_mve_s8's layout: with C = ceil(in_ch / 16)
 *            chunks of 16 input channels (the last one zero padded) and out_ch rounded up
 *            to a multiple of 4 (zero weights), for each output-channel pair j, for each
 *            chunk k: 16 bytes w[2j][16k..16k+15] then 16 bytes w[2j+1][16k..16k+15]
 *   bias     out_ch rounded up to a multiple of 4 int32: bias + input_offset * sum(w[o])
 *   multipliers, shifts  out_ch int32 each
 *   output   [pixels][out_ch] int8 (must not overlap the input)
 *   scratch  none
 *
 * Blocks of four pixels times one output pair (eight accumulators; per chunk four input
 * vectors, two weight vectors, eight VMLADAVA: 14 instructions per 128 MACs), the
 * accumulators of a channel gathered into one vector of the four pixels and requantized
 * with that channel's multiplier and shift as scalars, stored by a byte scatter. The
 * last pixels (all of a fully connected layer of batch 1) one at a time times four
 * output channels (one input vector, four weight vectors, four VMLADAVA per chunk),
 * requantized as one vector of the four channels.
 */

#if STAI_MK_MVE

/* The four pixels' values of one channel: requantized, offset, clamped, stored (the
 * scatter offsets: 0, out_ch, 2 out_ch, 3 out_ch). */
STAI_MK_MVE_INLINE void stai_mk_mve_store4(int32x4_t acc,
                                           int32_t bias,
                                           int32_t mult,
                                           int32_t shift,
                                           int8_t *out,
                                           uint32x4_t offsets,
                                           const int32_t output_offset,
                                           const int32_t act_min,
                                           const int32_t act_max,
                                           const int32_t fast_requant)
{
    int32x4_t x = vaddq_n_s32(acc, bias);
    if (fast_requant == 2)
    {
        x = vqrdmulhq_n_s32(x, mult);
        x = vaddq_s32(x, vshrq_n_s32(x, 31));
        x = vrshlq_n_s32(x, shift);
    }
    else
    {
        x = vqrdmulhq_n_s32(vshlq_r_s32(x, shift > 0 ? shift : 0), mult);
        if (shift < 0)
        {
            x = vaddq_s32(x, vshrq_n_s32(x, 31));
            x = vrshlq_n_s32(x, shift);
        }
    }
    x = vaddq_n_s32(x, output_offset);
    x = vmaxq_s32(x, vdupq_n_s32(act_min));
    x = vminq_s32(x, vdupq_n_s32(act_max));
    vstrbq_scatter_offset_s32(out, offsets, x);
}

/* The four pixels' accumulators of output pair j (a<pixel><channel of the pair>) after
 * the reduction: requantized and stored (the second channel only when it exists). */
#define STAI_MK_MVE_STORE4X2                                                                       \
    do                                                                                             \
    {                                                                                              \
        const int32_t o = 2 * j;                                                                   \
        stai_mk_mve_store4(stai_mk_mve_lanes(a00, a10, a20, a30), bias[o], multipliers[o], shifts[o], \
                           out + o, offsets, output_offset, act_min, act_max, fast_requant);       \
        if (o + 1 < out_ch)                                                                        \
        {                                                                                          \
            stai_mk_mve_store4(stai_mk_mve_lanes(a01, a11, a21, a31), bias[o + 1], multipliers[o + 1], \
                               shifts[o + 1], out + o + 1, offsets, output_offset, act_min, act_max, \
                               fast_requant);                                                      \
        }                                                                                          \
    } while (0)

/* The vector (a, b, c, d): two VMOVs of two general registers each when optimising. */
STAI_MK_MVE_INLINE int32x4_t stai_mk_mve_lanes(int32_t a, int32_t b, int32_t c, int32_t d)
{
#if defined(__OPTIMIZE__) && defined(__thumb2__)
    int32x4_t v;
    __asm__("vmov %q0[2], %q0[0], %1, %3\n\t"
            "vmov %q0[3], %q0[1], %2, %4"
            : "=&w"(v)
            : "r"(a), "r"(b), "r"(c), "r"(d));
    return v;
#else
    int32x4_t v = vdupq_n_s32(a);
    v = vsetq_lane_s32(b, v, 1);
    v = vsetq_lane_s32(c, v, 2);
    return vsetq_lane_s32(d, v, 3);
#endif
}

#if defined(__OPTIMIZE__) && defined(__thumb2__)
/* The reduction in assembly when optimising: VMLADAVA accumulates into an even register,
 * and GCC's allocation of the intrinsics moves the eight accumulators between registers
 * and the stack on every step. Here they stay in r0, r2, ..., r12 and lr, the four input
 * pointers in odd registers; the chunk's two weight vectors are loaded by the compiler
 * (VLDRB with an immediate offset) into registers the statement does not clobber: per
 * chunk of 16 input channels two weight loads, four input loads and eight VMLADAVA, 14
 * instructions per 128 MACs (read in the generated assembly). ACC: "" for the first chunk
 * (VMLADAV starts the sums), "a" for the others; LOAD: the four input loads. */
#define STAI_MK_MVE_LOADX4                                                                         \
    "vldrb.8 q2, [%[x0]], #16\n\t"                                                                 \
    "vldrb.8 q3, [%[x1]], #16\n\t"                                                                 \
    "vldrb.8 q4, [%[x2]], #16\n\t"                                                                 \
    "vldrb.8 q5, [%[x3]], #16\n\t"
#define STAI_MK_MVE_LOADX4_TAIL                                                                    \
    "vpstttt\n\t"                                                                                  \
    "vldrbt.8 q2, [%[x0]]\n\t"                                                                     \
    "vldrbt.8 q3, [%[x1]]\n\t"                                                                     \
    "vldrbt.8 q4, [%[x2]]\n\t"                                                                     \
    "vldrbt.8 q5, [%[x3]]\n\t"
/* VPR.P0 for the tail's predicated loads (a statement of its own: the chunk's needs every
 * general register; nothing between the two touches VPR). */
#define STAI_MK_MVE_TAIL_PREDICATE __asm__ volatile("vctp.8 %0" : : "r"(rest) : "memory")
#define STAI_MK_MVE_CHUNK4X2(ACC, LOAD)                                                            \
    LOAD "vmladav" ACC ".s8 %[a00], q2, %q[w0]\n\t"                                                 \
    "vmladav" ACC ".s8 %[a01], q2, %q[w1]\n\t"                                                     \
    "vmladav" ACC ".s8 %[a10], q3, %q[w0]\n\t"                                                     \
    "vmladav" ACC ".s8 %[a11], q3, %q[w1]\n\t"                                                     \
    "vmladav" ACC ".s8 %[a20], q4, %q[w0]\n\t"                                                     \
    "vmladav" ACC ".s8 %[a21], q4, %q[w1]\n\t"                                                     \
    "vmladav" ACC ".s8 %[a30], q5, %q[w0]\n\t"                                                     \
    "vmladav" ACC ".s8 %[a31], q5, %q[w1]\n\t"
#define STAI_MK_MVE_4X2_PTRS [x0] "+r"(x0), [x1] "+r"(x1), [x2] "+r"(x2), [x3] "+r"(x3)
/* The chunk's two weight vectors (loaded by the compiler into registers the asm does not
 * clobber). */
#define STAI_MK_MVE_4X2_WEIGHTS [w0] "w"(vldrbq_s8(wp)), [w1] "w"(vldrbq_s8(wp + 16))
#define STAI_MK_MVE_4X2_SET                                                                        \
    [a00] "=r"(a00), [a01] "=r"(a01), [a10] "=r"(a10), [a11] "=r"(a11), [a20] "=r"(a20),           \
        [a21] "=r"(a21), [a30] "=r"(a30), [a31] "=r"(a31), STAI_MK_MVE_4X2_PTRS
#define STAI_MK_MVE_4X2_ADD                                                                        \
    [a00] "+r"(a00), [a01] "+r"(a01), [a10] "+r"(a10), [a11] "+r"(a11), [a20] "+r"(a20),           \
        [a21] "+r"(a21), [a30] "+r"(a30), [a31] "+r"(a31), STAI_MK_MVE_4X2_PTRS
#define STAI_MK_MVE_Q_CLOBBERS "d4", "d5", "d6", "d7", "d8", "d9", "d10", "d11", "memory"
#define STAI_MK_MVE_BLOCK_ASM 1
#else
#define STAI_MK_MVE_BLOCK_ASM 0
#endif

/* Four pixels (rows at x, in_ch apart) times output pair j (weights at wp): the outputs
 * of both channels (the second only when it exists). */
STAI_MK_MVE_INLINE void stai_mk_mve_block4x2(const int8_t *x,
                                             const int8_t *wp,
                                             const int32_t j,
                                             const int32_t *bias,
                                             const int32_t *multipliers,
                                             const int32_t *shifts,
                                             int8_t *out,
                                             uint32x4_t offsets,
                                             const int32_t in_ch,
                                             const int32_t out_ch,
                                             const int32_t output_offset,
                                             const int32_t act_min,
                                             const int32_t act_max,
                                             const int32_t fast_requant)
{
    const int32_t whole = in_ch >> 4;
    const int32_t rest = in_ch & 15;
    const int8_t *x0 = x;
    const int8_t *x1 = x + in_ch;
    const int8_t *x2 = x + 2 * in_ch;
    const int8_t *x3 = x + 3 * in_ch;
#if STAI_MK_MVE_BLOCK_ASM
    if (whole > 0)
    {
        register int32_t a00 __asm__("r0");
        register int32_t a01 __asm__("r2");
        register int32_t a10 __asm__("r4");
        register int32_t a11 __asm__("r6");
        register int32_t a20 __asm__("r8");
        register int32_t a21 __asm__("r10");
        register int32_t a30 __asm__("r12");
        register int32_t a31 __asm__("lr");
        __asm__ volatile(STAI_MK_MVE_CHUNK4X2("", STAI_MK_MVE_LOADX4)
                         : STAI_MK_MVE_4X2_SET
                         : STAI_MK_MVE_4X2_WEIGHTS
                         : STAI_MK_MVE_Q_CLOBBERS);
        wp += 32;
#pragma GCC unroll 8
        for (int32_t k = 1; k < whole; k++)
        {
            __asm__ volatile(STAI_MK_MVE_CHUNK4X2("a", STAI_MK_MVE_LOADX4)
                             : STAI_MK_MVE_4X2_ADD
                             : STAI_MK_MVE_4X2_WEIGHTS
                             : STAI_MK_MVE_Q_CLOBBERS);
            wp += 32;
        }
        if (rest)
        {
            STAI_MK_MVE_TAIL_PREDICATE;
            __asm__ volatile(STAI_MK_MVE_CHUNK4X2("a", STAI_MK_MVE_LOADX4_TAIL)
                             : STAI_MK_MVE_4X2_ADD
                             : STAI_MK_MVE_4X2_WEIGHTS
                             : STAI_MK_MVE_Q_CLOBBERS);
        }
        STAI_MK_MVE_STORE4X2;
        return;
    }
#endif
    /* Fewer than 16 input channels (or an unoptimised build): intrinsics. */
    int32_t a00 = 0, a01 = 0, a10 = 0, a11 = 0, a20 = 0, a21 = 0, a30 = 0, a31 = 0;
    for (int32_t k = 0; k < whole; k++)
    {
        const int8x16_t w0 = vldrbq_s8(wp);
        const int8x16_t w1 = vldrbq_s8(wp + 16);
        wp += 32;
        int8x16_t v = vldrbq_s8(x0);
        x0 += 16;
        a00 = vmladavaq_s8(a00, v, w0);
        a01 = vmladavaq_s8(a01, v, w1);
        v = vldrbq_s8(x1);
        x1 += 16;
        a10 = vmladavaq_s8(a10, v, w0);
        a11 = vmladavaq_s8(a11, v, w1);
        v = vldrbq_s8(x2);
        x2 += 16;
        a20 = vmladavaq_s8(a20, v, w0);
        a21 = vmladavaq_s8(a21, v, w1);
        v = vldrbq_s8(x3);
        x3 += 16;
        a30 = vmladavaq_s8(a30, v, w0);
        a31 = vmladavaq_s8(a31, v, w1);
    }
    if (rest)
    {
        /* The last input channels: predicated loads (the padded weights are zero). */
        const mve_pred16_t p = vctp8q((uint32_t)rest);
        const int8x16_t w0 = vldrbq_s8(wp);
        const int8x16_t w1 = vldrbq_s8(wp + 16);
        int8x16_t v = vldrbq_z_s8(x0, p);
        a00 = vmladavaq_s8(a00, v, w0);
        a01 = vmladavaq_s8(a01, v, w1);
        v = vldrbq_z_s8(x1, p);
        a10 = vmladavaq_s8(a10, v, w0);
        a11 = vmladavaq_s8(a11, v, w1);
        v = vldrbq_z_s8(x2, p);
        a20 = vmladavaq_s8(a20, v, w0);
        a21 = vmladavaq_s8(a21, v, w1);
        v = vldrbq_z_s8(x3, p);
        a30 = vmladavaq_s8(a30, v, w0);
        a31 = vmladavaq_s8(a31, v, w1);
    }
    STAI_MK_MVE_STORE4X2;
}

/* One pixel (x) times output channels o..o+3 (pairs at wp and wp + pair_bytes): their
 * outputs, those below out_ch. */
STAI_MK_MVE_INLINE void stai_mk_mve_row1x4(const int8_t *x,
                                           const int8_t *wp,
                                           const int32_t pair_bytes,
                                           const int32_t o,
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
    const int32_t whole = in_ch >> 4;
    const int32_t rest = in_ch & 15;
    const int8_t *wq = wp + pair_bytes;
#if STAI_MK_MVE_BLOCK_ASM
    /* As the four-pixel block: the sums in even registers (r0, r2, r4, r6), per chunk one
     * input load, four weight loads and four VMLADAVA (9 instructions per 64 MACs). */
    register int32_t a0 __asm__("r0") = 0;
    register int32_t a1 __asm__("r2") = 0;
    register int32_t a2 __asm__("r4") = 0;
    register int32_t a3 __asm__("r6") = 0;
#pragma GCC unroll 4
    for (int32_t k = 0; k < whole; k++)
    {
        __asm__ volatile("vldrb.8 q0, [%[x]], #16\n\t"
                         "vldrb.8 q1, [%[wp]], #16\n\t"
                         "vmladava.s8 %[a0], q0, q1\n\t"
                         "vldrb.8 q1, [%[wp]], #16\n\t"
                         "vmladava.s8 %[a1], q0, q1\n\t"
                         "vldrb.8 q1, [%[wq]], #16\n\t"
                         "vmladava.s8 %[a2], q0, q1\n\t"
                         "vldrb.8 q1, [%[wq]], #16\n\t"
                         "vmladava.s8 %[a3], q0, q1"
                         : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [x] "+r"(x), [wp] "+r"(wp),
                           [wq] "+r"(wq)
                         :
                         : "d0", "d1", "d2", "d3", "memory");
    }
#else
    int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
#pragma GCC unroll 4
    for (int32_t k = 0; k < whole; k++)
    {
        const int8x16_t v = vldrbq_s8(x);
        x += 16;
        a0 = vmladavaq_s8(a0, v, vldrbq_s8(wp));
        a1 = vmladavaq_s8(a1, v, vldrbq_s8(wp + 16));
        a2 = vmladavaq_s8(a2, v, vldrbq_s8(wq));
        a3 = vmladavaq_s8(a3, v, vldrbq_s8(wq + 16));
        wp += 32;
        wq += 32;
    }
#endif
    if (rest)
    {
        const int8x16_t v = vldrbq_z_s8(x, vctp8q((uint32_t)rest));
        a0 = vmladavaq_s8(a0, v, vldrbq_s8(wp));
        a1 = vmladavaq_s8(a1, v, vldrbq_s8(wp + 16));
        a2 = vmladavaq_s8(a2, v, vldrbq_s8(wq));
        a3 = vmladavaq_s8(a3, v, vldrbq_s8(wq + 16));
    }
    const int32x4_t acc = stai_mk_mve_lanes(a0, a1, a2, a3);
    const mve_pred16_t live = vctp32q((uint32_t)(out_ch - o));
    int32x4_t v = vaddq_s32(acc, vldrwq_s32(bias + o));
    const int32x4_t mult = vldrwq_z_s32(multipliers + o, live);
    const int32x4_t shift = vldrwq_z_s32(shifts + o, live);
    if (fast_requant == 2)
    {
        v = vqrdmulhq_s32(v, mult);
        v = vaddq_s32(v, vshrq_n_s32(v, 31));
        v = vrshlq_s32(v, shift);
    }
    else
    {
        const int32x4_t zero = vdupq_n_s32(0);
        const int32x4_t neg = vminq_s32(shift, zero);
        v = vqrdmulhq_s32(vshlq_s32(v, vmaxq_s32(shift, zero)), mult);
        v = vaddq_s32(v, vandq_s32(vshrq_n_s32(v, 31), vshrq_n_s32(neg, 31)));
        v = vrshlq_s32(v, neg);
    }
    v = vaddq_n_s32(v, output_offset);
    v = vmaxq_s32(v, vdupq_n_s32(act_min));
    v = vminq_s32(v, vdupq_n_s32(act_max));
    vstrbq_p_s32(out + o, v, live);
}

#endif /* STAI_MK_MVE */

STAI_MK_MVE_INLINE arm_cmsis_nn_status stai_mk_conv1x1_mve_s8(const int8_t *input,
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
    const int32_t chunks = (in_ch + 15) >> 4;
    const int32_t pair_bytes = 32 * chunks;
    (void)scratch;
#if STAI_MK_MVE
    const int32_t pairs = (out_ch + 1) >> 1;
    const int32_t blocks = pixels >> 2;
    const uint32x4_t offsets = vmulq_n_u32(vidupq_n_u32(0u, 1), (uint32_t)out_ch);
    for (int32_t blk = 0; blk < blocks; blk++)
    {
        const int8_t *x = input + 4 * blk * in_ch;
        int8_t *out = output + 4 * blk * out_ch;
        const int8_t *wp = weights;
#pragma GCC unroll 1
        for (int32_t j = 0; j < pairs; j++)
        {
            stai_mk_mve_block4x2(x, wp, j, bias, multipliers, shifts, out, offsets, in_ch, out_ch, output_offset,
                                 act_min, act_max, fast_requant);
            wp += pair_bytes;
        }
    }
    for (int32_t p = 4 * blocks; p < pixels; p++)
    {
        const int8_t *x = input + p * in_ch;
        int8_t *out = output + p * out_ch;
#pragma GCC unroll 1
        for (int32_t o = 0; o < out_ch; o += 4)
        {
            stai_mk_mve_row1x4(x, weights + (o >> 1) * pair_bytes, pair_bytes, o, bias, multipliers, shifts, out,
                               in_ch, out_ch, output_offset, act_min, act_max, fast_requant);
        }
    }
#else
    (void)fast_requant;
    for (int32_t p = 0; p < pixels; p++)
    {
        const int8_t *x = input + p * in_ch;
        for (int32_t o = 0; o < out_ch; o++)
        {
            const int8_t *w = weights + (o >> 1) * pair_bytes + 16 * (o & 1);
            uint32_t acc = (uint32_t)bias[o];
            for (int32_t c = 0; c < in_ch; c++)
            {
                acc += (uint32_t)((int32_t)x[c] * (int32_t)w[32 * (c >> 4) + (c & 15)]);
            }
            output[p * out_ch + o] = (int8_t)stai_mk_mve_requantize_c(
                (int32_t)acc, multipliers[o], shifts[o], output_offset, act_min, act_max);
        }
    }
#endif
    return ARM_CMSIS_NN_SUCCESS;
}

/* ---- depthwise 3x3 convolution ----------------------------------------------------- */

/*
 * Depthwise 3x3 convolution, channel multiplier 1, a multiple of 4 channels, stride 1 or
 * 2, no dilation, batch 1; pad_top / pad_left rows / columns of padding before the input
 * (0 or 1).
 *   input    [in_h][in_w][ch] int8
 *   weights  mk_mve_layouts.pack_dwconv3x3_mve_s8's layout: for each group of four
 *            channels 4g..4g+3, for each tap t = 3 ky + kx, the four channels' weights
 *            w[ky][kx][4g..4g+3] (36 bytes per group)
 *   bias     ch int32: bias + input_offset * sum of the channel's 9 weights
 *   multipliers, shifts  ch int32 each
 *   output   [out_h][out_w][ch] int8 (must not overlap the input)
 *   scratch  mk_mve_layouts.scratch_bytes_dwconv3x3_mve(out_w, ch, stride) bytes, 4-byte
 *            aligned: the three input rows of an output row, each cols = (out_w - 1) *
 *            stride + 3 pixels wide, group by group: row r, group g, column j at
 *            (r * ch / 4 + g) * 4 * cols + 4 * j (the padding is the input zero point, so
 *            that the folded bias stays exact at the borders)
 *
 * For each output row the three input rows are copied into the scratch rows, each pixel's
 * channels one vector of four groups at a time (VLDRW, VSTRW scatter); then for each group
 * of four channels (the lanes) and each output pixel nine taps of a widening load of the
 * input (VLDRB.S32, the three of a row at offsets 0, 4, 8 of one pointer), a widening load
 * of the weights, VMUL and VADD (36 instructions per 36 MACs); the four channels are
 * requantized as one vector with their multipliers and shifts and stored by one narrowing
 * store.
 */

/* Scratch row r (cols pixels, groups of four channels 4 * cols bytes apart): input row iy
 * from column -pad_left on, or the zero point outside the input. */
STAI_MK_MVE_INLINE void stai_mk_mve_fill_row(int8_t *dst,
                                             const int8_t *input,
                                             const int32_t iy,
                                             const int32_t in_h,
                                             const int32_t in_w,
                                             const int32_t ch,
                                             const int32_t cols,
                                             const int32_t pad_left,
                                             const int8_t zp)
{
    const int32_t row_in = iy >= 0 && iy < in_h;
    const int32_t words = ch >> 2;
#if STAI_MK_MVE
    const int32x4_t z = vreinterpretq_s32_s8(vdupq_n_s8(zp));
    const uint32x4_t offsets = vmulq_n_u32(vidupq_n_u32(0u, 1), (uint32_t)(4 * cols));
#endif
    for (int32_t j = 0; j < cols; j++)
    {
        const int32_t ix = j - pad_left;
        const int32_t inside = row_in && ix >= 0 && ix < in_w;
        const int8_t *src = input + (inside ? (iy * in_w + ix) * ch : 0);
        int8_t *col = dst + 4 * j;
#if STAI_MK_MVE
        const int32_t whole = words & ~3;
        int32_t *to = (int32_t *)(void *)col;
        if (inside)
        {
            const int32_t *from = (const int32_t *)(const void *)src;
            for (int32_t k = 0; k < whole; k += 4)
            {
                vstrwq_scatter_offset_s32(to + k * cols, offsets, vldrwq_s32(from + k));
            }
            if (words & 3)
            {
                const mve_pred16_t p = vctp32q((uint32_t)(words & 3));
                vstrwq_scatter_offset_p_s32(to + whole * cols, offsets, vldrwq_z_s32(from + whole, p), p);
            }
        }
        else
        {
            for (int32_t k = 0; k < whole; k += 4)
            {
                vstrwq_scatter_offset_s32(to + k * cols, offsets, z);
            }
            if (words & 3)
            {
                vstrwq_scatter_offset_p_s32(to + whole * cols, offsets, z, vctp32q((uint32_t)(words & 3)));
            }
        }
#else
        for (int32_t k = 0; k < words; k++)
        {
            for (int32_t b = 0; b < 4; b++)
            {
                col[4 * k * cols + b] = inside ? src[4 * k + b] : zp;
            }
        }
#endif
    }
}

#if STAI_MK_MVE
/* Four channels' sums (lanes) requantized with their multipliers and shifts, offset and
 * clamped. */
STAI_MK_MVE_INLINE int32x4_t stai_mk_mve_requant4(int32x4_t v,
                                                  const int32x4_t mult,
                                                  const int32x4_t shift,
                                                  const int32_t output_offset,
                                                  const int32_t act_min,
                                                  const int32_t act_max,
                                                  const int32_t fast_requant)
{
    if (fast_requant == 2)
    {
        v = vqrdmulhq_s32(v, mult);
        v = vaddq_s32(v, vshrq_n_s32(v, 31));
        v = vrshlq_s32(v, shift);
    }
    else
    {
        const int32x4_t zero = vdupq_n_s32(0);
        const int32x4_t neg = vminq_s32(shift, zero);
        v = vqrdmulhq_s32(vshlq_s32(v, vmaxq_s32(shift, zero)), mult);
        v = vaddq_s32(v, vandq_s32(vshrq_n_s32(v, 31), vshrq_n_s32(neg, 31)));
        v = vrshlq_s32(v, neg);
    }
    v = vaddq_n_s32(v, output_offset);
    v = vmaxq_s32(v, vdupq_n_s32(act_min));
    return vminq_s32(v, vdupq_n_s32(act_max));
}

#if defined(__OPTIMIZE__) && defined(__thumb2__)
/* The nine taps of one pixel: for each scratch row (pointer t0, t1, t2) kx = 1 and 2 at
 * offsets 4 and 8, then kx = 0 with the pointer advanced by S (the stride in bytes),
 * each times its weight vector (tap 3 ky + kx at 4 (3 ky + kx) bytes of wp). */
#define STAI_MK_MVE_DW_TAPS(S)                                                                     \
    "vldrb.s32 %q[x], [%[t0], #4]\n\t"                                                             \
    "vldrb.s32 %q[w], [%[wp], #4]\n\t"                                                             \
    "vmul.i32 %q[x], %q[x], %q[w]\n\t"                                                             \
    "vadd.i32 %q[acc], %q[acc], %q[x]\n\t"                                                         \
    "vldrb.s32 %q[x], [%[t0], #8]\n\t"                                                             \
    "vldrb.s32 %q[w], [%[wp], #8]\n\t"                                                             \
    "vmul.i32 %q[x], %q[x], %q[w]\n\t"                                                             \
    "vadd.i32 %q[acc], %q[acc], %q[x]\n\t"                                                         \
    "vldrb.s32 %q[x], [%[t0]], #" #S "\n\t"                                                        \
    "vldrb.s32 %q[w], [%[wp]]\n\t"                                                                 \
    "vmul.i32 %q[x], %q[x], %q[w]\n\t"                                                             \
    "vadd.i32 %q[acc], %q[acc], %q[x]\n\t"                                                         \
    "vldrb.s32 %q[x], [%[t1], #4]\n\t"                                                             \
    "vldrb.s32 %q[w], [%[wp], #16]\n\t"                                                            \
    "vmul.i32 %q[x], %q[x], %q[w]\n\t"                                                             \
    "vadd.i32 %q[acc], %q[acc], %q[x]\n\t"                                                         \
    "vldrb.s32 %q[x], [%[t1], #8]\n\t"                                                             \
    "vldrb.s32 %q[w], [%[wp], #20]\n\t"                                                            \
    "vmul.i32 %q[x], %q[x], %q[w]\n\t"                                                             \
    "vadd.i32 %q[acc], %q[acc], %q[x]\n\t"                                                         \
    "vldrb.s32 %q[x], [%[t1]], #" #S "\n\t"                                                        \
    "vldrb.s32 %q[w], [%[wp], #12]\n\t"                                                            \
    "vmul.i32 %q[x], %q[x], %q[w]\n\t"                                                             \
    "vadd.i32 %q[acc], %q[acc], %q[x]\n\t"                                                         \
    "vldrb.s32 %q[x], [%[t2], #4]\n\t"                                                             \
    "vldrb.s32 %q[w], [%[wp], #28]\n\t"                                                            \
    "vmul.i32 %q[x], %q[x], %q[w]\n\t"                                                             \
    "vadd.i32 %q[acc], %q[acc], %q[x]\n\t"                                                         \
    "vldrb.s32 %q[x], [%[t2], #8]\n\t"                                                             \
    "vldrb.s32 %q[w], [%[wp], #32]\n\t"                                                            \
    "vmul.i32 %q[x], %q[x], %q[w]\n\t"                                                             \
    "vadd.i32 %q[acc], %q[acc], %q[x]\n\t"                                                         \
    "vldrb.s32 %q[x], [%[t2]], #" #S "\n\t"                                                        \
    "vldrb.s32 %q[w], [%[wp], #24]\n\t"                                                            \
    "vmul.i32 %q[x], %q[x], %q[w]\n\t"                                                             \
    "vadd.i32 %q[acc], %q[acc], %q[x]\n\t"
#define STAI_MK_MVE_DW_ASM 1
#else
#define STAI_MK_MVE_DW_ASM 0
#endif

/* Channels c..c+3 (group g) of one output row (rows: the scratch rows, row_bytes apart;
 * out: the row's first output pixel). */
STAI_MK_MVE_INLINE void stai_mk_mve_dw_group(const int8_t *rows,
                                             const int8_t *wg,
                                             const int32_t *bias,
                                             const int32_t *multipliers,
                                             const int32_t *shifts,
                                             int8_t *out,
                                             const int32_t g,
                                             const int32_t cols,
                                             const int32_t row_bytes,
                                             const int32_t ch,
                                             const int32_t out_w,
                                             const int32_t stride,
                                             const int32_t output_offset,
                                             const int32_t act_min,
                                             const int32_t act_max,
                                             const int32_t fast_requant)
{
    const int32_t c = 4 * g;
    const int32x4_t b = vldrwq_s32(bias + c);
    const int32x4_t mult = vldrwq_s32(multipliers + c);
    const int32x4_t shift = vldrwq_s32(shifts + c);
    const int8_t *t0 = rows + 4 * g * cols;
    const int8_t *t1 = t0 + row_bytes;
    const int8_t *t2 = t1 + row_bytes;
    int8_t *o = out + c;
#pragma GCC unroll 1
    for (int32_t ox = 0; ox < out_w; ox++)
    {
        int32x4_t acc = b;
#if STAI_MK_MVE_DW_ASM
        int32x4_t x, w;
        if (stride == 1)
        {
            __asm__(STAI_MK_MVE_DW_TAPS(4)
                    : [acc] "+w"(acc), [x] "=&w"(x), [w] "=&w"(w), [t0] "+l"(t0), [t1] "+l"(t1), [t2] "+l"(t2)
                    : [wp] "l"(wg)
                    : "memory");
        }
        else
        {
            __asm__(STAI_MK_MVE_DW_TAPS(8)
                    : [acc] "+w"(acc), [x] "=&w"(x), [w] "=&w"(w), [t0] "+l"(t0), [t1] "+l"(t1), [t2] "+l"(t2)
                    : [wp] "l"(wg)
                    : "memory");
        }
#else
        const int8_t *const tr[3] = {t0, t1, t2};
        for (int32_t r = 0; r < 3; r++)
        {
            for (int32_t kx = 0; kx < 3; kx++)
            {
                acc = vaddq_s32(acc, vmulq_s32(vldrbq_s32(tr[r] + 4 * kx), vldrbq_s32(wg + 12 * r + 4 * kx)));
            }
        }
        t0 += 4 * stride;
        t1 += 4 * stride;
        t2 += 4 * stride;
#endif
        vstrbq_s32(o, stai_mk_mve_requant4(acc, mult, shift, output_offset, act_min, act_max, fast_requant));
        o += ch;
    }
}
#endif /* STAI_MK_MVE */

STAI_MK_MVE_INLINE arm_cmsis_nn_status stai_mk_dwconv3x3_mve_s8(const int8_t *input,
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
    const int32_t cols = (out_w - 1) * stride + 3;
    const int32_t row_bytes = cols * ch;
    int8_t *const rows = (int8_t *)scratch;
    const int8_t zp = (int8_t)(-input_offset);
    for (int32_t oy = 0; oy < out_h; oy++)
    {
        for (int32_t r = 0; r < 3; r++)
        {
            stai_mk_mve_fill_row(rows + r * row_bytes, input, oy * stride - pad_top + r, in_h, in_w, ch, cols,
                                 pad_left, zp);
        }
        int8_t *out = output + oy * out_w * ch;
#if STAI_MK_MVE
#pragma GCC unroll 1
        for (int32_t g = 0; g < (ch >> 2); g++)
        {
            stai_mk_mve_dw_group(rows, weights + 36 * g, bias, multipliers, shifts, out, g, cols, row_bytes, ch,
                                 out_w, stride, output_offset, act_min, act_max, fast_requant);
        }
#else
        (void)fast_requant;
        for (int32_t ox = 0; ox < out_w; ox++)
        {
            for (int32_t c = 0; c < ch; c++)
            {
                uint32_t acc = (uint32_t)bias[c];
                const int8_t *wg = weights + 36 * (c >> 2) + (c & 3);
                const int8_t *x = rows + 4 * (c >> 2) * cols + 4 * ox * stride + (c & 3);
                for (int32_t t = 0; t < 9; t++)
                {
                    acc += (uint32_t)((int32_t)x[(t / 3) * row_bytes + 4 * (t % 3)] * (int32_t)wg[4 * t]);
                }
                out[ox * ch + c] = (int8_t)stai_mk_mve_requantize_c(
                    (int32_t)acc, multipliers[c], shifts[c], output_offset, act_min, act_max);
            }
        }
#endif
    }
    return ARM_CMSIS_NN_SUCCESS;
}

/* ---- general convolution ------------------------------------------------------------ */

/*
 * A convolution of any window (kernel_h x kernel_w), stride 1 or 2 per axis, padding
 * smaller than the window, no dilation, batch 1: each output pixel's window is copied
 * into a row of depth K = kernel_h * kernel_w * in_ch (padded taps: the input zero point),
 * and the rows are multiplied by the weights as the 1x1 kernel multiplies pixels (four
 * rows times one output pair, 14 instructions per 128 MACs; the last rows one at a time).
 *   input    [in_h][in_w][in_ch] int8
 *   weights  mk_mve_layouts.pack_pointwise_mve_s8 of the (out_ch, K) matrix (OHWI order)
 *   bias     out_ch rounded up to 4 int32: bias + input_offset * sum(w[o])
 *   multipliers, shifts  out_ch int32 each
 *   output   [out_h][out_w][out_ch] int8 (must not overlap the input)
 *   scratch  mk_mve_layouts.scratch_bytes_conv_mve(K) bytes: four window rows of K
 *            rounded up to 16 (the bytes past K are read, times zero weights)
 */

/* The window of output pixel (oy, ox) as one row of K bytes at dst. */
STAI_MK_MVE_INLINE void stai_mk_mve_window(int8_t *dst,
                                           const int8_t *input,
                                           const int32_t oy,
                                           const int32_t ox,
                                           const int32_t in_h,
                                           const int32_t in_w,
                                           const int32_t in_ch,
                                           const int32_t kernel_h,
                                           const int32_t kernel_w,
                                           const int32_t stride_h,
                                           const int32_t stride_w,
                                           const int32_t pad_top,
                                           const int32_t pad_left,
                                           const int8_t zp)
{
    const int32_t x0 = ox * stride_w - pad_left;
    const int32_t span = kernel_w * in_ch;
    const int32_t whole = x0 >= 0 && x0 + kernel_w <= in_w;
    for (int32_t ky = 0; ky < kernel_h; ky++)
    {
        const int32_t iy = oy * stride_h - pad_top + ky;
        int8_t *d = dst + ky * span;
        if (iy < 0 || iy >= in_h)
        {
#if STAI_MK_MVE
            for (int32_t i = 0; i < span; i += 16)
            {
                vstrbq_p_s8(d + i, vdupq_n_s8(zp), vctp8q((uint32_t)(span - i)));
            }
#else
            for (int32_t i = 0; i < span; i++)
            {
                d[i] = zp;
            }
#endif
            continue;
        }
        if (whole)
        {
            const int8_t *src = input + (iy * in_w + x0) * in_ch;
            /* The window's row is contiguous in the input. */
#if STAI_MK_MVE
            for (int32_t i = 0; i < span; i += 16)
            {
                const mve_pred16_t p = vctp8q((uint32_t)(span - i));
                vstrbq_p_s8(d + i, vldrbq_z_s8(src + i, p), p);
            }
#else
            for (int32_t i = 0; i < span; i++)
            {
                d[i] = src[i];
            }
#endif
            continue;
        }
        /* At a left or right border: tap by tap, the input's channels or the zero point. */
        for (int32_t kx = 0; kx < kernel_w; kx++)
        {
            const int32_t ix = x0 + kx;
            int8_t *t = d + kx * in_ch;
#if STAI_MK_MVE
            if (ix >= 0 && ix < in_w)
            {
                const int8_t *from = input + (iy * in_w + ix) * in_ch;
                for (int32_t i = 0; i < in_ch; i += 16)
                {
                    const mve_pred16_t p = vctp8q((uint32_t)(in_ch - i));
                    vstrbq_p_s8(t + i, vldrbq_z_s8(from + i, p), p);
                }
            }
            else
            {
                for (int32_t i = 0; i < in_ch; i += 16)
                {
                    vstrbq_p_s8(t + i, vdupq_n_s8(zp), vctp8q((uint32_t)(in_ch - i)));
                }
            }
#else
            for (int32_t c = 0; c < in_ch; c++)
            {
                t[c] = ix >= 0 && ix < in_w ? input[(iy * in_w + ix) * in_ch + c] : zp;
            }
#endif
        }
    }
}

STAI_MK_MVE_INLINE arm_cmsis_nn_status stai_mk_conv_mve_s8(const int8_t *input,
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
    const int32_t depth = kernel_h * kernel_w * in_ch;
    const int32_t row = (depth + 15) & ~15;
    const int32_t pair_bytes = 2 * row;
    const int32_t pixels = out_h * out_w;
    int8_t *const col = (int8_t *)scratch;
    const int8_t zp = (int8_t)(-input_offset);
    int32_t p = 0;
#if STAI_MK_MVE
    const int32_t pairs = (out_ch + 1) >> 1;
    const uint32x4_t offsets = vmulq_n_u32(vidupq_n_u32(0u, 1), (uint32_t)out_ch);
    for (; p + 4 <= pixels; p += 4)
    {
        for (int32_t i = 0; i < 4; i++)
        {
            const int32_t q = p + i;
            stai_mk_mve_window(col + i * row, input, q / out_w, q % out_w, in_h, in_w, in_ch, kernel_h, kernel_w,
                               stride_h, stride_w, pad_top, pad_left, zp);
        }
        int8_t *out = output + p * out_ch;
        const int8_t *wp = weights;
#pragma GCC unroll 1
        for (int32_t j = 0; j < pairs; j++)
        {
            stai_mk_mve_block4x2(col, wp, j, bias, multipliers, shifts, out, offsets, row, out_ch, output_offset,
                                 act_min, act_max, fast_requant);
            wp += pair_bytes;
        }
    }
    /* The last pixels, fewer than four: a loop GCC sees ends within three (with a bound
     * it cannot see, it warned of iterations past the arena). */
    const int32_t first = p;
    for (int32_t t = 0; t < (pixels & 3); t++)
    {
        p = first + t;
        stai_mk_mve_window(col, input, p / out_w, p % out_w, in_h, in_w, in_ch, kernel_h, kernel_w, stride_h,
                           stride_w, pad_top, pad_left, zp);
        int8_t *out = output + p * out_ch;
#pragma GCC unroll 1
        for (int32_t o = 0; o < out_ch; o += 4)
        {
            stai_mk_mve_row1x4(col, weights + (o >> 1) * pair_bytes, pair_bytes, o, bias, multipliers, shifts, out,
                               row, out_ch, output_offset, act_min, act_max, fast_requant);
        }
    }
#else
    (void)fast_requant;
    for (; p < pixels; p++)
    {
        stai_mk_mve_window(col, input, p / out_w, p % out_w, in_h, in_w, in_ch, kernel_h, kernel_w, stride_h,
                           stride_w, pad_top, pad_left, zp);
        for (int32_t o = 0; o < out_ch; o++)
        {
            const int8_t *w = weights + (o >> 1) * pair_bytes + 16 * (o & 1);
            uint32_t acc = (uint32_t)bias[o];
            for (int32_t k = 0; k < depth; k++)
            {
                acc += (uint32_t)((int32_t)col[k] * (int32_t)w[32 * (k >> 4) + (k & 15)]);
            }
            output[p * out_ch + o] = (int8_t)stai_mk_mve_requantize_c(
                (int32_t)acc, multipliers[o], shifts[o], output_offset, act_min, act_max);
        }
    }
#endif
    return ARM_CMSIS_NN_SUCCESS;
}

/* ---- addition ------------------------------------------------------------------------ */

/*
 * Addition of two same-shape int8 tensors whose plan (mk_eltwise_layouts.plan_add_s8) is
 * the linear one (method 1, exact on all 65,536 input pairs): output = clamp((k0 + k1 *
 * x1 + k2 * x2) >> kshift, act_min, act_max) on the raw codes. Four elements per vector:
 * two widening loads (VLDRB.S32), VMUL and VMLA by the scalars k1 and k2, VADD of k0,
 * an arithmetic shift right (VSHL by -kshift), VMAX, VMIN and a narrowing store: nine
 * instructions per four elements. Element i of both inputs is read before element i of
 * the output is written, in increasing order: output may be input1 or input2.
 */
STAI_MK_MVE_INLINE arm_cmsis_nn_status stai_mk_add_mve_s8(const int8_t *input1,
                                                          const int8_t *input2,
                                                          int8_t *output,
                                                          const int32_t size,
                                                          const int32_t k1,
                                                          const int32_t k2,
                                                          const int32_t k0,
                                                          const int32_t kshift,
                                                          const int32_t act_min,
                                                          const int32_t act_max)
{
#if STAI_MK_MVE
    const int32x4_t lo = vdupq_n_s32(act_min);
    const int32x4_t hi = vdupq_n_s32(act_max);
    int32_t i = 0;
#pragma GCC unroll 2
    for (; i + 4 <= size; i += 4)
    {
        int32x4_t t = vmulq_n_s32(vldrbq_s32(input1 + i), k1);
        t = vmlaq_n_s32(t, vldrbq_s32(input2 + i), k2);
        t = vshlq_r_s32(vaddq_n_s32(t, k0), -kshift);
        vstrbq_s32(output + i, vminq_s32(vmaxq_s32(t, lo), hi));
    }
    if (i < size)
    {
        const mve_pred16_t p = vctp32q((uint32_t)(size - i));
        int32x4_t t = vmulq_n_s32(vldrbq_z_s32(input1 + i, p), k1);
        t = vmlaq_n_s32(t, vldrbq_z_s32(input2 + i, p), k2);
        t = vshlq_r_s32(vaddq_n_s32(t, k0), -kshift);
        vstrbq_p_s32(output + i, vminq_s32(vmaxq_s32(t, lo), hi), p);
    }
#else
    for (int32_t i = 0; i < size; i++)
    {
        const uint32_t t = (uint32_t)k0 + (uint32_t)(k1 * input1[i]) + (uint32_t)(k2 * input2[i]);
        const int32_t y = (int32_t)t >> kshift;
        output[i] = (int8_t)(y < act_min ? act_min : (y > act_max ? act_max : y));
    }
#endif
    return ARM_CMSIS_NN_SUCCESS;
}

#endif /* STAI_MK_MVE_S8_H */
