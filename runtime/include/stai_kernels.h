/* SPDX-License-Identifier: Apache-2.0 */
/* stai's own kernels: the int8 kernels the CMSIS-NN API lacks and every float32 kernel. */
#ifndef STAI_KERNELS_H
#define STAI_KERNELS_H

#include "stai_kernels_s8.h"
#include "stai_kernels_s16.h"
#include "stai_kernels_f32.h"
#include "stai_kernels_shape.h"
#include "stai_kernels_math.h"
#include "stai_kernels_indexing.h"
#include "stai_kernels_state.h"
#include "stai_kernels_recurrent.h"
#include "stai_kernels_matmul.h"
#include "stai_kernels_logical.h"
#include "stai_kernels_transpose_conv.h"
#include "stai_kernels_norm.h"
#include "stai_kernels_cumsum.h"
#include "stai_kernels_detection.h"
#include "stai_kernels_abs.h"
#include "stai_kernels_sqdiff.h"

#endif /* STAI_KERNELS_H */
