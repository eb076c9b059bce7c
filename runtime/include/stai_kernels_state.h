/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The state a network keeps between runs (persistent variables, stateful operators): the
 * generated reset function fills the state buffer with stai_state_fill, then copies the
 * variables' initial values over it (stai_copy).
 */
#ifndef STAI_KERNELS_STATE_H
#define STAI_KERNELS_STATE_H

#include "arm_nn_types.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Sets `num_bytes` bytes of `state` to `value` (nothing for num_bytes <= 0). */
void stai_state_fill(void *state, int32_t value, int32_t num_bytes);

/*
 * SVDF as TFLite Micro's reference kernels compute it. `state` ([batch, filters * memory],
 * kept between runs) is shifted left by one entry, each filter's last entry becomes the
 * dot product of its feature weights ([filters, input_size]) with the input row; each
 * filter's sum is the dot product of its state with its time weights ([filters, memory])
 * (`scratch`: batch * filters sums, then, int8, batch * units accumulators); each unit's
 * output is its bias plus the sums of its `rank` filters. Float: the output is clamped to
 * [act_min, act_max]; `bias` may be NULL. int8: the input offset is -input_zp, the feature
 * dot products are requantized (multiplier_1, shift_1) and saturated to int16, the unit
 * sums requantized (multiplier_2, shift_2) plus output_zp and saturated to int8
 * (both: rounding doubling high multiply, then rounding right shift).
 * ARM_CMSIS_NN_ARG_ERROR for bad sizes.
 */
arm_cmsis_nn_status stai_svdf_f32(const float *input,
                                  const float *weights_feature,
                                  const float *weights_time,
                                  const float *bias,
                                  float *state,
                                  float *scratch,
                                  float *output,
                                  int32_t batch,
                                  int32_t input_size,
                                  int32_t filters,
                                  int32_t memory,
                                  int32_t rank,
                                  float act_min,
                                  float act_max);

arm_cmsis_nn_status stai_svdf_s8(const int8_t *input,
                                 const int8_t *weights_feature,
                                 const int16_t *weights_time,
                                 const int32_t *bias,
                                 int16_t *state,
                                 int32_t *scratch,
                                 int8_t *output,
                                 int32_t batch,
                                 int32_t input_size,
                                 int32_t filters,
                                 int32_t memory,
                                 int32_t rank,
                                 int32_t input_zp,
                                 int32_t output_zp,
                                 int32_t multiplier_1,
                                 int32_t shift_1,
                                 int32_t multiplier_2,
                                 int32_t shift_2);

/*
 * int8 SVDF with int8 time weights and an int8 state of zero point `state_zp`, as TFLite
 * Micro's reference computes it: each feature dot product is requantized (multiplier_1,
 * shift_1), saturated to [-128, 127], then state_zp is added and the sum kept modulo 256 as
 * an int8 entry of the state; the time dot products read (state - state_zp); the rest is
 * stai_svdf_s8's. CMSIS-NN's arm_svdf_s8 takes no state zero point (and saturates the
 * feature products to int16 before storing a byte), so it is not this function.
 */
arm_cmsis_nn_status stai_svdf_s8_state_s8(const int8_t *input,
                                          const int8_t *weights_feature,
                                          const int8_t *weights_time,
                                          const int32_t *bias,
                                          int8_t *state,
                                          int32_t *scratch,
                                          int8_t *output,
                                          int32_t batch,
                                          int32_t input_size,
                                          int32_t filters,
                                          int32_t memory,
                                          int32_t rank,
                                          int32_t input_zp,
                                          int32_t output_zp,
                                          int32_t multiplier_1,
                                          int32_t shift_1,
                                          int32_t multiplier_2,
                                          int32_t shift_2,
                                          int32_t state_zp);

#ifdef __cplusplus
}
#endif

#endif /* STAI_KERNELS_STATE_H */
