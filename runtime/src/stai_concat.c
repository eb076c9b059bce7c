/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_concat */
/* stai-requires: */
/*
 * One input of a CONCATENATION, for any element type: rows of input_inner_bytes bytes
 * are copied into rows of output_inner_bytes bytes, at byte offset output_offset_bytes.
 */
#include "stai_kernels_s8.h"

#include <stddef.h>
#include <string.h>

arm_cmsis_nn_status stai_concat(const void *input,
                                void *output,
                                int32_t outer_count,
                                int32_t input_inner_bytes,
                                int32_t output_inner_bytes,
                                int32_t output_offset_bytes)
{
    if (outer_count < 0 || input_inner_bytes < 0 || output_offset_bytes < 0 ||
        output_offset_bytes > output_inner_bytes - input_inner_bytes)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    const unsigned char *src = (const unsigned char *)input;
    unsigned char *dst = (unsigned char *)output + output_offset_bytes;
    for (int32_t i = 0; i < outer_count; ++i)
    {
        memcpy(dst, src, (size_t)input_inner_bytes);
        src += input_inner_bytes;
        dst += output_inner_bytes;
    }
    return ARM_CMSIS_NN_SUCCESS;
}
