/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_resize_nearest stai_resize_bilinear_f32 stai_resize_bilinear_s8 */
/* stai-requires: */
/*
 * Resizing of H and W of NHWC tensors: nearest neighbour by compile-time index tables,
 * bilinear in float or in 10-bit fixed point (the arithmetic of TFLite's reference
 * kernels, so int8 results are the same bits).
 */
#include "stai_kernels_indexing.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

static int stai_resize_dims_ok(const cmsis_nn_dims *in, const cmsis_nn_dims *out)
{
    return in->n == out->n && in->c == out->c && in->n >= 0 && in->c >= 0 && in->h > 0 &&
           in->w > 0 && out->h >= 0 && out->w >= 0;
}

arm_cmsis_nn_status stai_resize_nearest(const void *input,
                                        const cmsis_nn_dims *input_dims,
                                        void *output,
                                        const cmsis_nn_dims *output_dims,
                                        const int32_t *rows,
                                        const int32_t *cols,
                                        int32_t element_bytes)
{
    if (!stai_resize_dims_ok(input_dims, output_dims) || element_bytes <= 0)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    for (int32_t i = 0; i < output_dims->h; ++i)
    {
        if (rows[i] < 0 || rows[i] >= input_dims->h)
        {
            return ARM_CMSIS_NN_ARG_ERROR;
        }
    }
    for (int32_t i = 0; i < output_dims->w; ++i)
    {
        if (cols[i] < 0 || cols[i] >= input_dims->w)
        {
            return ARM_CMSIS_NN_ARG_ERROR;
        }
    }
    const size_t pixel = (size_t)input_dims->c * (size_t)element_bytes;
    const size_t in_row = pixel * (size_t)input_dims->w;
    const size_t in_image = in_row * (size_t)input_dims->h;
    const unsigned char *in = (const unsigned char *)input;
    unsigned char *out = (unsigned char *)output;
    for (int32_t b = 0; b < input_dims->n; ++b)
    {
        const unsigned char *image = in + (size_t)b * in_image;
        for (int32_t y = 0; y < output_dims->h; ++y)
        {
            const unsigned char *row = image + (size_t)rows[y] * in_row;
            for (int32_t x = 0; x < output_dims->w; ++x)
            {
                memcpy(out, row + (size_t)cols[x] * pixel, pixel);
                out += pixel;
            }
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}

/* The input coordinate of output index i and its two neighbours (float). */
static void stai_resize_position(
    int32_t i, float scale, float offset, int32_t size, float *position, int32_t *lo, int32_t *hi)
{
    const float v = ((float)i + offset) * scale - offset;
    const int32_t below = (int32_t)floorf(v);
    const int32_t above = (int32_t)ceilf(v);
    *position = v;
    *lo = below > 0 ? below : 0;
    *hi = above < size - 1 ? above : size - 1;
}

arm_cmsis_nn_status stai_resize_bilinear_f32(const float *input,
                                             const cmsis_nn_dims *input_dims,
                                             float *output,
                                             const cmsis_nn_dims *output_dims,
                                             float scale_h,
                                             float scale_w,
                                             float offset)
{
    if (!stai_resize_dims_ok(input_dims, output_dims))
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    const int32_t depth = input_dims->c;
    const int32_t in_w = input_dims->w;
    const int32_t in_h = input_dims->h;
    for (int32_t b = 0; b < input_dims->n; ++b)
    {
        const float *image = input + (size_t)b * (size_t)in_h * (size_t)in_w * (size_t)depth;
        for (int32_t y = 0; y < output_dims->h; ++y)
        {
            float vy;
            int32_t y0, y1;
            stai_resize_position(y, scale_h, offset, in_h, &vy, &y0, &y1);
            const float dy = vy - (float)y0;
            for (int32_t x = 0; x < output_dims->w; ++x)
            {
                float vx;
                int32_t x0, x1;
                stai_resize_position(x, scale_w, offset, in_w, &vx, &x0, &x1);
                const float dx = vx - (float)x0;
                const float *p00 = image + ((size_t)y0 * (size_t)in_w + (size_t)x0) * (size_t)depth;
                const float *p10 = image + ((size_t)y1 * (size_t)in_w + (size_t)x0) * (size_t)depth;
                const float *p01 = image + ((size_t)y0 * (size_t)in_w + (size_t)x1) * (size_t)depth;
                const float *p11 = image + ((size_t)y1 * (size_t)in_w + (size_t)x1) * (size_t)depth;
                for (int32_t c = 0; c < depth; ++c)
                {
                    *output++ = p00[c] * (1 - dy) * (1 - dx) + p10[c] * dy * (1 - dx) +
                                p01[c] * (1 - dy) * dx + p11[c] * dy * dx;
                }
            }
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}

/* The input coordinate of output index i in 1/1024 and its two neighbours (integer). */
static void stai_resize_position_q10(
    int32_t i, int32_t scale, int32_t half_pixel, int32_t size, int32_t *position, int32_t *lo, int32_t *hi)
{
    const int32_t v = half_pixel ? i * scale + scale / 2 - (1 << 9) : i * scale;
    const int32_t below = v / (1 << 10);
    const int32_t above = (v + (1 << 10) - 1) / (1 << 10);
    *position = v;
    *lo = below > 0 ? below : 0;
    *hi = above < size - 1 ? above : size - 1;
}

arm_cmsis_nn_status stai_resize_bilinear_s8(const int8_t *input,
                                            const cmsis_nn_dims *input_dims,
                                            int8_t *output,
                                            const cmsis_nn_dims *output_dims,
                                            int32_t scale_h,
                                            int32_t scale_w,
                                            int32_t half_pixel)
{
    if (!stai_resize_dims_ok(input_dims, output_dims))
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    const int32_t depth = input_dims->c;
    const int32_t in_w = input_dims->w;
    const int32_t in_h = input_dims->h;
    const int64_t one = 1 << 10;
    for (int32_t b = 0; b < input_dims->n; ++b)
    {
        const int8_t *image = input + (size_t)b * (size_t)in_h * (size_t)in_w * (size_t)depth;
        for (int32_t y = 0; y < output_dims->h; ++y)
        {
            int32_t vy, y0, y1;
            stai_resize_position_q10(y, scale_h, half_pixel, in_h, &vy, &y0, &y1);
            const int64_t dy = (int64_t)vy - one * y0;
            for (int32_t x = 0; x < output_dims->w; ++x)
            {
                int32_t vx, x0, x1;
                stai_resize_position_q10(x, scale_w, half_pixel, in_w, &vx, &x0, &x1);
                const int64_t dx = (int64_t)vx - one * x0;
                const int8_t *p00 = image + ((size_t)y0 * (size_t)in_w + (size_t)x0) * (size_t)depth;
                const int8_t *p10 = image + ((size_t)y1 * (size_t)in_w + (size_t)x0) * (size_t)depth;
                const int8_t *p01 = image + ((size_t)y0 * (size_t)in_w + (size_t)x1) * (size_t)depth;
                const int8_t *p11 = image + ((size_t)y1 * (size_t)in_w + (size_t)x1) * (size_t)depth;
                for (int32_t c = 0; c < depth; ++c)
                {
                    const int64_t sum = p00[c] * (one - dy) * (one - dx) + p10[c] * dy * (one - dx) +
                                        p01[c] * (one - dy) * dx + p11[c] * dy * dx;
                    /* rounded half away from zero, then truncated (TFLite's double rounding) */
                    const int64_t round = sum > 0 ? (1 << 19) : -(1 << 19);
                    *output++ = (int8_t)((sum + round) / (1 << 20));
                }
            }
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}
