/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_batch_matmul_f32 stai_batch_matmul_s8 stai_batch_matmul_s16 */
/* stai-requires: */
/* Batch matmul over broadcast batch axes, float32, int8 and 16x8 (stai_kernels_matmul.h). */
#include "stai_kernels_matmul.h"

#include "arm_nnsupportfunctions.h"
#include "stai_kernels_s16.h"

#include <stddef.h>

/* The operands' and the output's geometry, read once from the table. */
typedef struct
{
    int32_t batches[3];
    int32_t lhs_step[3];
    int32_t rhs_step[3];
    int32_t rows;
    int32_t cols;
    int32_t depth;
    /* elements between consecutive depth steps and rows / columns of each operand */
    int32_t lhs_row_step;
    int32_t lhs_depth_step;
    int32_t rhs_col_step;
    int32_t rhs_depth_step;
} stai_bmm_geometry;

static int stai_bmm_read(const int32_t *g, stai_bmm_geometry *out)
{
    for (int i = 0; i < 3; ++i)
    {
        if (g[i] <= 0 || g[3 + i] < 0 || g[6 + i] < 0)
        {
            return 0;
        }
        out->batches[i] = g[i];
        out->lhs_step[i] = g[3 + i];
        out->rhs_step[i] = g[6 + i];
    }
    out->rows = g[9];
    out->cols = g[10];
    out->depth = g[11];
    if (out->rows <= 0 || out->cols <= 0 || out->depth <= 0)
    {
        return 0;
    }
    /* lhs is [M, K], or [K, M] with adj_x; rhs is [K, N], or [N, K] with adj_y */
    out->lhs_row_step = g[12] ? 1 : out->depth;
    out->lhs_depth_step = g[12] ? out->rows : 1;
    out->rhs_col_step = g[13] ? out->depth : 1;
    out->rhs_depth_step = g[13] ? 1 : out->cols;
    return 1;
}

/* The offset of batch item (b0, b1, b2) in an operand with the given steps. */
static size_t stai_bmm_offset(const int32_t *step, int32_t b0, int32_t b1, int32_t b2)
{
    return (size_t)b0 * (size_t)step[0] + (size_t)b1 * (size_t)step[1] + (size_t)b2 * (size_t)step[2];
}

/* The element types of the three kernels and the integer ones' quantization. */
typedef enum
{
    STAI_BMM_F32,
    STAI_BMM_S8,
    STAI_BMM_S16
} stai_bmm_kind;

typedef struct
{
    int32_t lhs_offset;
    int32_t rhs_offset;
    int32_t output_offset;
    int32_t multiplier;
    int32_t shift;
} stai_bmm_quant;

/* Output element n: the product of the lhs row at element x and the rhs column at element
 * w, over the depth, requantized (int8: TFLite Micro's 32-bit requantization with the
 * offsets; 16x8: 64-bit sums and the 64-bit requantization, zero points 0) and saturated. */
static void stai_bmm_element(stai_bmm_kind kind,
                             const void *lhs,
                             const void *rhs,
                             void *output,
                             size_t n,
                             size_t x,
                             size_t w,
                             const stai_bmm_geometry *g,
                             const stai_bmm_quant *q)
{
    const size_t xs = (size_t)g->lhs_depth_step;
    const size_t ws = (size_t)g->rhs_depth_step;
    if (kind == STAI_BMM_F32)
    {
        const float *a = (const float *)lhs + x;
        const float *b = (const float *)rhs + w;
        float total = 0.0f;
        for (int32_t k = 0; k < g->depth; ++k)
        {
            total += a[(size_t)k * xs] * b[(size_t)k * ws];
        }
        ((float *)output)[n] = total;
    }
    else if (kind == STAI_BMM_S8)
    {
        const int8_t *a = (const int8_t *)lhs + x;
        const int8_t *b = (const int8_t *)rhs + w;
        int32_t total = 0;
        for (int32_t k = 0; k < g->depth; ++k)
        {
            total += ((int32_t)a[(size_t)k * xs] + q->lhs_offset) * ((int32_t)b[(size_t)k * ws] + q->rhs_offset);
        }
        const int32_t value = arm_nn_requantize(total, q->multiplier, q->shift) + q->output_offset;
        ((int8_t *)output)[n] = (int8_t)(value < -128 ? -128 : (value > 127 ? 127 : value));
    }
    else
    {
        const int16_t *a = (const int16_t *)lhs + x;
        const int16_t *b = (const int16_t *)rhs + w;
        int64_t total = 0;
        for (int32_t k = 0; k < g->depth; ++k)
        {
            total += (int64_t)a[(size_t)k * xs] * (int64_t)b[(size_t)k * ws];
        }
        const int32_t value = stai_requantize_s64(total, q->multiplier, q->shift);
        ((int16_t *)output)[n] = (int16_t)(value < -32768 ? -32768 : (value > 32767 ? 32767 : value));
    }
}

/* The body of the three kernels: every batch item (b0, b1, b2), row i and column j, the
 * output written in that order. */
static arm_cmsis_nn_status stai_bmm_run(stai_bmm_kind kind,
                                        const void *lhs,
                                        const void *rhs,
                                        void *output,
                                        const int32_t *geometry,
                                        const stai_bmm_quant *q)
{
    stai_bmm_geometry g;
    if (!stai_bmm_read(geometry, &g))
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    size_t n = 0;
    for (int32_t b0 = 0; b0 < g.batches[0]; ++b0)
    {
        for (int32_t b1 = 0; b1 < g.batches[1]; ++b1)
        {
            for (int32_t b2 = 0; b2 < g.batches[2]; ++b2)
            {
                const size_t a = stai_bmm_offset(g.lhs_step, b0, b1, b2);
                const size_t b = stai_bmm_offset(g.rhs_step, b0, b1, b2);
                for (int32_t i = 0; i < g.rows; ++i)
                {
                    for (int32_t j = 0; j < g.cols; ++j)
                    {
                        const size_t x = a + (size_t)i * (size_t)g.lhs_row_step;
                        const size_t w = b + (size_t)j * (size_t)g.rhs_col_step;
                        stai_bmm_element(kind, lhs, rhs, output, n++, x, w, &g, q);
                    }
                }
            }
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}

arm_cmsis_nn_status stai_batch_matmul_f32(const float *lhs, const float *rhs, float *output, const int32_t *geometry)
{
    const stai_bmm_quant none = {0, 0, 0, 0, 0};
    return stai_bmm_run(STAI_BMM_F32, lhs, rhs, output, geometry, &none);
}

arm_cmsis_nn_status stai_batch_matmul_s8(const int8_t *lhs,
                                         const int8_t *rhs,
                                         int8_t *output,
                                         const int32_t *geometry,
                                         int32_t lhs_offset,
                                         int32_t rhs_offset,
                                         int32_t output_offset,
                                         int32_t multiplier,
                                         int32_t shift)
{
    const stai_bmm_quant q = {lhs_offset, rhs_offset, output_offset, multiplier, shift};
    return stai_bmm_run(STAI_BMM_S8, lhs, rhs, output, geometry, &q);
}

arm_cmsis_nn_status stai_batch_matmul_s16(const int16_t *lhs,
                                          const int16_t *rhs,
                                          int16_t *output,
                                          const int32_t *geometry,
                                          int32_t multiplier,
                                          int32_t shift)
{
    const stai_bmm_quant q = {0, 0, 0, multiplier, shift};
    return stai_bmm_run(STAI_BMM_S16, lhs, rhs, output, geometry, &q);
}
