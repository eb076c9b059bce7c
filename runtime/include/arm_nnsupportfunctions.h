/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Support definitions of the CMSIS-NN API (release v7.0.0), the subset stai's portable
 * kernels use: helper macros, tuning constants that the buffer-size functions depend on,
 * and the fixed-point arithmetic of the TFLite quantization spec.
 *
 * The arithmetic is written to be free of undefined behaviour (no signed overflow, no
 * left shift of negative values) while giving the same bits as the TFLite Micro reference.
 * Names with the `stai_nn_` prefix are stai's own helpers, not part of the API.
 */
#ifndef ARM_NNSUPPORTFUNCTIONS_H
#define ARM_NNSUPPORTFUNCTIONS_H

#include "arm_nn_math_types.h"
#include "arm_nn_types.h"

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LEFT_SHIFT(_shift) (_shift > 0 ? _shift : 0)
#define RIGHT_SHIFT(_shift) (_shift > 0 ? 0 : -_shift)

#define MAX(A, B) ((A) > (B) ? (A) : (B))
#define MIN(A, B) ((A) < (B) ? (A) : (B))
#define CLAMP(x, h, l) MAX(MIN((x), (h)), (l))

/* Input channels processed per block by the Helium depthwise kernel (sizes its buffer). */
#define CH_IN_BLOCK_MVE (124)

/* On Helium, a depthwise convolution with one input channel and more output channels
 * than this is run as a regular convolution (value of a GCC build). */
#define CONVERT_DW_CONV_WITH_ONE_INPUT_CH_AND_OUTPUT_CH_ABOVE_THRESHOLD (1)

/** Shift left without signed overflow: the bits of `val << exp` in 32-bit two's complement. */
static inline int32_t stai_nn_shl_wrap(const int32_t val, const int32_t exp)
{
    return (int32_t)((uint32_t)val << exp);
}

/** Saturating rounding doubling high multiply: round(m1 * m2 / 2^31), ties away from
 *  zero; the single overflowing case (-2^31 * -2^31) gives 2^31 - 1. */
static inline int32_t arm_nn_doubling_high_mult(const int32_t m1, const int32_t m2)
{
    if (m1 == m2 && m1 == NN_Q31_MIN)
    {
        return NN_Q31_MAX;
    }
    const int64_t product = (int64_t)m1 * (int64_t)m2;
    const int64_t nudge = product >= 0 ? ((int64_t)1 << 30) : (1 - ((int64_t)1 << 30));
    return (int32_t)((product + nudge) / ((int64_t)1 << 31));
}

/** Doubling high multiply for requantization (the multiplier is never -2^31). */
static inline int32_t arm_nn_doubling_high_mult_no_sat(const int32_t m1, const int32_t m2)
{
    return arm_nn_doubling_high_mult(m1, m2);
}

/** Rounding division by 2^exponent (exponent in [0, 31]), ties away from zero. */
static inline int32_t arm_nn_divide_by_power_of_two(const int32_t dividend, const int32_t exponent)
{
    const int32_t mask = (int32_t)(((int64_t)1 << exponent) - 1);
    const int32_t remainder = dividend & mask;
    const int32_t threshold = (mask >> 1) + (dividend < 0 ? 1 : 0);
    return (dividend >> exponent) + (remainder > threshold ? 1 : 0);
}

/** Requantize: val * multiplier * 2^(shift - 31), rounded twice as the TFLite spec does
 *  (a doubling high multiply, then a rounding right shift). */
static inline int32_t arm_nn_requantize(const int32_t val, const int32_t multiplier, const int32_t shift)
{
    return arm_nn_divide_by_power_of_two(
        arm_nn_doubling_high_mult_no_sat(stai_nn_shl_wrap(val, LEFT_SHIFT(shift)), multiplier), RIGHT_SHIFT(shift));
}

/** Saturating multiplication by 2^exp, exp in [1, 31]. */
static inline int32_t arm_nn_mult_by_power_of_two(const int32_t val, const int32_t exp)
{
    const int32_t threshold = (int32_t)(((int64_t)1 << (31 - exp)) - 1);
    if (val > threshold)
    {
        return NN_Q31_MAX;
    }
    if (val < -threshold)
    {
        return NN_Q31_MIN;
    }
    return stai_nn_shl_wrap(val, exp);
}

