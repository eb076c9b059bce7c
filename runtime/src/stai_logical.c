/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_compare_f32 stai_compare_s16 stai_compare_s32 stai_compare_s64 stai_compare_bool stai_compare_s8 stai_logical_and stai_logical_or stai_logical_not stai_select stai_cast stai_floor_mod_f32 */
/* stai-requires: */
/*
 * Kernels of boolean tensors: comparisons (the int8 one with TFLite Micro's rescaling to a
 * common scale, the int16 one of the codes), logical AND / OR / NOT, select, casts and the float floor modulo. The
 * binary kernels broadcast 4-D NHWC shapes: an input dimension of 1 repeats along the
 * output's.
 */
#include "stai_kernels_logical.h"

#include <math.h>
#include <stddef.h>

#include "stai_codes.h"
#include "stai_fixedpoint.h"

/* Fills *s for an input of shape d broadcast to shape out; 0 if the shapes do not fit. */
static int strides_of(const cmsis_nn_dims *d, const cmsis_nn_dims *out, stai_strides *s)
{
    return stai_dims_positive(d) && stai_dims_positive(out) && stai_broadcast_strides(d, out, s);
}

static size_t offset_of(const stai_strides *s, int32_t n, int32_t h, int32_t w, int32_t c)
{
    return (size_t)(n * s->n + h * s->h + w * s->w + c * s->c);
}

/* Runs BODY for every output element o (in order) with the input offsets i1 and i2. */
#define STAI_BROADCAST2(D1, D2, DOUT, BODY)                                                        \
    do                                                                                             \
    {                                                                                              \
        stai_strides s1_;                                                                          \
        stai_strides s2_;                                                                          \
        if (!strides_of((D1), (DOUT), &s1_) || !strides_of((D2), (DOUT), &s2_))                    \
        {                                                                                          \
            return ARM_CMSIS_NN_ARG_ERROR;                                                         \
        }                                                                                          \
        size_t o = 0;                                                                              \
        for (int32_t n = 0; n < (DOUT)->n; ++n)                                                    \
        {                                                                                          \
            for (int32_t h = 0; h < (DOUT)->h; ++h)                                                \
            {                                                                                      \
                for (int32_t w = 0; w < (DOUT)->w; ++w)                                            \
                {                                                                                  \
                    for (int32_t c = 0; c < (DOUT)->c; ++c)                                        \
                    {                                                                              \
                        const size_t i1 = offset_of(&s1_, n, h, w, c);                             \
                        const size_t i2 = offset_of(&s2_, n, h, w, c);                             \
                        BODY;                                                                      \
                        ++o;                                                                       \
                    }                                                                              \
                }                                                                                  \
            }                                                                                      \
        }                                                                                          \
    } while (0)

static bool compare_i64(int32_t predicate, int64_t a, int64_t b)
{
    switch (predicate)
    {
    case STAI_CMP_EQUAL:
        return a == b;
    case STAI_CMP_NOT_EQUAL:
        return a != b;
    case STAI_CMP_LESS:
        return a < b;
    case STAI_CMP_LESS_EQUAL:
        return a <= b;
    case STAI_CMP_GREATER:
        return a > b;
    default:
        return a >= b;
    }
}

static bool compare_f32(int32_t predicate, float a, float b)
{
    switch (predicate)
    {
    case STAI_CMP_EQUAL:
        return a == b;
    case STAI_CMP_NOT_EQUAL:
        return a != b;
    case STAI_CMP_LESS:
        return a < b;
    case STAI_CMP_LESS_EQUAL:
        return a <= b;
    case STAI_CMP_GREATER:
        return a > b;
    default:
        return a >= b;
    }
}

static int bad_predicate(int32_t predicate)
{
    return predicate < STAI_CMP_EQUAL || predicate > STAI_CMP_GREATER_EQUAL;
}

arm_cmsis_nn_status stai_compare_f32(int32_t predicate, const cmsis_nn_dims *input1_dims, const float *input1,
                                     const cmsis_nn_dims *input2_dims, const float *input2,
                                     const cmsis_nn_dims *output_dims, bool *output)
{
    if (bad_predicate(predicate))
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    STAI_BROADCAST2(input1_dims, input2_dims, output_dims,
                    output[o] = compare_f32(predicate, input1[i1], input2[i2]));
    return ARM_CMSIS_NN_SUCCESS;
}

