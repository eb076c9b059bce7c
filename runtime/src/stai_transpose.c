/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_transpose */
/* stai-requires: */
/*
 * TRANSPOSE of a tensor of rank <= 4 for any element type: output dimension i is input
 * dimension perm_i (the shape is given as four dims, padded in front with 1s).
 */
#include "stai_kernels_s8.h"

#include <stddef.h>
#include <string.h>

arm_cmsis_nn_status stai_transpose(const void *input,
                                   void *output,
                                   const cmsis_nn_dims *input_dims,
                                   int32_t perm_0,
                                   int32_t perm_1,
                                   int32_t perm_2,
                                   int32_t perm_3,
                                   int32_t element_bytes)
{
    const int32_t perm[4] = {perm_0, perm_1, perm_2, perm_3};
    const int32_t dims[4] = {input_dims->n, input_dims->h, input_dims->w, input_dims->c};
    int32_t seen = 0;
    for (int32_t i = 0; i < 4; ++i)
    {
        if (perm[i] < 0 || perm[i] > 3 || dims[i] < 0 || (seen & (1 << perm[i])) != 0)
        {
            return ARM_CMSIS_NN_ARG_ERROR;
        }
        seen |= 1 << perm[i];
    }
    if (element_bytes <= 0)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    /* Byte stride of each input dimension, then of each output dimension's source. */
    int32_t in_stride[4];
    in_stride[3] = element_bytes;
    for (int32_t i = 2; i >= 0; --i)
    {
        in_stride[i] = in_stride[i + 1] * dims[i + 1];
    }
    int32_t out_dim[4];
    int32_t src_stride[4];
    for (int32_t i = 0; i < 4; ++i)
    {
        out_dim[i] = dims[perm[i]];
        src_stride[i] = in_stride[perm[i]];
    }
    const unsigned char *src = (const unsigned char *)input;
    unsigned char *dst = (unsigned char *)output;
    for (int32_t a = 0; a < out_dim[0]; ++a)
    {
        for (int32_t b = 0; b < out_dim[1]; ++b)
        {
            for (int32_t c = 0; c < out_dim[2]; ++c)
            {
                const unsigned char *row = src + a * src_stride[0] + b * src_stride[1] +
                                           c * src_stride[2];
                for (int32_t d = 0; d < out_dim[3]; ++d)
                {
                    memcpy(dst, row + d * src_stride[3], (size_t)element_bytes);
                    dst += element_bytes;
                }
            }
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}
