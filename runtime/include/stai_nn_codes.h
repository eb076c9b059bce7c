/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One body for the int8 and the int16 version of the portable CMSIS-NN API kernels
 * (src/arm_*.c) of average and max pooling and of element-wise add and multiply; private to
 * the runtime, the API functions keep CMSIS-NN's names and signatures. Tensors of codes
 * are passed untyped with the size of their elements (stai_code_load, stai_codes.h); each
 * kernel file passes a constant size. Only the portable arm_*.c include this header (it
 * needs the portable arm_nnsupportfunctions.h).
 */
#ifndef STAI_NN_CODES_H
#define STAI_NN_CODES_H

#include <stdint.h>

#include "arm_nnsupportfunctions.h"
#include "stai_codes.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum
{
    STAI_NN_POOL_AVG, /* the average of the window, rounded to nearest, ties away from zero */
    STAI_NN_POOL_MAX  /* the maximum of the window (the type's lowest code when it is empty) */
} stai_nn_pool_kind;

/*
 * Average or max pooling, bit-exact with the TFLite Micro reference: the window of each
 * output pixel is clipped to the input, its average or maximum clamped to the activation
 * range. ARM_CMSIS_NN_ARG_ERROR for no batch, or (average) an empty window.
 */
STAI_CODES_INLINE arm_cmsis_nn_status stai_nn_pool(const cmsis_nn_pool_params *pool_params,
                                               const cmsis_nn_dims *input_dims,
                                               const void *input_data,
                                               const cmsis_nn_dims *filter_dims,
                                               const cmsis_nn_dims *output_dims,
                                               void *output_data,
                                               stai_nn_pool_kind kind,
                                               int32_t bytes)
{
    const cmsis_nn_pool_params *p = pool_params;
    const int32_t channels = input_dims->c;
    const int32_t lowest = bytes == 1 ? NN_Q7_MIN : NN_Q15_MIN;
    if (input_dims->n < 1)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    for (int32_t b = 0; b < input_dims->n; b++)
    {
        const int32_t batch = b * input_dims->h * input_dims->w * channels;
        for (int32_t oy = 0; oy < output_dims->h; oy++)
        {
            const int32_t in_y0 = oy * p->stride.h - p->padding.h;
            const int32_t y_start = MAX(0, -in_y0);
            const int32_t y_end = MIN(filter_dims->h, input_dims->h - in_y0);
            for (int32_t ox = 0; ox < output_dims->w; ox++)
            {
                const int32_t in_x0 = ox * p->stride.w - p->padding.w;
                const int32_t x_start = MAX(0, -in_x0);
                const int32_t x_end = MIN(filter_dims->w, input_dims->w - in_x0);
                const int32_t count = MAX(0, y_end - y_start) * MAX(0, x_end - x_start);
                const int32_t out = ((b * output_dims->h + oy) * output_dims->w + ox) * channels;
                if (kind == STAI_NN_POOL_AVG && count == 0 && channels > 0)
                {
                    return ARM_CMSIS_NN_ARG_ERROR;
                }
                for (int32_t ch = 0; ch < channels; ch++)
                {
                    int32_t sum = 0;
                    int32_t max = lowest;
                    for (int32_t fy = y_start; fy < y_end; fy++)
                    {
                        for (int32_t fx = x_start; fx < x_end; fx++)
                        {
                            const int32_t at = ((in_y0 + fy) * input_dims->w + (in_x0 + fx)) * channels + ch;
                            const int32_t v = stai_code_load(input_data, batch + at, bytes);
                            if (kind == STAI_NN_POOL_AVG)
                            {
                                sum += v;
                            }
                            else
                            {
                                max = MAX(max, v);
                            }
                        }
                    }
                    int32_t value = max;
                    if (kind == STAI_NN_POOL_AVG)
                    {
                        value = sum > 0 ? (sum + count / 2) / count : (sum - count / 2) / count;
                    }
                    value = MAX(value, p->activation.min);
                    value = MIN(value, p->activation.max);
                    stai_code_store(output_data, out + ch, bytes, value);
                }
            }
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}

/*
 * Element-wise add, bit-exact with the TFLite Micro reference: each input is offset,
 * shifted left by left_shift and rescaled to a common scale; the sum is requantized to the
 * output, offset and clamped.
 */
STAI_CODES_INLINE void stai_nn_elementwise_add(const void *input_1_vect,
                                           const void *input_2_vect,
                                           int32_t input_1_offset,
                                           int32_t input_1_mult,
                                           int32_t input_1_shift,
                                           int32_t input_2_offset,
                                           int32_t input_2_mult,
                                           int32_t input_2_shift,
                                           int32_t left_shift,
                                           void *output,
                                           int32_t out_offset,
                                           int32_t out_mult,
                                           int32_t out_shift,
                                           int32_t out_activation_min,
                                           int32_t out_activation_max,
                                           int32_t block_size,
                                           int32_t bytes)
{
    for (int32_t i = 0; i < block_size; i++)
    {
        const int32_t a = stai_nn_shl_wrap(stai_code_load(input_1_vect, i, bytes) + input_1_offset, left_shift);
        const int32_t b = stai_nn_shl_wrap(stai_code_load(input_2_vect, i, bytes) + input_2_offset, left_shift);
        const int32_t scaled_a = arm_nn_requantize(a, input_1_mult, input_1_shift);
        const int32_t scaled_b = arm_nn_requantize(b, input_2_mult, input_2_shift);
        int32_t sum = arm_nn_requantize(scaled_a + scaled_b, out_mult, out_shift) + out_offset;
        sum = MAX(sum, out_activation_min);
        sum = MIN(sum, out_activation_max);
        stai_code_store(output, i, bytes, sum);
    }
}

/* Element-wise multiply, bit-exact with the TFLite Micro reference: the product of the
 * offset inputs is requantized, offset and clamped. */
STAI_CODES_INLINE void stai_nn_elementwise_mul(const void *input_1_vect,
                                           const void *input_2_vect,
                                           int32_t input_1_offset,
                                           int32_t input_2_offset,
                                           void *output,
                                           int32_t out_offset,
                                           int32_t out_mult,
                                           int32_t out_shift,
                                           int32_t out_activation_min,
                                           int32_t out_activation_max,
                                           int32_t block_size,
                                           int32_t bytes)
{
    for (int32_t i = 0; i < block_size; i++)
    {
        const int32_t a = stai_code_load(input_1_vect, i, bytes) + input_1_offset;
        const int32_t b = stai_code_load(input_2_vect, i, bytes) + input_2_offset;
        int32_t product = arm_nn_requantize(a * b, out_mult, out_shift) + out_offset;
        product = MAX(product, out_activation_min);
        product = MIN(product, out_activation_max);
        stai_code_store(output, i, bytes, product);
    }
}

#ifdef __cplusplus
}
#endif

#endif /* STAI_NN_CODES_H */
