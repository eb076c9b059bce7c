/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: arm_avgpool_s16 arm_avgpool_s16_get_buffer_size arm_avgpool_s16_get_buffer_size_dsp arm_avgpool_s16_get_buffer_size_mve */
/* stai-requires: */
/*
 * Portable s16 average pooling of the CMSIS-NN API, bit-exact with the TFLite Micro
 * reference: the window is clipped to the input, the sum of the raw int16 values is
 * divided by the number of values inside, rounded to nearest with ties away from zero,
 * then clamped. Scratch sizes are those of CMSIS-NN v7.0.0 (plain C: none; DSP: one
 * int32 per channel; Helium: none). The body, shared with the int8 version, is
 * stai_nn_pool (stai_nn_codes.h).
 */
#include "arm_nnfunctions.h"
#include "stai_nn_codes.h"

arm_cmsis_nn_status arm_avgpool_s16(const cmsis_nn_context *ctx,
                                    const cmsis_nn_pool_params *pool_params,
                                    const cmsis_nn_dims *input_dims,
                                    const int16_t *input_data,
                                    const cmsis_nn_dims *filter_dims,
                                    const cmsis_nn_dims *output_dims,
                                    int16_t *output_data)
{
    (void)ctx;
    return stai_nn_pool(
        pool_params, input_dims, input_data, filter_dims, output_dims, output_data, STAI_NN_POOL_AVG, 2);
}

int32_t arm_avgpool_s16_get_buffer_size(const int dim_dst_width, const int ch_src)
{
    (void)dim_dst_width;
    (void)ch_src;
    return 0;
}

int32_t arm_avgpool_s16_get_buffer_size_dsp(const int dim_dst_width, const int ch_src)
{
    (void)dim_dst_width;
    return ch_src * (int32_t)sizeof(int32_t);
}

int32_t arm_avgpool_s16_get_buffer_size_mve(const int dim_dst_width, const int ch_src)
{
    (void)dim_dst_width;
    (void)ch_src;
    return 0;
}