/** exp(x) for x in [-1/4, 0), x and the result in Q0.31 (a Taylor polynomial around -1/8). */
static inline int32_t stai_nn_exp_on_interval_quarter(const int32_t val)
{
    const int32_t exp_minus_one_eighth = 1895147668; /* exp(-1/8) in Q0.31 */
    const int32_t one_third = 715827883;             /* 1/3 in Q0.31 */
    const int32_t x = val + (1 << 28);               /* x = val + 1/8 */
    const int32_t x2 = arm_nn_doubling_high_mult(x, x);
    const int32_t x3 = arm_nn_doubling_high_mult(x2, x);
    const int32_t x4 = arm_nn_doubling_high_mult(x2, x2);
    const int32_t x4_over_4 = arm_nn_divide_by_power_of_two(x4, 2);
    const int32_t poly = arm_nn_divide_by_power_of_two(
        arm_nn_doubling_high_mult(x4_over_4 + x3, one_third) + x2, 1); /* x^4/24 + x^3/6 + x^2/2 */
    return exp_minus_one_eighth + arm_nn_doubling_high_mult(exp_minus_one_eighth, x + poly);
}

/** exp(x) for x <= 0; x in Q5.26, the result in Q0.31 (the softmax exponential). */
static inline int32_t arm_nn_exp_on_negative_values(const int32_t val)
{
    /* exp(-2^k) in Q0.31 for k = -2 .. 4 */
    static const int32_t exp_of_minus_pow2[7] = {1672461947, 1302514674, 790015084, 290630308,
                                                 39332535,   720401,     242};
    const int32_t quarter = 1 << 24; /* 1/4 in Q5.26 */
    const int32_t val_mod_minus_quarter = (val & (quarter - 1)) - quarter;
    const int32_t remainder = val_mod_minus_quarter - val;
    int32_t result = stai_nn_exp_on_interval_quarter(stai_nn_shl_wrap(val_mod_minus_quarter, 5));
    for (int32_t k = 0; k < 7; k++)
    {
        if ((remainder & (1 << (24 + k))) != 0)
        {
            result = arm_nn_doubling_high_mult(result, exp_of_minus_pow2[k]);
        }
    }
    return val == 0 ? NN_Q31_MAX : result;
}

/** 1 / (1 + x) for x in [0, 1), x and the result in Q0.31: three Newton-Raphson steps
 *  on 1 / ((1 + x) / 2) in Q2.29, then halved and brought back to Q0.31 with saturation. */
static inline int32_t arm_nn_one_over_one_plus_x_for_x_in_0_1(const int32_t val)
{
    const int64_t sum = (int64_t)val + (int64_t)NN_Q31_MAX;
    const int32_t half_denominator = (int32_t)((sum + (sum >= 0 ? 1 : -1)) / 2);
    const int32_t one_q2 = 1 << 29;                  /* 1 in Q2.29 */
    int32_t x = 1515870810 + arm_nn_doubling_high_mult(half_denominator, -1010580540); /* 48/17 - 32/17 d */
    for (int32_t i = 0; i < 3; i++)
    {
        const int32_t error = one_q2 - arm_nn_doubling_high_mult(half_denominator, x);
        x += arm_nn_mult_by_power_of_two(arm_nn_doubling_high_mult(x, error), 2);
    }
    return arm_nn_mult_by_power_of_two(x, 1);
}

/** Number of leading zero bits of a 32-bit value (32 for zero). */
static inline int32_t stai_nn_count_leading_zeros(const uint32_t value)
{
    int32_t count = 0;
    uint32_t bit = 0x80000000u;
    while (bit != 0u && (value & bit) == 0u)
    {
        count++;
        bit >>= 1;
    }
    return count;
}

/** Shared body of the s8 softmax; writes int8 (output scale 1/256, zero point -128)
 *  or, when int16_output, int16 (scale 1/65536, zero point -32768). */
void arm_nn_softmax_common_s8(const int8_t *input,
                              const int32_t num_rows,
                              const int32_t row_size,
                              const int32_t mult,
                              const int32_t shift,
                              const int32_t diff_min,
                              const bool int16_output,
                              void *output);

/** Scratch bytes of the optimized depthwise kernel on a Cortex-M with Helium. */
int32_t arm_depthwise_conv_s8_opt_get_buffer_size_mve(const cmsis_nn_dims *input_dims,
                                                      const cmsis_nn_dims *filter_dims);

/** Scratch bytes of the optimized depthwise kernel on a Cortex-M with the DSP extension. */
int32_t arm_depthwise_conv_s8_opt_get_buffer_size_dsp(const cmsis_nn_dims *input_dims,
                                                      const cmsis_nn_dims *filter_dims);

#ifdef __cplusplus
}
#endif

#endif /* ARM_NNSUPPORTFUNCTIONS_H */
