/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private helpers of stai's codebook kernels (k-means-shared weights, compress-weights):
 * the packed index of a weight, and the check of the arguments the fully-connected ones
 * share. Not part of the public API.
 */
#ifndef STAI_CODEBOOK_H
#define STAI_CODEBOOK_H

#include <stddef.h>
#include <stdint.h>

#include "arm_nn_types.h"

/* The codebook index of flat weight position i: one byte each (index_bits 8), or two
 * 4-bit indices per byte, low nibble first (index_bits 4). */
static inline uint32_t stai_codebook_index(const uint8_t *indices, int32_t index_bits, size_t i)
{
    if (index_bits == 8)
    {
        return indices[i];
    }
    const uint8_t byte = indices[i >> 1];
    return (i & 1u) ? (uint32_t)(byte >> 4) : (uint32_t)(byte & 0x0Fu);
}

/* Whether the arguments a codebook fully connected shares describe a consistent layer. */
static inline int stai_codebook_fc_args_ok(const cmsis_nn_dims *input_dims,
                                           const cmsis_nn_dims *filter_dims,
                                           const cmsis_nn_dims *output_dims,
                                           const void *codebook,
                                           const uint8_t *indices,
                                           int32_t index_bits)
{
    if (input_dims == NULL || filter_dims == NULL || output_dims == NULL || codebook == NULL ||
        indices == NULL || (index_bits != 4 && index_bits != 8))
    {
        return 0;
    }
    return input_dims->n >= 0 && filter_dims->n >= 0 && output_dims->c == filter_dims->c;
}

#endif /* STAI_CODEBOOK_H */
