/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One body for the 16x8 convolution, depthwise convolution and fully connected kernels
 * (int16 activations, int8 weights, 64-bit accumulators, offsets 0): the portable
 * arm_convolve_s16, arm_depthwise_conv_s16 and arm_fully_connected_s16 of the CMSIS-NN
 * API and stai's stai_fully_connected_per_channel_s16. Private to the runtime; bit-exact
 * with the TFLite Micro reference kernels.
 */
#ifndef STAI_CONV_S16_H
#define STAI_CONV_S16_H

#include <stddef.h>
#include <stdint.h>

#include "arm_nn_types.h"
#include "stai_kernels_s16.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The 64-bit requantization of one output channel, clamped to [lo, hi]. */
static inline int16_t stai_requantize_clamp_s16(int64_t acc, int32_t multiplier, int32_t shift, int32_t lo, int32_t hi)
{
    const int32_t value = stai_requantize_s64(acc, multiplier, shift);
    return (int16_t)(value < lo ? lo : (value > hi ? hi : value));
}

/* Whether a multiplier and shift suit stai_requantize_s64: multiplier >= 0, -31 <= shift <= 7. */
static inline int stai_quant_s16_ok(int32_t multiplier, int32_t shift)
{
    return shift <= 7 && shift >= -31 && multiplier >= 0;
}

/* Whether the count multipliers and shifts of per-channel parameters suit it. */
static inline int stai_per_channel_s16_ok(const cmsis_nn_per_channel_quant_params *quant_params, int32_t count)
{
    for (int32_t o = 0; o < count; ++o)
    {
        if (!stai_quant_s16_ok(quant_params->multiplier[o], quant_params->shift[o]))
        {
            return 0;
        }
    }
    return 1;
}

/* The geometry of a convolution (depthwise or not), from the API's arguments. */
typedef struct
{
    int32_t batches, in_h, in_w, in_c;
    int32_t k_h, k_w, filter_c;
    int32_t out_h, out_w, out_c;
    cmsis_nn_tile stride, padding, dilation;
    cmsis_nn_activation activation;
    int32_t depthwise; /* 1: output channel o reads input channel o / ch_mult alone */
    int32_t ch_mult;
} stai_conv_s16_shape;

static inline stai_conv_s16_shape stai_conv_s16_shape_of(const cmsis_nn_dims *input_dims,
                                                         const cmsis_nn_dims *filter_dims,
                                                         const cmsis_nn_dims *output_dims,
                                                         cmsis_nn_tile stride,
                                                         cmsis_nn_tile padding,
                                                         cmsis_nn_tile dilation,
                                                         cmsis_nn_activation activation,
                                                         int32_t depthwise,
                                                         int32_t ch_mult)
{
    const stai_conv_s16_shape s = {input_dims->n, input_dims->h, input_dims->w, input_dims->c, filter_dims->h,
                                   filter_dims->w, filter_dims->c, output_dims->h, output_dims->w, output_dims->c,
                                   stride,         padding,        dilation,       activation,     depthwise,
                                   ch_mult};
    return s;
}

/*
 * The convolution of every batch: for each output pixel and channel o, a 64-bit sum over
 * the filter window (pixels outside the image skipped), plus the bias (bias_32: int32_t
 * values, else int64_t; NULL: none), requantized by the channel's multiplier and shift and
 * clamped. A regular convolution's filter is [out_c, k_h, k_w, in_c]; a depthwise one's
 * [1, k_h, k_w, out_c]. ARM_CMSIS_NN_ARG_ERROR, nothing written, for inconsistent sizes.
 */
