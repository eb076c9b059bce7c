/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_logistic_s16 stai_tanh_s16 */
/* stai-requires: */
/*
 * 16x8 LOGISTIC and TANH with the arithmetic of the TFLite Micro reference kernels: the
 * input is rescaled to steps of 1/(3 * 4096) (logistic; tanh uses twice that, as
 * tanh(x) = 2 * sigmoid(2x) - 1), its magnitude indexes a 256-entry Q0.16 table of
 * sigmoid(i / 24) with linear interpolation, and the sign folds the result. Outputs have
 * the scale 2^-15. The table comes from the data file (quant_math.sigmoid_table_s16),
 * stored as int16 codes offset by -32768.
 */
#include "stai_kernels_s16.h"

#include <stdlib.h>

/* The input scaled to the table's steps, rounded (multiplier 0: a power-of-two scale). */
static int32_t stai_sigmoid_input(int16_t x, int32_t multiplier, int32_t left_shift)
{
    if (multiplier == 0)
    {
        multiplier = 3 << left_shift;
        left_shift = 0;
    }
    const int32_t round = left_shift > 0 ? (int32_t)1 << (left_shift - 1) : 0;
    return (x * multiplier + round) >> left_shift;
}

static uint32_t stai_table_at(const int16_t *table, uint32_t i)
{
    return (uint32_t)((int32_t)table[i] + 32768);
}

/* The table linearly interpolated at magnitude / 2^bits (an entry and a fraction), times
 * 2^bits; 0, nothing written, past the last entry (where the caller saturates). */
static int stai_table_lerp(const int16_t *table, uint32_t magnitude, uint32_t bits, uint32_t *value)
{
    const uint32_t index = magnitude >> bits;
    if (index >= 255)
    {
        return 0;
    }
    const uint32_t lo = stai_table_at(table, index);
    const uint32_t hi = stai_table_at(table, index + 1);
    *value = (lo << bits) + (magnitude & ((1u << bits) - 1u)) * (hi - lo);
    return 1;
}

static int stai_sigmoid_args_ok(int32_t size, int32_t multiplier, int32_t left_shift, const int16_t *table)
{
    return size >= 0 && table != NULL && multiplier >= 0 && multiplier <= 32767 && left_shift >= 0 &&
           left_shift <= 31 && (multiplier != 0 || left_shift <= 13);
}

arm_cmsis_nn_status stai_logistic_s16(const int16_t *input,
                                      int16_t *output,
                                      int32_t size,
                                      int32_t input_multiplier,
                                      int32_t input_left_shift,
                                      const int16_t *sigmoid_table)
{
    if (!stai_sigmoid_args_ok(size, input_multiplier, input_left_shift, sigmoid_table))
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    for (int32_t i = 0; i < size; ++i)
    {
        const int32_t x = stai_sigmoid_input(input[i], input_multiplier, input_left_shift);
        uint32_t result;
        if (!stai_table_lerp(sigmoid_table, (uint32_t)abs(x), 9, &result))
        {
            result = (uint32_t)0x7FFF << 10;
        }
        result = x >= 0 ? result + (1u << 9) : (1u << 25) - result + (1u << 9) - 1u;
        output[i] = (int16_t)(result >> 10);
    }
    return ARM_CMSIS_NN_SUCCESS;
}

arm_cmsis_nn_status stai_tanh_s16(const int16_t *input,
                                  int16_t *output,
                                  int32_t size,
                                  int32_t input_multiplier,
                                  int32_t input_left_shift,
                                  const int16_t *sigmoid_table)
{
    if (!stai_sigmoid_args_ok(size, input_multiplier, input_left_shift, sigmoid_table))
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    for (int32_t i = 0; i < size; ++i)
    {
        const int32_t x = stai_sigmoid_input(input[i], input_multiplier, input_left_shift);
        uint32_t interpolated;
        int32_t result = (int32_t)(0xFFFFu << 8);
        if (stai_table_lerp(sigmoid_table, (uint32_t)abs(x), 8, &interpolated))
        {
            result = (int32_t)interpolated;
        }
        result = x >= 0 ? result - (1 << 23) + (1 << 7) : -result + (1 << 23) + (1 << 7) - 1;
        output[i] = (int16_t)(result >> 8);
    }
    return ARM_CMSIS_NN_SUCCESS;
}
