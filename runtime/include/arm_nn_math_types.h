/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fixed-point limits of the CMSIS-NN API (release v7.0.0), the subset stai uses.
 */
#ifndef ARM_NN_MATH_TYPES_H
#define ARM_NN_MATH_TYPES_H

#include <limits.h>
#include <stdint.h>
#include <string.h>

#define NN_Q31_MAX ((int32_t)(0x7FFFFFFFL))
#define NN_Q15_MAX ((int16_t)(0x7FFF))
#define NN_Q7_MAX ((int8_t)(0x7F))
#define NN_Q31_MIN ((int32_t)(-0x7FFFFFFFL - 1))
#define NN_Q15_MIN ((int16_t)(-0x7FFF - 1))
#define NN_Q7_MIN ((int8_t)(-0x7F - 1))

#endif /* ARM_NN_MATH_TYPES_H */
