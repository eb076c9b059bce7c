/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: arm_softmax_s8 arm_softmax_s8_s16 arm_nn_softmax_common_s8 */
/* stai-requires: */
/*
 * Portable s8 softmax of the CMSIS-NN API, bit-exact with the TFLite Micro reference:
 * differences to the row maximum are scaled to Q5.26, exponentiated in fixed point,
 * summed in Q12.19, and each exponential is multiplied by the fixed-point reciprocal of
 * the sum. Differences below `diff_min` give the smallest output. arm_softmax_s8_s16 is the
 * same with int16 outputs (scale 1/65536, zero point -32768).
 */
#include "arm_nnfunctions.h"
#include "arm_nnsupportfunctions.h"

/* Largest value of one row. */
static int32_t stai_row_max(const int8_t *row, int32_t row_size)
{
    int32_t max = NN_Q7_MIN;
    for (int32_t c = 0; c < row_size; c++)
    {
        max = MAX(max, (int32_t)row[c]);
    }
    return max;
}

/* exp(beta * scale * diff) in Q0.31 for a difference already known to be >= diff_min. */
static int32_t stai_softmax_exp(int32_t diff, int32_t mult, int32_t shift)
{
    const int32_t scaled_diff = arm_nn_doubling_high_mult(stai_nn_shl_wrap(diff, shift), mult);
    return arm_nn_exp_on_negative_values(scaled_diff);
}

/* One row: sum of exponentials, reciprocal, then the outputs. */
static void stai_softmax_row(const int8_t *row,
                             int32_t row_size,
                             int32_t mult,
                             int32_t shift,
                             int32_t diff_min,
                             bool int16_output,
                             void *output_row)
{
    const int32_t max = stai_row_max(row, row_size);
    uint32_t sum = 0; /* Q12.19, wraps like the reference's int32 sum */
    for (int32_t c = 0; c < row_size; c++)
    {
        const int32_t diff = (int32_t)row[c] - max;
        if (diff >= diff_min)
        {
            sum += (uint32_t)arm_nn_divide_by_power_of_two(stai_softmax_exp(diff, mult, shift), 12);
        }
    }
    const int32_t headroom_plus_one = stai_nn_count_leading_zeros(sum);
    const int32_t num_bits_over_unit = 12 - headroom_plus_one;
    const int32_t shifted_sum_minus_one = (int32_t)((sum << headroom_plus_one) - 0x80000000u);
    const int32_t reciprocal = arm_nn_one_over_one_plus_x_for_x_in_0_1(shifted_sum_minus_one);
    const int32_t out_bits = int16_output ? 16 : 8;
    const int32_t out_min = int16_output ? NN_Q15_MIN : NN_Q7_MIN;
    const int32_t out_max = int16_output ? NN_Q15_MAX : NN_Q7_MAX;
    const int32_t exponent = num_bits_over_unit + 31 - out_bits;
    for (int32_t c = 0; c < row_size; c++)
    {
        const int32_t diff = (int32_t)row[c] - max;
        int32_t value = out_min;
        if (diff >= diff_min)
        {
            const int32_t exp_value = stai_softmax_exp(diff, mult, shift);
            value = arm_nn_divide_by_power_of_two(arm_nn_doubling_high_mult(reciprocal, exp_value), exponent) + out_min;
            value = MIN(MAX(value, out_min), out_max);
        }
        if (int16_output)
        {
            ((int16_t *)output_row)[c] = (int16_t)value;
        }
        else
        {
            ((int8_t *)output_row)[c] = (int8_t)value;
        }
    }
}

void arm_nn_softmax_common_s8(const int8_t *input,
                              const int32_t num_rows,
                              const int32_t row_size,
                              const int32_t mult,
                              const int32_t shift,
                              const int32_t diff_min,
                              const bool int16_output,
                              void *output)
{
    for (int32_t r = 0; r < num_rows; r++)
    {
        void *output_row = int16_output ? (void *)((int16_t *)output + r * row_size)
                                        : (void *)((int8_t *)output + r * row_size);
        stai_softmax_row(input + r * row_size, row_size, mult, shift, diff_min, int16_output, output_row);
    }
}

void arm_softmax_s8(const int8_t *input,
                    const int32_t num_rows,
                    const int32_t row_size,
                    const int32_t mult,
                    const int32_t shift,
                    const int32_t diff_min,
                    int8_t *output)
{
    arm_nn_softmax_common_s8(input, num_rows, row_size, mult, shift, diff_min, false, output);
}

void arm_softmax_s8_s16(const int8_t *input,
                        const int32_t num_rows,
                        const int32_t row_size,
                        const int32_t mult,
                        const int32_t shift,
                        const int32_t diff_min,
                        int16_t *output)
{
    arm_nn_softmax_common_s8(input, num_rows, row_size, mult, shift, diff_min, true, output);
}
