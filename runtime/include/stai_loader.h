/* SPDX-License-Identifier: Apache-2.0 */
/* stai's loader of relocatable network images (stai generate --relocatable).
 *
 * An image holds a network's code, constants (weights) and initialised data, linked at
 * address 0, with the offsets of every 32-bit word that holds an address. The
 * application keeps only this loader: stai_image_load() checks the image, copies it to a
 * RAM buffer (code runs from there), adds the buffer's address to every listed word,
 * zeroes the image's uninitialised data and returns the network's entry table, through
 * which the application calls init / input / output / run. docs/relocatable.md gives the
 * format.
 *
 *   header (little-endian uint32 words):
 *     [0] magic STAI_IMAGE_MAGIC        [1] format version STAI_IMAGE_VERSION
 *     [2] payload bytes (a multiple of 4, the entry table first)
 *     [3] bytes of zeroed data after the payload    [4] relocation count
 *     [5] CRC-32 of the payload and the relocation table    [6] header bytes (32)
 *     [7] reserved (0)
 *   payload, then the relocation table (uint32 byte offsets into the payload). */
#ifndef STAI_LOADER_H
#define STAI_LOADER_H

#include <stddef.h>
#include <stdint.h>

#define STAI_IMAGE_MAGIC 0x4D495453u       /* "STIM" */
#define STAI_IMAGE_VERSION 1u
#define STAI_IMAGE_ENTRY_MAGIC 0x4E455453u /* "STEN" */
#define STAI_IMAGE_HEADER_BYTES 32u
#define STAI_IMAGE_ALIGNMENT 16u /* the least alignment of the RAM an image is loaded to */

/* stai_image_load() status codes. */
enum {
    STAI_IMAGE_OK = 0,
    STAI_IMAGE_ERROR_SIZE = 1,     /* shorter than its header says (truncated) */
    STAI_IMAGE_ERROR_MAGIC = 2,    /* not a stai image */
    STAI_IMAGE_ERROR_VERSION = 3,  /* another format version */
    STAI_IMAGE_ERROR_CRC = 4,      /* payload or relocations damaged */
    STAI_IMAGE_ERROR_DEST = 5,     /* the RAM buffer is too small or misaligned */
    STAI_IMAGE_ERROR_RELOC = 6,    /* a relocation outside the payload */
    STAI_IMAGE_ERROR_ENTRY = 7,    /* no entry table at the payload's start */
};

/* What an image exports: the network's single-arena API (stai_NAME_* of NAME.h). */
typedef struct stai_image_entry {
    uint32_t magic; /* STAI_IMAGE_ENTRY_MAGIC */
    uint32_t version;
    uint32_t activations_size;
    uint32_t activations_alignment;
    uint32_t in_num;
    uint32_t out_num;
    int (*init)(void *activations);
    int (*run)(void);
    void *(*input_ptr)(int index);
    size_t (*input_size)(int index);
    void *(*output_ptr)(int index);
    size_t (*output_size)(int index);
} stai_image_entry;

/* The RAM bytes an image needs (payload and zeroed data), or 0 when the first bytes are
 * not a stai image header. */
size_t stai_image_ram_size(const void *image, size_t image_size);

/* Checks `image` (`image_size` bytes), loads it into `dest` (`dest_size` bytes,
 * STAI_IMAGE_ALIGNMENT-aligned) and sets `*entry`; returns a STAI_IMAGE_* status. */
int stai_image_load(const void *image, size_t image_size, void *dest, size_t dest_size,
                    const stai_image_entry **entry);

#endif /* STAI_LOADER_H */