#define STAI_COMPARE_INT(NAME, T)                                                                  \
    arm_cmsis_nn_status NAME(int32_t predicate, const cmsis_nn_dims *input1_dims, const T *input1, \
                             const cmsis_nn_dims *input2_dims, const T *input2,                    \
                             const cmsis_nn_dims *output_dims, bool *output)                       \
    {                                                                                              \
        if (bad_predicate(predicate))                                                              \
        {                                                                                          \
            return ARM_CMSIS_NN_ARG_ERROR;                                                         \
        }                                                                                          \
        STAI_BROADCAST2(input1_dims, input2_dims, output_dims,                                     \
                        output[o] = compare_i64(predicate, (int64_t)input1[i1], (int64_t)input2[i2])); \
        return ARM_CMSIS_NN_SUCCESS;                                                               \
    }

STAI_COMPARE_INT(stai_compare_s16, int16_t)
STAI_COMPARE_INT(stai_compare_s32, int32_t)
STAI_COMPARE_INT(stai_compare_s64, int64_t)
STAI_COMPARE_INT(stai_compare_bool, bool)

/* TFLite Micro's ComparisonWithScaling: (code + offset) * 2^8, times the Q31 multiplier. */
static int32_t scaled_s8(int8_t code, int32_t offset, int32_t multiplier, int32_t shift)
{
    const int32_t shifted = (code + offset) * ((int32_t)1 << 8);
    return stai_multiply_by_quantized_multiplier(shifted, multiplier, shift);
}

arm_cmsis_nn_status stai_compare_s8(int32_t predicate, const cmsis_nn_dims *input1_dims, const int8_t *input1,
                                    const cmsis_nn_dims *input2_dims, const int8_t *input2,
                                    const cmsis_nn_dims *output_dims, bool *output, int32_t input1_offset,
                                    int32_t input1_multiplier, int32_t input1_shift, int32_t input2_offset,
                                    int32_t input2_multiplier, int32_t input2_shift)
{
    if (bad_predicate(predicate) || input1_shift > 0 || input2_shift > 0 || input1_shift < -31 ||
        input2_shift < -31 || input1_offset < -127 || input1_offset > 128 || input2_offset < -127 ||
        input2_offset > 128)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    STAI_BROADCAST2(input1_dims, input2_dims, output_dims,
                    output[o] = compare_i64(
                        predicate,
                        scaled_s8(input1[i1], input1_offset, input1_multiplier, input1_shift),
                        scaled_s8(input2[i2], input2_offset, input2_multiplier, input2_shift)));
    return ARM_CMSIS_NN_SUCCESS;
}

arm_cmsis_nn_status stai_logical_and(const cmsis_nn_dims *input1_dims, const bool *input1,
                                     const cmsis_nn_dims *input2_dims, const bool *input2,
                                     const cmsis_nn_dims *output_dims, bool *output)
{
    STAI_BROADCAST2(input1_dims, input2_dims, output_dims, output[o] = input1[i1] && input2[i2]);
    return ARM_CMSIS_NN_SUCCESS;
}

arm_cmsis_nn_status stai_logical_or(const cmsis_nn_dims *input1_dims, const bool *input1,
                                    const cmsis_nn_dims *input2_dims, const bool *input2,
                                    const cmsis_nn_dims *output_dims, bool *output)
{
    STAI_BROADCAST2(input1_dims, input2_dims, output_dims, output[o] = input1[i1] || input2[i2]);
    return ARM_CMSIS_NN_SUCCESS;
}

arm_cmsis_nn_status stai_logical_not(const bool *input, bool *output, int32_t size)
{
    if (size < 0)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    for (int32_t i = 0; i < size; ++i)
    {
        output[i] = !input[i];
    }
    return ARM_CMSIS_NN_SUCCESS;
}

arm_cmsis_nn_status stai_select(const cmsis_nn_dims *condition_dims, const bool *condition,
                                const cmsis_nn_dims *x_dims, const void *x, const cmsis_nn_dims *y_dims,
                                const void *y, const cmsis_nn_dims *output_dims, void *output,
                                int32_t element_bytes)
{
    stai_strides sc;
    if (element_bytes != 1 && element_bytes != 2 && element_bytes != 4 && element_bytes != 8)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    if (!strides_of(condition_dims, output_dims, &sc))
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    const uint8_t *xb = (const uint8_t *)x;
    const uint8_t *yb = (const uint8_t *)y;
    uint8_t *out = (uint8_t *)output;
    const size_t bytes = (size_t)element_bytes;
    STAI_BROADCAST2(x_dims, y_dims, output_dims, {
        const uint8_t *from = condition[offset_of(&sc, n, h, w, c)] ? xb + i1 * bytes : yb + i2 * bytes;
        for (size_t b = 0; b < bytes; ++b)
        {
            out[o * bytes + b] = from[b];
        }
    });
    return ARM_CMSIS_NN_SUCCESS;
}

