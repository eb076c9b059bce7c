/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: arm_fully_connected_s8_get_buffer_size arm_fully_connected_s8_get_buffer_size_dsp arm_fully_connected_s8_get_buffer_size_mve */
/* stai-requires: */
/*
 * Scratch sizes of the s8 fully connected of the CMSIS-NN API (release v7.0.0): none in
 * a plain-C or DSP build; one int32 kernel sum per output channel on Helium.
 */
#include "arm_nnfunctions.h"

int32_t arm_fully_connected_s8_get_buffer_size_dsp(const cmsis_nn_dims *filter_dims)
{
    (void)filter_dims;
    return 0;
}

int32_t arm_fully_connected_s8_get_buffer_size_mve(const cmsis_nn_dims *filter_dims)
{
    return filter_dims->c * (int32_t)sizeof(int32_t);
}

int32_t arm_fully_connected_s8_get_buffer_size(const cmsis_nn_dims *filter_dims)
{
    return arm_fully_connected_s8_get_buffer_size_dsp(filter_dims);
}
