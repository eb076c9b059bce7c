/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private helpers of stai's codebook kernels (k-means-shared weights, compress-weights):
 * the packed index of a weight, the check of the arguments the fully-connected ones
 * share, and the one body of the float and int8 convolutions. Not part of the public API.
 */
#ifndef STAI_CODEBOOK_H
#define STAI_CODEBOOK_H

#include <stddef.h>
#include <stdint.h>

#include "arm_nn_types.h"
#include "arm_nnsupportfunctions.h"
#include "stai_fixedpoint.h"

/* The codebook index of flat weight position i: one byte each (index_bits 8), or two
 * 4-bit indices per byte, low nibble first (index_bits 4). */
static inline uint32_t stai_codebook_index(const uint8_t *indices, int32_t index_bits, size_t i)
{
    if (index_bits == 8)
    {
        return indices[i];
    }
    const uint8_t byte = indices[i >> 1];
    return (i & 1u) ? (uint32_t)(byte >> 4) : (uint32_t)(byte & 0x0Fu);
}

/* Whether the arguments a codebook fully connected shares describe a consistent layer. */
static inline int stai_codebook_fc_args_ok(const cmsis_nn_dims *input_dims,
                                           const cmsis_nn_dims *filter_dims,
                                           const cmsis_nn_dims *output_dims,
                                           const void *codebook,
                                           const uint8_t *indices,
                                           int32_t index_bits)
{
    if (input_dims == NULL || filter_dims == NULL || output_dims == NULL || codebook == NULL ||
        indices == NULL || (index_bits != 4 && index_bits != 8))
    {
        return 0;
    }
    return input_dims->n >= 0 && filter_dims->n >= 0 && output_dims->c == filter_dims->c;
}

/* The geometry of a codebook convolution, from the API's arguments: filter_dims->c input
 * channels per group (in_c itself without groups). */
typedef struct
{
    int32_t batches, in_h, in_w, in_c;
    int32_t out_h, out_w, out_c;
    int32_t k_h, k_w, group_c, filters_per_group;
    cmsis_nn_tile stride, padding, dilation;
} stai_codebook_conv_shape;

/* Fills *s; 0 for inconsistent sizes (batches, filters, groups, strides, dilations). */
static inline int stai_codebook_conv_shape_of(const cmsis_nn_dims *input_dims,
                                              const cmsis_nn_dims *filter_dims,
                                              const cmsis_nn_dims *output_dims,
                                              cmsis_nn_tile stride,
                                              cmsis_nn_tile padding,
                                              cmsis_nn_tile dilation,
                                              stai_codebook_conv_shape *s)
{
    const int32_t in_c = input_dims->c;
    const int32_t out_c = output_dims->c;
    const int32_t group_c = filter_dims->c;
    if (input_dims->n != output_dims->n || filter_dims->n != out_c || group_c <= 0 || in_c % group_c != 0 ||
        stride.h < 1 || stride.w < 1 || dilation.h < 1 || dilation.w < 1 || out_c % (in_c / group_c) != 0)
    {
        return 0;
    }
    const stai_codebook_conv_shape shape = {
        input_dims->n, input_dims->h, input_dims->w, in_c,   output_dims->h, output_dims->w, out_c, filter_dims->h,
        filter_dims->w, group_c,      out_c / (in_c / group_c), stride, padding,        dilation};
    *s = shape;
    return 1;
}

/* The int8 convolution's arithmetic (the CMSIS-NN API's s8 convolution): the input offset
 * added to each input, the per-channel requantization, the output offset and the clamp. */
typedef struct
{
    int32_t input_offset;
    int32_t output_offset;
    const int32_t *multiplier;
    const int32_t *shift;
    int32_t act_min;
    int32_t act_max;
} stai_codebook_conv_s8_quant;

/*
 * The body of stai_conv2d_codebook_f32 (q NULL: float input, codebook, bias and output,
 * clamped to [act_min, act_max]) and stai_conv2d_codebook_s8 (int8 input, codebook and
 * output, int32 bias, q's arithmetic). Filter element (oc, ky, kx, i) is the codebook
 * entry of flat index ((oc * k_h + ky) * k_w + kx) * group_c + i, decoded inside the sums;
 * each sum runs over (ky, kx, i), taps outside the input skipped, then adds the bias.
 */
static inline void stai_codebook_conv(const stai_codebook_conv_shape *s,
                                      const stai_codebook_conv_s8_quant *q,
                                      float act_min,
                                      float act_max,
                                      const void *input,
                                      const void *codebook,
                                      const uint8_t *indices,
                                      int32_t index_bits,
                                      const void *bias,
                                      void *output)
{
    for (int32_t b = 0; b < s->batches; b++)
    {
        const size_t in_batch = (size_t)b * s->in_h * s->in_w * s->in_c;
        for (int32_t oy = 0; oy < s->out_h; oy++)
        {
            const int32_t y0 = oy * s->stride.h - s->padding.h;
            for (int32_t ox = 0; ox < s->out_w; ox++)
            {
                const int32_t x0 = ox * s->stride.w - s->padding.w;
                const size_t out_pixel = (((size_t)b * s->out_h + oy) * s->out_w + ox) * s->out_c;
                for (int32_t oc = 0; oc < s->out_c; oc++)
                {
                    const int32_t channel_base = (oc / s->filters_per_group) * s->group_c;
                    const size_t filter_base = (size_t)oc * s->k_h * s->k_w * s->group_c;
                    float total = 0.0f;
                    int32_t acc = 0;
                    for (int32_t ky = 0; ky < s->k_h; ky++)
                    {
                        const int32_t iy = y0 + ky * s->dilation.h;
                        if (iy < 0 || iy >= s->in_h)
                        {
                            continue;
                        }
                        for (int32_t kx = 0; kx < s->k_w; kx++)
                        {
                            const int32_t ix = x0 + kx * s->dilation.w;
                            if (ix < 0 || ix >= s->in_w)
                            {
                                continue;
                            }
                            const size_t in_px = in_batch + ((size_t)iy * s->in_w + ix) * s->in_c + channel_base;
                            const size_t w_base = filter_base + ((size_t)ky * s->k_w + kx) * s->group_c;
                            for (int32_t i = 0; i < s->group_c; i++)
                            {
                                const uint32_t w = stai_codebook_index(indices, index_bits, w_base + (size_t)i);
                                if (q != NULL)
                                {
                                    const int32_t x = ((const int8_t *)input)[in_px + (size_t)i];
                                    acc += (x + q->input_offset) * ((const int8_t *)codebook)[w];
                                }
                                else
                                {
                                    total += ((const float *)input)[in_px + (size_t)i] * ((const float *)codebook)[w];
                                }
                            }
                        }
                    }
                    if (q != NULL)
                    {
                        acc += bias != NULL ? ((const int32_t *)bias)[oc] : 0;
                        acc = arm_nn_requantize(acc, q->multiplier[oc], q->shift[oc]) + q->output_offset;
                        ((int8_t *)output)[out_pixel + (size_t)oc] = (int8_t)stai_clamp_s32(acc, q->act_min, q->act_max);
                    }
                    else
                    {
                        float value = total + (bias != NULL ? ((const float *)bias)[oc] : 0.0f);
                        value = value < act_min ? act_min : value;
                        ((float *)output)[out_pixel + (size_t)oc] = value > act_max ? act_max : value;
                    }
                }
            }
        }
    }
}

#endif /* STAI_CODEBOOK_H */
