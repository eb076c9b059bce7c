/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_state_fill */
/* stai-requires: */
/* Filling the state buffer a network keeps between runs (its variables, SVDF's state). */
#include "stai_kernels_state.h"

void stai_state_fill(void *state, int32_t value, int32_t num_bytes)
{
    uint8_t *bytes = (uint8_t *)state;
    for (int32_t i = 0; i < num_bytes; i++)
    {
        bytes[i] = (uint8_t)value;
    }
}
