/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_arg_max_f32 stai_arg_min_f32 stai_arg_max_s8 stai_arg_min_s8 */
/* stai-requires: */
/* ARG_MAX / ARG_MIN along one axis: the first index of the largest (smallest) element,
 * written as int32_t or int64_t. */
#include "stai_kernels_indexing.h"

#include <stddef.h>

#define STAI_ARG_KERNEL(NAME, T, BETTER)                                                           \
    arm_cmsis_nn_status NAME(const T *input, int32_t outer, int32_t axis_size, int32_t inner,      \
                             void *output, int32_t index_bytes)                                    \
    {                                                                                              \
        if (outer < 0 || axis_size <= 0 || inner < 0 || (index_bytes != 4 && index_bytes != 8))    \
        {                                                                                          \
            return ARM_CMSIS_NN_ARG_ERROR;                                                         \
        }                                                                                          \
        size_t out_index = 0;                                                                      \
        for (int32_t o = 0; o < outer; ++o)                                                        \
        {                                                                                          \
            const T *block = input + (size_t)o * (size_t)axis_size * (size_t)inner;                \
            for (int32_t j = 0; j < inner; ++j)                                                    \
            {                                                                                      \
                T best = block[j];                                                                 \
                int32_t index = 0;                                                                 \
                for (int32_t i = 1; i < axis_size; ++i)                                            \
                {                                                                                  \
                    const T value = block[(size_t)i * (size_t)inner + (size_t)j];                  \
                    if (value BETTER best)                                                         \
                    {                                                                              \
                        best = value;                                                              \
                        index = i;                                                                 \
                    }                                                                              \
                }                                                                                  \
                if (index_bytes == 4)                                                              \
                {                                                                                  \
                    ((int32_t *)output)[out_index] = index;                                        \
                }                                                                                  \
                else                                                                               \
                {                                                                                  \
                    ((int64_t *)output)[out_index] = index;                                        \
                }                                                                                  \
                ++out_index;                                                                       \
            }                                                                                      \
        }                                                                                          \
        return ARM_CMSIS_NN_SUCCESS;                                                               \
    }

STAI_ARG_KERNEL(stai_arg_max_f32, float, >)
STAI_ARG_KERNEL(stai_arg_min_f32, float, <)
STAI_ARG_KERNEL(stai_arg_max_s8, int8_t, >)
STAI_ARG_KERNEL(stai_arg_min_s8, int8_t, <)
