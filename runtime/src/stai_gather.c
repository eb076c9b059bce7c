/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_gather */
/* stai-requires: */
/* Gather along one axis by constant indices (any element type): a copy per index. */
#include "stai_kernels_indexing.h"

#include <stddef.h>
#include <string.h>

arm_cmsis_nn_status stai_gather(const void *input,
                                void *output,
                                int32_t outer,
                                int32_t axis_size,
                                int32_t inner_bytes,
                                const int32_t *indices,
                                int32_t count)
{
    if (outer < 0 || axis_size <= 0 || inner_bytes < 0 || count < 0)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    for (int32_t i = 0; i < count; ++i)
    {
        if (indices[i] < 0 || indices[i] >= axis_size)
        {
            return ARM_CMSIS_NN_ARG_ERROR;
        }
    }
    const unsigned char *in = (const unsigned char *)input;
    unsigned char *out = (unsigned char *)output;
    const size_t inner = (size_t)inner_bytes;
    for (int32_t o = 0; o < outer; ++o)
    {
        const unsigned char *block = in + (size_t)o * (size_t)axis_size * inner;
        for (int32_t i = 0; i < count; ++i)
        {
            memcpy(out, block + (size_t)indices[i] * inner, inner);
            out += inner;
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}
