/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The state a network keeps between runs (persistent variables, stateful operators): the
 * generated reset function fills the state buffer with stai_state_fill, then copies the
 * variables' initial values over it (stai_copy).
 */
#ifndef STAI_KERNELS_STATE_H
#define STAI_KERNELS_STATE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Sets `num_bytes` bytes of `state` to `value` (nothing for num_bytes <= 0). */
void stai_state_fill(void *state, int32_t value, int32_t num_bytes);

#ifdef __cplusplus
}
#endif

#endif /* STAI_KERNELS_STATE_H */
