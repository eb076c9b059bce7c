/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private fixed-point helpers of stai's int8 kernels (not part of the public API).
 *
 * Integer arithmetic of the TFLite quantization spec and of the TFLite Micro reference
 * kernels: saturating rounding doubling high multiply, rounding divide by a power of two,
 * multiplication by a quantized (Q31 multiplier, shift) pair, and the Q0.31 fixed-point
 * exp / logistic / tanh approximations used by the int8 LOGISTIC and TANH kernels.
 * Additions that may wrap are done in unsigned arithmetic (defined behaviour in C99).
 */
#ifndef STAI_FIXEDPOINT_H
#define STAI_FIXEDPOINT_H

#include <stdint.h>

#define STAI_Q31_ONE INT32_MAX

/* Two's-complement wrapping addition, subtraction and negation. */
static inline int32_t stai_wrap_add(int32_t a, int32_t b)
{
    return (int32_t)((uint32_t)a + (uint32_t)b);
}

static inline int32_t stai_wrap_sub(int32_t a, int32_t b)
{
    return (int32_t)((uint32_t)a - (uint32_t)b);
}

static inline int32_t stai_wrap_neg(int32_t a)
{
    return (int32_t)(0u - (uint32_t)a);
}

static inline int32_t stai_clamp_s32(int32_t x, int32_t lo, int32_t hi)
{
    return x < lo ? lo : (x > hi ? hi : x);
}

/*
 * round-half-away-from-zero(q) + zero_point saturated to [lo, hi] (the int8 or int16
 * range: lo = -(hi + 1)), for a float q: QUANTIZE's rounding. q is first limited to
 * +-4 * (hi + 1), where the rounding is exact and cannot overflow and beyond which the
 * result saturates anyway (|zero_point| <= hi + 1). A NaN gives what an x86 host gives
 * for the reference kernel (its float-to-int conversion yields INT32_MIN, to which the
 * zero point is added before the clamp).
 */
static inline int32_t stai_round_to_range(float q, int32_t zero_point, int32_t lo, int32_t hi)
{
    const float limit = 4.0f * (float)(hi + 1);
    int32_t r;
    if (q >= limit)
    {
        r = (int32_t)limit;
    }
    else if (q <= -limit)
    {
        r = -(int32_t)limit;
    }
    else if (q == q)
    {
        r = (int32_t)q;                  /* truncation toward zero */
        const float frac = q - (float)r; /* exact */
        if (frac >= 0.5f)
        {
            r += 1;
        }
        else if (frac <= -0.5f)
        {
            r -= 1;
        }
    }
    else
    {
        return zero_point >= 0 ? lo : hi;
    }
    return stai_clamp_s32(r + zero_point, lo, hi);
}

/* round(a * b / 2^31), ties away from zero; the single overflow case saturates. */
static inline int32_t stai_sat_rounding_doubling_high_mul(int32_t a, int32_t b)
{
    if (a == INT32_MIN && b == INT32_MIN)
    {
        return INT32_MAX;
    }
    const int64_t ab = (int64_t)a * (int64_t)b;
    const int64_t nudge = ab >= 0 ? ((int64_t)1 << 30) : (1 - ((int64_t)1 << 30));
    return (int32_t)((ab + nudge) / ((int64_t)1 << 31));
}

