/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: arm_convolve_wrapper_s8_get_buffer_size arm_convolve_wrapper_s8_get_buffer_size_dsp arm_convolve_wrapper_s8_get_buffer_size_mve arm_convolve_s8_get_buffer_size arm_convolve_1_x_n_s8_get_buffer_size arm_convolve_1x1_s8_fast_get_buffer_size */
/* stai-requires: */
/*
 * Scratch sizes of the s8 convolution of the CMSIS-NN API (release v7.0.0). The plain
 * functions give what a plain-C build (no DSP, no Helium) needs, which is what the
 * portable kernels accept; the _dsp and _mve functions give what a CMSIS-NN built with
 * GCC for those Cortex-M extensions needs. lowering/scratch_sizes.py has the same formulas.
 */
#include "arm_nnfunctions.h"
#include "arm_nnsupportfunctions.h"

/* True when the wrapper takes its 1x1 path (pointwise, no padding, no dilation). */
static bool stai_conv_is_1x1(const cmsis_nn_conv_params *p, const cmsis_nn_dims *filter_dims)
{
    return p->padding.w == 0 && p->padding.h == 0 && filter_dims->w == 1 && filter_dims->h == 1 &&
        p->dilation.w == 1 && p->dilation.h == 1;
}

/* True when the wrapper takes its 1xN path (one input row, one filter row). */
static bool stai_conv_is_1_x_n(const cmsis_nn_conv_params *p,
                               const cmsis_nn_dims *input_dims,
                               const cmsis_nn_dims *filter_dims)
{
    return input_dims->h == 1 && p->dilation.w == 1 && filter_dims->h == 1 && (p->stride.w * input_dims->c) % 4 == 0;
}

/* Helium im2col: four columns, each rounded up to whole 16-byte vectors. */
static int32_t stai_convolve_s8_size_mve(const cmsis_nn_dims *input_dims, const cmsis_nn_dims *filter_dims)
{
    const int32_t col_length = input_dims->c * filter_dims->w * filter_dims->h;
    return 4 * ((col_length + 15) / 16) * 16 * (int32_t)sizeof(int8_t);
}

/* Helium 1xN: one padded im2col row, unless the padding pattern sends it to the general path. */
static int32_t stai_convolve_1_x_n_s8_size_mve(const cmsis_nn_conv_params *p,
                                               const cmsis_nn_dims *input_dims,
                                               const cmsis_nn_dims *filter_dims,
                                               const cmsis_nn_dims *output_dims)
{
    const int32_t pad_x = p->padding.w;
    const int32_t stride_x = p->stride.w;
    const int32_t kernel_x = filter_dims->w;
    const int32_t output_x = output_dims->w;
    const int32_t total_pad = (output_x - 1) * stride_x + kernel_x - input_dims->w;
    const int32_t asym_pad = total_pad % 2;
    const int32_t right_pad_num =
        pad_x + asym_pad != 0 ? MAX(1, (pad_x + asym_pad + stride_x - 1) / stride_x) : 0;
    const int32_t left_pad_num = pad_x != 0 ? MAX(1, (pad_x + stride_x - 1) / stride_x) : 0;
    const int32_t no_pad_num = MAX(output_x - (right_pad_num + left_pad_num), 0);
    if (right_pad_num + no_pad_num + left_pad_num != output_x)
    {
        return stai_convolve_s8_size_mve(input_dims, filter_dims);
    }
    const int32_t pad_size_left = pad_x * input_dims->c;
    const int32_t pad_size_right = asym_pad ? right_pad_num * input_dims->c : pad_size_left;
    const int32_t num_elem_left = kernel_x * input_dims->c;
    const int32_t num_elem_right = num_elem_left - input_dims->c;
    return MAX(num_elem_left + pad_size_left, num_elem_right + pad_size_right);
}

int32_t arm_convolve_s8_get_buffer_size(const cmsis_nn_dims *input_dims, const cmsis_nn_dims *filter_dims)
{
    const int32_t rhs_cols = filter_dims->w * filter_dims->h * input_dims->c;
    const int32_t aligned_rhs_cols = (rhs_cols + 3) / 4 * 4;
    return 2 * aligned_rhs_cols * (int32_t)sizeof(int16_t);
}

int32_t arm_convolve_1_x_n_s8_get_buffer_size(const cmsis_nn_conv_params *conv_params,
                                              const cmsis_nn_dims *input_dims,
                                              const cmsis_nn_dims *filter_dims,
                                              const cmsis_nn_dims *output_dims)
{
    (void)conv_params;
    (void)output_dims;
    return arm_convolve_s8_get_buffer_size(input_dims, filter_dims);
}

int32_t arm_convolve_1x1_s8_fast_get_buffer_size(const cmsis_nn_dims *input_dims)
{
    (void)input_dims;
    return 0;
}

int32_t arm_convolve_wrapper_s8_get_buffer_size(const cmsis_nn_conv_params *conv_params,
                                                const cmsis_nn_dims *input_dims,
                                                const cmsis_nn_dims *filter_dims,
                                                const cmsis_nn_dims *output_dims)
{
    if (stai_conv_is_1x1(conv_params, filter_dims))
    {
        return 0;
    }
    if (stai_conv_is_1_x_n(conv_params, input_dims, filter_dims))
    {
        return arm_convolve_1_x_n_s8_get_buffer_size(conv_params, input_dims, filter_dims, output_dims);
    }
    return arm_convolve_s8_get_buffer_size(input_dims, filter_dims);
}

int32_t arm_convolve_wrapper_s8_get_buffer_size_dsp(const cmsis_nn_conv_params *conv_params,
                                                    const cmsis_nn_dims *input_dims,
                                                    const cmsis_nn_dims *filter_dims,
                                                    const cmsis_nn_dims *output_dims)
{
    /* Same as the plain-C sizes: the DSP 1x1 buffer exists only in Arm Compiler builds. */
    return arm_convolve_wrapper_s8_get_buffer_size(conv_params, input_dims, filter_dims, output_dims);
}

int32_t arm_convolve_wrapper_s8_get_buffer_size_mve(const cmsis_nn_conv_params *conv_params,
                                                    const cmsis_nn_dims *input_dims,
                                                    const cmsis_nn_dims *filter_dims,
                                                    const cmsis_nn_dims *output_dims)
{
    if (stai_conv_is_1x1(conv_params, filter_dims))
    {
        return 0;
    }
    if (stai_conv_is_1_x_n(conv_params, input_dims, filter_dims))
    {
        return stai_convolve_1_x_n_s8_size_mve(conv_params, input_dims, filter_dims, output_dims);
    }
    return stai_convolve_s8_size_mve(input_dims, filter_dims);
}
