/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: arm_depthwise_conv_wrapper_s8_get_buffer_size arm_depthwise_conv_wrapper_s8_get_buffer_size_dsp arm_depthwise_conv_wrapper_s8_get_buffer_size_mve arm_depthwise_conv_s8_opt_get_buffer_size arm_depthwise_conv_s8_opt_get_buffer_size_dsp arm_depthwise_conv_s8_opt_get_buffer_size_mve */
/* stai-requires: arm_convolve_get_buffer_sizes_s8.c */
/*
 * Scratch sizes of the s8 depthwise convolution of the CMSIS-NN API (release v7.0.0).
 * The plain functions give what a plain-C build needs (nothing); the _dsp and _mve
 * functions give what a CMSIS-NN built with GCC for those Cortex-M extensions needs.
 * lowering/scratch_sizes.py has the same formulas.
 */
#include "arm_nnfunctions.h"
#include "arm_nnsupportfunctions.h"

/* True when the wrapper takes its optimized path (channel multiplier 1, one batch, no dilation). */
static bool stai_dw_is_opt(const cmsis_nn_dw_conv_params *p,
                           const cmsis_nn_dims *input_dims,
                           const cmsis_nn_dims *output_dims)
{
    return input_dims->c == output_dims->c && input_dims->n == 1 && p->dilation.w == 1 && p->dilation.h == 1;
}

/* Helium: one input channel is run as a regular convolution, plus a reordered filter copy. */
static int32_t stai_dw_one_in_ch_size_mve(const cmsis_nn_dw_conv_params *p,
                                          const cmsis_nn_dims *input_dims,
                                          const cmsis_nn_dims *filter_dims,
                                          const cmsis_nn_dims *output_dims)
{
    const cmsis_nn_dims conv_filter = {filter_dims->c, filter_dims->h, filter_dims->w, filter_dims->n};
    cmsis_nn_conv_params conv;
    conv.input_offset = p->input_offset;
    conv.output_offset = p->output_offset;
    conv.stride = p->stride;
    conv.padding = p->padding;
    conv.dilation = p->dilation;
    conv.activation = p->activation;
    return arm_convolve_wrapper_s8_get_buffer_size_mve(&conv, input_dims, &conv_filter, output_dims) +
        filter_dims->c * filter_dims->h * filter_dims->w * filter_dims->n;
}

int32_t arm_depthwise_conv_s8_opt_get_buffer_size_mve(const cmsis_nn_dims *input_dims,
                                                      const cmsis_nn_dims *filter_dims)
{
    (void)input_dims;
    return 4 * CH_IN_BLOCK_MVE * filter_dims->w * filter_dims->h * (int32_t)sizeof(int8_t);
}

int32_t arm_depthwise_conv_s8_opt_get_buffer_size_dsp(const cmsis_nn_dims *input_dims,
                                                      const cmsis_nn_dims *filter_dims)
{
    return input_dims->c * filter_dims->w * filter_dims->h * (int32_t)sizeof(int16_t);
}

int32_t arm_depthwise_conv_s8_opt_get_buffer_size(const cmsis_nn_dims *input_dims, const cmsis_nn_dims *filter_dims)
{
    (void)input_dims;
    (void)filter_dims;
    return 0;
}

int32_t arm_depthwise_conv_wrapper_s8_get_buffer_size(const cmsis_nn_dw_conv_params *dw_conv_params,
                                                      const cmsis_nn_dims *input_dims,
                                                      const cmsis_nn_dims *filter_dims,
                                                      const cmsis_nn_dims *output_dims)
{
    (void)dw_conv_params;
    (void)input_dims;
    (void)filter_dims;
    (void)output_dims;
    return 0;
}

int32_t arm_depthwise_conv_wrapper_s8_get_buffer_size_dsp(const cmsis_nn_dw_conv_params *dw_conv_params,
                                                          const cmsis_nn_dims *input_dims,
                                                          const cmsis_nn_dims *filter_dims,
                                                          const cmsis_nn_dims *output_dims)
{
    if (!stai_dw_is_opt(dw_conv_params, input_dims, output_dims))
    {
        return 0;
    }
    if (filter_dims->w == 3 && filter_dims->h == 3 && dw_conv_params->padding.h <= 1 &&
        dw_conv_params->padding.w <= 1)
    {
        return 0; /* the 3x3 kernel needs no buffer */
    }
    return arm_depthwise_conv_s8_opt_get_buffer_size_dsp(input_dims, filter_dims);
}

int32_t arm_depthwise_conv_wrapper_s8_get_buffer_size_mve(const cmsis_nn_dw_conv_params *dw_conv_params,
                                                          const cmsis_nn_dims *input_dims,
                                                          const cmsis_nn_dims *filter_dims,
                                                          const cmsis_nn_dims *output_dims)
{
    int32_t size = 0;
    if (stai_dw_is_opt(dw_conv_params, input_dims, output_dims))
    {
        size = arm_depthwise_conv_s8_opt_get_buffer_size_mve(input_dims, filter_dims);
    }
    if (input_dims->c == 1 && output_dims->c > CONVERT_DW_CONV_WITH_ONE_INPUT_CH_AND_OUTPUT_CH_ABOVE_THRESHOLD)
    {
        const int32_t to_conv_size = stai_dw_one_in_ch_size_mve(dw_conv_params, input_dims, filter_dims, output_dims);
        if (to_conv_size > size)
        {
            return to_conv_size;
        }
    }
    return size;
}