static int64_t saturated_i64(double value)
{
    if (value != value)
    {
        return 0;
    }
    if (value >= 9223372036854775807.0)
    {
        return INT64_MAX;
    }
    if (value <= -9223372036854775808.0)
    {
        return INT64_MIN;
    }
    return (int64_t)value;
}

/* A float truncated toward zero and saturated to a signed integer of `bits` bits (NaN: 0). */
static int64_t saturated_to(double value, int32_t bits)
{
    if (bits < 64)
    {
        const double high = (double)(((int64_t)1 << (bits - 1)) - 1);
        value = value > high ? high : value;
        value = value < -high - 1.0 ? -high - 1.0 : value;
    }
    return saturated_i64(value);
}

/* The low bits of v as a signed integer of `bits` bits (two's complement). */
static int64_t wrapped(int64_t v, int32_t bits)
{
    const uint64_t mask = bits == 64 ? ~(uint64_t)0 : (((uint64_t)1 << bits) - 1U);
    const uint64_t low = (uint64_t)v & mask;
    const uint64_t sign = (uint64_t)1 << (bits - 1);
    if (bits < 64 && (low & sign))
    {
        return -(int64_t)(((~low) & mask) + 1U);
    }
    return (int64_t)low;
}

static int32_t int_bits(int32_t type)
{
    switch (type)
    {
    case STAI_TYPE_S8:
        return 8;
    case STAI_TYPE_S16:
        return 16;
    case STAI_TYPE_S32:
        return 32;
    default:
        return 64;
    }
}

arm_cmsis_nn_status stai_cast(const void *input, int32_t input_type, void *output, int32_t output_type, int32_t size)
{
    if (size < 0 || input_type < STAI_TYPE_F32 || input_type > STAI_TYPE_BOOL || output_type < STAI_TYPE_F32 ||
        output_type > STAI_TYPE_BOOL)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    for (int32_t i = 0; i < size; ++i)
    {
        float real = 0.0f;
        int64_t whole = 0;
        int is_float = 0;
        switch (input_type)
        {
        case STAI_TYPE_F32:
            real = ((const float *)input)[i];
            is_float = 1;
            break;
        case STAI_TYPE_S8:
            whole = ((const int8_t *)input)[i];
            break;
        case STAI_TYPE_S16:
            whole = ((const int16_t *)input)[i];
            break;
        case STAI_TYPE_S32:
            whole = ((const int32_t *)input)[i];
            break;
        case STAI_TYPE_S64:
            whole = ((const int64_t *)input)[i];
            break;
        default:
            whole = ((const bool *)input)[i] ? 1 : 0;
            break;
        }
        switch (output_type)
        {
        case STAI_TYPE_F32:
            ((float *)output)[i] = is_float ? real : (float)whole;
            break;
        case STAI_TYPE_BOOL:
            ((bool *)output)[i] = is_float ? real != 0.0f : whole != 0;
            break;
        default: {
            const int32_t bits = int_bits(output_type);
            /* A float saturates to the type's range (TFLite Micro's interpreter does so);
             * an integer keeps its low bits. */
            const int64_t low = is_float ? saturated_to((double)real, bits) : wrapped(whole, bits);
            switch (output_type)
            {
            case STAI_TYPE_S8:
                ((int8_t *)output)[i] = (int8_t)low;
                break;
            case STAI_TYPE_S16:
                ((int16_t *)output)[i] = (int16_t)low;
                break;
            case STAI_TYPE_S32:
                ((int32_t *)output)[i] = (int32_t)low;
                break;
            default:
                ((int64_t *)output)[i] = low;
                break;
            }
            break;
        }
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}

arm_cmsis_nn_status stai_floor_mod_f32(const cmsis_nn_dims *input1_dims, const float *input1,
                                       const cmsis_nn_dims *input2_dims, const float *input2,
                                       const cmsis_nn_dims *output_dims, float *output)
{
    STAI_BROADCAST2(input1_dims, input2_dims, output_dims, {
        const float a = input1[i1];
        const float b = input2[i2];
        const float trunc_mod = fmodf(a, b);
        output[o] = (trunc_mod != 0.0f && ((b < 0.0f) != (trunc_mod < 0.0f))) ? trunc_mod + b : trunc_mod;
    });
    return ARM_CMSIS_NN_SUCCESS;
}