static inline arm_cmsis_nn_status stai_conv_s16(const stai_conv_s16_shape *s,
                                                const cmsis_nn_per_channel_quant_params *quant_params,
                                                const int16_t *input_data,
                                                const int8_t *filter_data,
                                                const void *bias,
                                                int32_t bias_32,
                                                int16_t *output_data)
{
    const int32_t lo = s->activation.min;
    const int32_t hi = s->activation.max;
    const int32_t channels_bad = s->depthwise ? s->ch_mult <= 0 || s->out_c != s->in_c * s->ch_mult
                                              : s->out_c <= 0 || s->filter_c != s->in_c;
    if (s->batches < 0 || s->in_c <= 0 || s->k_h <= 0 || s->k_w <= 0 || channels_bad || s->stride.h <= 0 ||
        s->stride.w <= 0 || s->dilation.h <= 0 || s->dilation.w <= 0 || lo > hi ||
        !stai_per_channel_s16_ok(quant_params, s->out_c))
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    /* per tap: the input channels summed and where the filter's next tap starts */
    const int32_t tap_channels = s->depthwise ? 1 : s->in_c;
    const int32_t tap_step = s->depthwise ? s->out_c : s->in_c;
    for (int32_t b = 0; b < s->batches; ++b)
    {
        const int16_t *image = input_data + (int64_t)b * s->in_h * s->in_w * s->in_c;
        int16_t *result = output_data + (int64_t)b * s->out_h * s->out_w * s->out_c;
        for (int32_t oy = 0; oy < s->out_h; ++oy)
        {
            const int32_t y0 = oy * s->stride.h - s->padding.h;
            for (int32_t ox = 0; ox < s->out_w; ++ox)
            {
                const int32_t x0 = ox * s->stride.w - s->padding.w;
                for (int32_t o = 0; o < s->out_c; ++o)
                {
                    const int32_t first_channel = s->depthwise ? o / s->ch_mult : 0;
                    const int8_t *filter = filter_data + (s->depthwise ? o : (int64_t)o * s->k_h * s->k_w * s->in_c);
                    int64_t acc = 0;
                    for (int32_t ky = 0; ky < s->k_h; ++ky)
                    {
                        const int32_t iy = y0 + ky * s->dilation.h;
                        if (iy < 0 || iy >= s->in_h)
                        {
                            continue;
                        }
                        for (int32_t kx = 0; kx < s->k_w; ++kx)
                        {
                            const int32_t ix = x0 + kx * s->dilation.w;
                            if (ix < 0 || ix >= s->in_w)
                            {
                                continue;
                            }
                            const int16_t *pixel = image + ((int64_t)iy * s->in_w + ix) * s->in_c + first_channel;
                            const int8_t *taps = filter + ((int64_t)ky * s->k_w + kx) * tap_step;
                            for (int32_t i = 0; i < tap_channels; ++i)
                            {
                                acc += (int64_t)((int32_t)pixel[i] * (int32_t)taps[i]);
                            }
                        }
                    }
                    if (bias != NULL)
                    {
                        acc += bias_32 ? (int64_t)((const int32_t *)bias)[o] : ((const int64_t *)bias)[o];
                    }
                    result[((int64_t)oy * s->out_w + ox) * s->out_c + o] =
                        stai_requantize_clamp_s16(acc, quant_params->multiplier[o], quant_params->shift[o], lo, hi);
                }
            }
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}

/*
 * Fully connected: out[b][o] = clamp(requantize_s64(bias[o] + sum_i in[b][i] * w[o][i]))
 * with output o's multiplier and shift at multiplier[o * per_channel], shift[o *
 * per_channel] (per_channel 0: one for the tensor). bias_data may be NULL.
 */
static inline arm_cmsis_nn_status stai_fully_connected_s16(const cmsis_nn_fc_params *fc_params,
                                                           const int32_t *multiplier,
                                                           const int32_t *shift,
                                                           int32_t per_channel,
                                                           const cmsis_nn_dims *input_dims,
                                                           const int16_t *input_data,
                                                           const cmsis_nn_dims *filter_dims,
                                                           const int8_t *filter_data,
                                                           const int64_t *bias_data,
                                                           const cmsis_nn_dims *output_dims,
                                                           int16_t *output_data)
{
    const int32_t depth = filter_dims->n;
    const int32_t outputs = output_dims->c;
    const int32_t lo = fc_params->activation.min;
    const int32_t hi = fc_params->activation.max;
    if (depth <= 0 || outputs <= 0 || input_dims->n < 0 || lo > hi)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    for (int32_t o = 0; o < outputs; ++o)
    {
        if (!stai_quant_s16_ok(multiplier[o * per_channel], shift[o * per_channel]))
        {
            return ARM_CMSIS_NN_ARG_ERROR;
        }
    }
    for (int32_t b = 0; b < input_dims->n; ++b)
    {
        const int16_t *row = input_data + (int64_t)b * depth;
        for (int32_t o = 0; o < outputs; ++o)
        {
            const int8_t *weights = filter_data + (int64_t)o * depth;
            int64_t acc = bias_data != NULL ? bias_data[o] : 0;
            for (int32_t i = 0; i < depth; ++i)
            {
                acc += (int64_t)((int32_t)row[i] * (int32_t)weights[i]);
            }
            output_data[(int64_t)b * outputs + o] =
                stai_requantize_clamp_s16(acc, multiplier[o * per_channel], shift[o * per_channel], lo, hi);
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}

#ifdef __cplusplus
}
#endif

#endif /* STAI_CONV_S16_H */
