/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_copy */
/* stai-requires: */
/* A byte copy between non-overlapping buffers (a RESHAPE whose buffers cannot alias). */
#include "stai_kernels_s8.h"

#include <stddef.h>
#include <string.h>

arm_cmsis_nn_status stai_copy(const void *input, void *output, int32_t num_bytes)
{
    if (num_bytes < 0)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    if (num_bytes > 0)
    {
        memcpy(output, input, (size_t)num_bytes);
    }
    return ARM_CMSIS_NN_SUCCESS;
}
