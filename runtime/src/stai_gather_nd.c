/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_gather_nd */
/* stai-requires: */
/* GATHER_ND of index tuples computed at run time: a checked copy per tuple. */
#include "stai_kernels_cumsum.h"

#include <stddef.h>
#include <string.h>

/* a + b, saturated to the int64 range (no undefined overflow for absurd indices). */
static int64_t stai_add_saturated(int64_t a, int64_t b)
{
    if (b > 0 && a > INT64_MAX - b)
    {
        return INT64_MAX;
    }
    if (b < 0 && a < INT64_MIN - b)
    {
        return INT64_MIN;
    }
    return a + b;
}

arm_cmsis_nn_status stai_gather_nd(const void *params,
                                   void *output,
                                   int32_t rows,
                                   int32_t slice_bytes,
                                   const int32_t *indices,
                                   int32_t tuples,
                                   int32_t depth,
                                   const int32_t *row_strides)
{
    if (params == NULL || output == NULL || indices == NULL || row_strides == NULL || rows < 0 ||
        slice_bytes < 0 || tuples < 0 || depth < 1)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    const uint8_t *from = (const uint8_t *)params;
    uint8_t *to = (uint8_t *)output;
    for (int32_t t = 0; t < tuples; ++t)
    {
        int64_t row = 0;
        for (int32_t j = 0; j < depth; ++j)
        {
            const int64_t index = indices[(size_t)t * (size_t)depth + (size_t)j];
            row = stai_add_saturated(row, index * row_strides[j]);
        }
        if (row < 0 || row >= rows)
        {
            return ARM_CMSIS_NN_ARG_ERROR;
        }
        memcpy(to + (size_t)t * (size_t)slice_bytes, from + (size_t)row * (size_t)slice_bytes, (size_t)slice_bytes);
    }
    return ARM_CMSIS_NN_SUCCESS;
}
