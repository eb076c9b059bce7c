/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_strided_slice */
/* stai-requires: */
/*
 * Strided slice of a tensor of rank <= 4 for any element type: each output element is the
 * input element begin + index * stride along every dimension (strides may be negative).
 */
#include "stai_kernels_shape.h"

#include <stddef.h>
#include <string.h>

/* Whether count elements from begin by stride stay inside [0, size). */
static int stai_slice_fits(int32_t size, int32_t begin, int32_t stride, int32_t count)
{
    if (count < 0 || stride == 0 || size < 0)
    {
        return 0;
    }
    if (count == 0)
    {
        return 1;
    }
    const int64_t last = (int64_t)begin + (int64_t)(count - 1) * stride;
    return begin >= 0 && begin < size && last >= 0 && last < size;
}

arm_cmsis_nn_status stai_strided_slice(const void *input,
                                       const cmsis_nn_dims *input_dims,
                                       const cmsis_nn_dims *begin,
                                       const cmsis_nn_dims *stride,
                                       void *output,
                                       const cmsis_nn_dims *output_dims,
                                       int32_t element_bytes)
{
    if (element_bytes <= 0 ||
        !stai_slice_fits(input_dims->n, begin->n, stride->n, output_dims->n) ||
        !stai_slice_fits(input_dims->h, begin->h, stride->h, output_dims->h) ||
        !stai_slice_fits(input_dims->w, begin->w, stride->w, output_dims->w) ||
        !stai_slice_fits(input_dims->c, begin->c, stride->c, output_dims->c))
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    /* Byte strides of the input's dimensions. */
    const ptrdiff_t e = element_bytes;
    const ptrdiff_t step_c = e;
    const ptrdiff_t step_w = step_c * input_dims->c;
    const ptrdiff_t step_h = step_w * input_dims->w;
    const ptrdiff_t step_n = step_h * input_dims->h;
    const unsigned char *src = (const unsigned char *)input;
    unsigned char *dst = (unsigned char *)output;
    const size_t row_bytes = (size_t)output_dims->c * (size_t)element_bytes;
    for (int32_t a = 0; a < output_dims->n; ++a)
    {
        const ptrdiff_t at_n = (ptrdiff_t)(begin->n + a * stride->n) * step_n;
        for (int32_t b = 0; b < output_dims->h; ++b)
        {
            const ptrdiff_t at_h = at_n + (ptrdiff_t)(begin->h + b * stride->h) * step_h;
            for (int32_t c = 0; c < output_dims->w; ++c)
            {
                const unsigned char *row =
                    src + at_h + (ptrdiff_t)(begin->w + c * stride->w) * step_w + (ptrdiff_t)begin->c * step_c;
                if (stride->c == 1)
                {
                    memcpy(dst, row, row_bytes);
                    dst += row_bytes;
                    continue;
                }
                for (int32_t d = 0; d < output_dims->c; ++d)
                {
                    memcpy(dst, row + (ptrdiff_t)(d * stride->c) * step_c, (size_t)element_bytes);
                    dst += element_bytes;
                }
            }
        }
    }
    return ARM_CMSIS_NN_SUCCESS;
}
