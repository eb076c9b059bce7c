/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Types of the CMSIS-NN API (release v7.0.0), the subset that stai's generated code and
 * portable kernels use. Names, members, member order and values are those of the API, so
 * that a generated program builds unchanged against a real CMSIS-NN.
 *
 * Offsets follow the API's convention: an `input_offset` is the negated zero point of
 * the input tensor (added to each input value), an `output_offset` is the zero point of
 * the output tensor (added after requantization).
 */
#ifndef ARM_NN_TYPES_H
#define ARM_NN_TYPES_H

#include <stdbool.h>
#include <stdint.h>

/** Result of every kernel. */
typedef enum
{
    ARM_CMSIS_NN_SUCCESS = 0,        /**< no error */
    ARM_CMSIS_NN_ARG_ERROR = -1,     /**< an argument is out of the supported range */
    ARM_CMSIS_NN_NO_IMPL_ERROR = -2, /**< no implementation for these arguments */
    ARM_CMSIS_NN_FAILURE = -3,       /**< logical error */
} arm_cmsis_nn_status;

/** A width and a height (strides, paddings, dilations). */
typedef struct
{
    int32_t w; /**< width */
    int32_t h; /**< height */
} cmsis_nn_tile;

/** Scratch memory handed to a kernel; `buf` may be NULL when the kernel needs none. */
typedef struct
{
    void *buf;    /**< scratch buffer */
    int32_t size; /**< its size in bytes */
} cmsis_nn_context;

/** The bias of an s16 (16x8) convolution: int64 values, or int32 when is_int32_bias. */
typedef struct
{
    const void *data;         /**< the bias values (may be NULL: no bias) */
    const bool is_int32_bias; /**< true: int32 values, false: int64 values */
} cmsis_nn_bias_data;

/** The two 513-entry lookup tables of the s16 softmax: exp(x) over [-10, 0] and
 *  1/(1 + x) over [0, 1]. */
typedef struct
{
    const int16_t *exp_lut;
    const int16_t *one_by_one_lut;
} cmsis_nn_softmax_lut_s16;

/** Tensor dimensions, NHWC; `n` is the batch or the output channels (filters). */
typedef struct
{
    int32_t n; /**< batches, or output channels for a filter */
    int32_t h; /**< height */
    int32_t w; /**< width */
    int32_t c; /**< channels */
} cmsis_nn_dims;

/** One Q31 multiplier and one shift (positive = left) per output channel. */
typedef struct
{
    int32_t *multiplier; /**< multipliers, one per output channel */
    int32_t *shift;      /**< shifts, one per output channel */
} cmsis_nn_per_channel_quant_params;

/** One Q31 multiplier and one shift (positive = left) for a whole tensor. */
typedef struct
{
    int32_t multiplier; /**< multiplier */
    int32_t shift;      /**< shift */
} cmsis_nn_per_tensor_quant_params;

/** Clamp range of the output (the fused activation). */
typedef struct
{
    int32_t min; /**< smallest output value */
    int32_t max; /**< largest output value */
} cmsis_nn_activation;

/** Convolution parameters. */
typedef struct
{
    int32_t input_offset;  /**< negated zero point of the input */
    int32_t output_offset; /**< zero point of the output */
    cmsis_nn_tile stride;
    cmsis_nn_tile padding;
    cmsis_nn_tile dilation;
    cmsis_nn_activation activation;
} cmsis_nn_conv_params;

/** Depthwise convolution parameters. */
typedef struct
{
    int32_t input_offset;  /**< negated zero point of the input */
    int32_t output_offset; /**< zero point of the output */
    int32_t ch_mult;       /**< channel multiplier: output channels = ch_mult * input channels */
    cmsis_nn_tile stride;
    cmsis_nn_tile padding;
    cmsis_nn_tile dilation;
    cmsis_nn_activation activation;
} cmsis_nn_dw_conv_params;

/** Pooling parameters. */
typedef struct
{
    cmsis_nn_tile stride;
    cmsis_nn_tile padding;
    cmsis_nn_activation activation;
} cmsis_nn_pool_params;

/** Fully-connected parameters. */
typedef struct
{
    int32_t input_offset;  /**< negated zero point of the input */
    int32_t filter_offset; /**< negated zero point of the filter (0 for int8 weights) */
    int32_t output_offset; /**< zero point of the output */
    cmsis_nn_activation activation;
} cmsis_nn_fc_params;

#endif /* ARM_NN_TYPES_H */
