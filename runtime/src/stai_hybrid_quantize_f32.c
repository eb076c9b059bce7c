/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_hybrid_quantize_f32 */
/* stai-requires: */
/*
 * Run-time int8 quantization of float activations, shared by the hybrid (dynamic-range)
 * kernels: one row (or one batch) at a time, as the TFLite reference hybrid kernels do it.
 *
 * - symmetric: s = max|x| / 127, q = round(x * (127 / max|x|)) clamped to [-127, 127];
 * - asymmetric over [min(0, x), max(0, x)]: the range is a float difference, the scale and
 *   the zero point are computed in double, the zero point is nudged into [-128, 127] and
 *   q = round(zero_point + x * (1 / scale)) (float) clamped to [-128, 127].
 *
 * An all-zero row gives q = 0, scale 1 and zero point 0.
 */
#include "stai_kernels_f32.h"

#include <math.h>
#include <stddef.h>

static void min_max_f32(const float *values, int32_t size, float *lo, float *hi)
{
    float mn = values[0];
    float mx = values[0];
    for (int32_t i = 1; i < size; i++)
    {
        if (values[i] < mn)
        {
            mn = values[i];
        }
        if (values[i] > mx)
        {
            mx = values[i];
        }
    }
    *lo = mn;
    *hi = mx;
}

static void zero_fill(int8_t *out, int32_t size)
{
    for (int32_t i = 0; i < size; i++)
    {
        out[i] = 0;
    }
}

static float quantize_symmetric(const float *values, int32_t size, int8_t *out)
{
    float lo;
    float hi;
    min_max_f32(values, size, &lo, &hi);
    const float range = fabsf(lo) > fabsf(hi) ? fabsf(lo) : fabsf(hi);
    if (range == 0.0f)
    {
        zero_fill(out, size);
        return 1.0f;
    }
    const float inverse = 127.0f / range;
    for (int32_t i = 0; i < size; i++)
    {
        int32_t q = (int32_t)roundf(values[i] * inverse);
        q = q < -127 ? -127 : (q > 127 ? 127 : q);
        out[i] = (int8_t)q;
    }
    return range / 127.0f;
}

/* The zero point of the range [rmin, rmax] (rmin < rmax, scale in double), nudged. */
static int32_t nudged_zero_point(double rmin, double rmax, double scale)
{
    const double qmin = -128.0;
    const double qmax = 127.0;
    const double from_min = qmin - rmin / scale;
    const double from_max = qmax - rmax / scale;
    const double error_min = fabs(qmin) + fabs(rmin / scale);
    const double error_max = fabs(qmax) + fabs(rmax / scale);
    const double zp = error_min < error_max ? from_min : from_max;
    if (zp <= qmin)
    {
        return -128;
    }
    if (zp >= qmax)
    {
        return 127;
    }
    return (int32_t)round(zp);
}

static float quantize_asymmetric(const float *values, int32_t size, int8_t *out, int32_t *zero_point)
{
    float lo;
    float hi;
    min_max_f32(values, size, &lo, &hi);
    const float rmin_f = lo < 0.0f ? lo : 0.0f;
    const float rmax_f = hi > 0.0f ? hi : 0.0f;
    if (rmin_f == rmax_f)
    {
        zero_fill(out, size);
        *zero_point = 0;
        return 1.0f;
    }
    const double scale = (double)(rmax_f - rmin_f) / 255.0;
    const int32_t nudged = nudged_zero_point((double)rmin_f, (double)rmax_f, scale);
    const float scale_f = (float)scale;
    const float inverse = 1.0f / scale_f;
    const float offset = (float)nudged;
    for (int32_t i = 0; i < size; i++)
    {
        int32_t q = (int32_t)roundf(offset + values[i] * inverse);
        q = q < -128 ? -128 : (q > 127 ? 127 : q);
        out[i] = (int8_t)q;
    }
    *zero_point = nudged;
    return scale_f;
}

arm_cmsis_nn_status stai_hybrid_quantize_f32(const float *values,
                                             int32_t size,
                                             int32_t asymmetric,
                                             int8_t *out,
                                             float *scale,
                                             int32_t *zero_point)
{
    if (values == NULL || size < 1 || out == NULL || scale == NULL || zero_point == NULL)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    if (asymmetric)
    {
        *scale = quantize_asymmetric(values, size, out, zero_point);
    }
    else
    {
        *scale = quantize_symmetric(values, size, out);
        *zero_point = 0;
    }
    return ARM_CMSIS_NN_SUCCESS;
}
