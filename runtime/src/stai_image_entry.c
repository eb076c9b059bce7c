/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_image_entry_table */
/* stai-requires: */
/* The entry table of a relocatable network image (stai_loader.h), linked first in the
 * image. Compiled with -DSTAI_IMAGE_HEADER='"NAME.h"', -DSTAI_IMAGE_API=stai_NAME_ and
 * -DSTAI_IMAGE_MACROS=STAI_NAME_ (the network's API prefix and its macros' prefix). */
#include "stai_loader.h"

#if defined(STAI_IMAGE_HEADER)
#include STAI_IMAGE_HEADER

#define STAI_IMAGE_CAT_(a, b) a##b
#define STAI_IMAGE_CAT(a, b) STAI_IMAGE_CAT_(a, b)
#define STAI_IMAGE_FN(x) STAI_IMAGE_CAT(STAI_IMAGE_API, x)
#define STAI_IMAGE_MACRO(x) STAI_IMAGE_CAT(STAI_IMAGE_MACROS, x)

__attribute__((section(".stai_entry"), used)) const stai_image_entry stai_image_entry_table = {
    STAI_IMAGE_ENTRY_MAGIC,
    STAI_IMAGE_VERSION,
    STAI_IMAGE_MACRO(ACTIVATIONS_SIZE),
    STAI_IMAGE_MACRO(ACTIVATIONS_ALIGNMENT),
    STAI_IMAGE_MACRO(IN_NUM),
    STAI_IMAGE_MACRO(OUT_NUM),
    STAI_IMAGE_FN(init),
    STAI_IMAGE_FN(run),
    STAI_IMAGE_FN(input_ptr),
    STAI_IMAGE_FN(input_size),
    STAI_IMAGE_FN(output_ptr),
    STAI_IMAGE_FN(output_size),
};
#else
/* Compiled without a network (as the tests compile every runtime source): no table. */
typedef int stai_image_entry_needs_a_network;
#endif