/* x / 2^exponent rounded to nearest, ties away from zero; 0 <= exponent <= 31. */
static inline int32_t stai_rounding_divide_by_pot(int32_t x, int32_t exponent)
{
    const int32_t mask = (int32_t)(((int64_t)1 << exponent) - 1);
    const int32_t remainder = x & mask;
    const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/* x * 2^exponent, saturated to the int32 range; 0 <= exponent <= 31. */
static inline int32_t stai_saturating_shift_left(int32_t x, int32_t exponent)
{
    const int64_t wide = (int64_t)x * ((int64_t)1 << exponent);
    if (wide > INT32_MAX)
    {
        return INT32_MAX;
    }
    if (wide < INT32_MIN)
    {
        return INT32_MIN;
    }
    return (int32_t)wide;
}

/*
 * x * multiplier * 2^(shift - 31) with the two roundings of the reference kernels:
 * left shift (wrapping), rounding doubling high multiply, rounding right shift.
 */
static inline int32_t stai_multiply_by_quantized_multiplier(int32_t x,
                                                            int32_t multiplier,
                                                            int32_t shift)
{
    const int32_t left_shift = shift > 0 ? shift : 0;
    const int32_t right_shift = shift > 0 ? 0 : -shift;
    const int32_t shifted = (int32_t)((uint32_t)x << left_shift);
    return stai_rounding_divide_by_pot(stai_sat_rounding_doubling_high_mul(shifted, multiplier),
                                       right_shift);
}

/* ---- Q0.31 transcendental approximations --------------------------------------------- */

/* exp(a) for a Q0.31 value a in [-1/4, 0). */
static inline int32_t stai_fp_exp_on_interval_neg_quarter(int32_t a)
{
    const int32_t exp_minus_one_eighth = 1895147668; /* exp(-1/8) in Q0.31 */
    const int32_t one_third = 715827883;             /* 1/3 in Q0.31 */
    const int32_t x = stai_wrap_add(a, 1 << 28);     /* a + 1/8 */
    const int32_t x2 = stai_sat_rounding_doubling_high_mul(x, x);
    const int32_t x3 = stai_sat_rounding_doubling_high_mul(x2, x);
    const int32_t x4 = stai_sat_rounding_doubling_high_mul(x2, x2);
    const int32_t x4_over_4 = stai_rounding_divide_by_pot(x4, 2);
    const int32_t poly = stai_rounding_divide_by_pot(
        stai_wrap_add(stai_sat_rounding_doubling_high_mul(stai_wrap_add(x4_over_4, x3), one_third), x2),
        1);
    return stai_wrap_add(exp_minus_one_eighth,
                         stai_sat_rounding_doubling_high_mul(exp_minus_one_eighth, stai_wrap_add(x, poly)));
}

/*
 * exp(a) in Q0.31 for a <= 0 given with integer_bits integer bits (Q<integer_bits>.<31 -
 * integer_bits>); integer_bits is 4 or 5 here.
 */
static inline int32_t stai_fp_exp_on_negative_values(int32_t a, int32_t integer_bits)
{
    /* exp(-2^k) in Q0.31 for k = -2 .. 4 */
    static const int32_t barrel[7] = {1672461947, 1302514674, 790015084, 290630308,
                                      39332535,   720401,     242};
    const int32_t fractional_bits = 31 - integer_bits;
    const int32_t one_quarter = (int32_t)1 << (fractional_bits - 2);
    const int32_t mask = one_quarter - 1;
    const int32_t a_mod_quarter_minus_quarter = stai_wrap_sub(a & mask, one_quarter);
    int32_t result = stai_fp_exp_on_interval_neg_quarter(
        stai_saturating_shift_left(a_mod_quarter_minus_quarter, integer_bits));
    const int32_t remainder = stai_wrap_sub(a_mod_quarter_minus_quarter, a);
    for (int32_t k = -2; k <= 4; ++k)
    {
        if (integer_bits > k)
        {
            const int32_t bit = (int32_t)((uint32_t)1 << (fractional_bits + k));
            if (remainder & bit)
            {
                result = stai_sat_rounding_doubling_high_mul(result, barrel[k + 2]);
            }
        }
    }
    return a == 0 ? STAI_Q31_ONE : result;
}

/*
 * Newton-Raphson estimate of 1 / (1 + a) for a Q0.31 value a in [0, 1], as a Q2.29 value
 * (the common core of the two functions below).
 */
static inline int32_t stai_fp_reciprocal_one_plus_x_q2(int32_t a)
{
    const int32_t q2_one = (int32_t)1 << 29;
    const int32_t c48_over_17 = 1515870810;      /* 48/17 in Q2.29 */
    const int32_t c_neg32_over_17 = -1010580540; /* -32/17 in Q2.29 */
    /* (a + 1) / 2, rounded half away from zero */
    const int64_t sum = (int64_t)a + (int64_t)STAI_Q31_ONE;
    const int32_t half_denominator = (int32_t)((sum + (sum >= 0 ? 1 : -1)) / 2);
    int32_t x = stai_wrap_add(c48_over_17, stai_sat_rounding_doubling_high_mul(half_denominator, c_neg32_over_17));
    for (int i = 0; i < 3; ++i)
    {
        const int32_t half_denominator_times_x = stai_sat_rounding_doubling_high_mul(half_denominator, x);
        const int32_t one_minus = stai_wrap_sub(q2_one, half_denominator_times_x);
        x = stai_wrap_add(x, stai_saturating_shift_left(stai_sat_rounding_doubling_high_mul(x, one_minus), 2));
    }
    return x;
}

/* 1 / (1 + a) in Q0.31 for a Q0.31 value a in [0, 1]. */
static inline int32_t stai_fp_one_over_one_plus_x(int32_t a)
{
    return stai_saturating_shift_left(stai_fp_reciprocal_one_plus_x_q2(a), 1);
}

/* (1 - a) / (1 + a) in Q0.31 for a Q0.31 value a in [0, 1]. */
static inline int32_t stai_fp_one_minus_x_over_one_plus_x(int32_t a)
{
    const int32_t x = stai_fp_reciprocal_one_plus_x_q2(a);
    return stai_saturating_shift_left(stai_wrap_sub(x, (int32_t)1 << 29), 2);
}

/* logistic(a) in Q0.31 for a Q4.27 value a. */
static inline int32_t stai_fp_logistic_q4(int32_t a)
{
    if (a == 0)
    {
        return (int32_t)1 << 30;
    }
    const int32_t abs_a = a > 0 ? a : stai_wrap_neg(a);
    const int32_t on_positive = stai_fp_one_over_one_plus_x(stai_fp_exp_on_negative_values(stai_wrap_neg(abs_a), 4));
    return a > 0 ? on_positive : stai_wrap_sub(STAI_Q31_ONE, on_positive);
}

/* tanh(a) in Q0.31 for a Q4.27 value a. */
static inline int32_t stai_fp_tanh_q4(int32_t a)
{
    if (a == 0)
    {
        return 0;
    }
    const int32_t neg_abs = a < 0 ? a : stai_wrap_neg(a);
    /* -|a| read as Q5.26 is -2|a|: tanh(|a|) = (1 - exp(-2|a|)) / (1 + exp(-2|a|)) */
    const int32_t t = stai_fp_one_minus_x_over_one_plus_x(stai_fp_exp_on_negative_values(neg_abs, 5));
    return a < 0 ? stai_wrap_neg(t) : t;
}

#endif /* STAI_FIXEDPOINT_H */
