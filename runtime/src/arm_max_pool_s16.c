/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: arm_max_pool_s16 */
/* stai-requires: */
/*
 * Portable s16 max pooling of the CMSIS-NN API, bit-exact with the TFLite Micro
 * reference: the maximum over the window clipped to the input, then clamped. The body,
 * shared with the int8 version, is stai_nn_pool (stai_nn_codes.h).
 */
#include "arm_nnfunctions.h"
#include "stai_nn_codes.h"

arm_cmsis_nn_status arm_max_pool_s16(const cmsis_nn_context *ctx,
                                     const cmsis_nn_pool_params *pool_params,
                                     const cmsis_nn_dims *input_dims,
                                     const int16_t *input_data,
                                     const cmsis_nn_dims *filter_dims,
                                     const cmsis_nn_dims *output_dims,
                                     int16_t *output_data)
{
    (void)ctx;
    return stai_nn_pool(
        pool_params, input_dims, input_data, filter_dims, output_dims, output_data, STAI_NN_POOL_MAX, 2);
}
