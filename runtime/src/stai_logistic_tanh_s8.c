/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_logistic_s8 stai_tanh_s8 */
/* stai-requires: */
/*
 * int8 LOGISTIC and TANH with the arithmetic of the TFLite Micro reference kernels: the
 * input, relative to its zero point, saturates outside +-input_range_radius; inside it is
 * rescaled to a Q4.27 fixed-point value, the function is evaluated in Q0.31 fixed point,
 * and the result is rounded to the fixed output quantization (1/256, -128 for LOGISTIC;
 * 1/128, 0 for TANH).
 */
#include "stai_kernels_s8.h"

#include "stai_fixedpoint.h"

static int stai_sigmoid_args_ok(int32_t size, int32_t input_range_radius, int32_t input_left_shift)
{
    return size >= 0 && input_range_radius >= 0 && input_left_shift <= 31 && input_left_shift >= -31;
}

/* LOGISTIC (is_tanh 0) or TANH (is_tanh 1) of every code: saturated outside the input
 * range radius, else the fixed-point function of the input rescaled to Q4.27, rounded to
 * the output's scale (1/256 with zero point -128 for LOGISTIC, 1/128 for TANH). */
static arm_cmsis_nn_status stai_sigmoid_family_s8(const int8_t *input,
                                                  int8_t *output,
                                                  int32_t size,
                                                  int32_t input_zero_point,
                                                  int32_t input_range_radius,
                                                  int32_t input_multiplier,
                                                  int32_t input_left_shift,
                                                  int is_tanh)
{
    if (!stai_sigmoid_args_ok(size, input_range_radius, input_left_shift))
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    for (int32_t i = 0; i < size; ++i)
    {
        const int32_t x = input[i] - input_zero_point;
        if (x <= -input_range_radius)
        {
            output[i] = -128;
        }
        else if (x >= input_range_radius)
        {
            output[i] = 127;
        }
        else
        {
            const int32_t x_q4 = stai_multiply_by_quantized_multiplier(x, input_multiplier, input_left_shift);
            const int32_t y = is_tanh ? stai_rounding_divide_by_pot(stai_fp_tanh_q4(x_q4), 31 - 7)
                                   : stai_rounding_divide_by_pot(stai_fp_logistic_q4(x_q4), 31 - 8) - 128;
            output[i] = (int8_t)stai_clamp_s32(y, -128, 127);
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}

arm_cmsis_nn_status stai_logistic_s8(const int8_t *input,
                                     int8_t *output,
                                     int32_t size,
                                     int32_t input_zero_point,
                                     int32_t input_range_radius,
                                     int32_t input_multiplier,
                                     int32_t input_left_shift)
{
    return stai_sigmoid_family_s8(input, output, size, input_zero_point, input_range_radius, input_multiplier,
                                  input_left_shift, 0);
}

arm_cmsis_nn_status stai_tanh_s8(const int8_t *input,
                                 int8_t *output,
                                 int32_t size,
                                 int32_t input_zero_point,
                                 int32_t input_range_radius,
                                 int32_t input_multiplier,
                                 int32_t input_left_shift)
{
    return stai_sigmoid_family_s8(input, output, size, input_zero_point, input_range_radius, input_multiplier,
                                  input_left_shift, 1);
}
