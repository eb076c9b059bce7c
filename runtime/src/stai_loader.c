/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_image_load stai_image_ram_size */
/* stai-requires: */
/* The loader of relocatable network images (stai_loader.h). */
#include "stai_loader.h"

#include <string.h>

static uint32_t read32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

/* CRC-32 (IEEE 802.3, reflected, as zlib's crc32), bit by bit: no table in flash. */
static uint32_t crc32_update(uint32_t crc, const uint8_t *data, size_t size)
{
    crc = ~crc;
    for (size_t i = 0; i < size; i++) {
        crc ^= data[i];
        for (int k = 0; k < 8; k++) {
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
        }
    }
    return ~crc;
}

size_t stai_image_ram_size(const void *image, size_t image_size)
{
    const uint8_t *head = (const uint8_t *)image;
    if (image_size < STAI_IMAGE_HEADER_BYTES || read32(head) != STAI_IMAGE_MAGIC) {
        return 0;
    }
    return (size_t)read32(head + 8) + (size_t)read32(head + 12);
}

int stai_image_load(const void *image, size_t image_size, void *dest, size_t dest_size,
                    const stai_image_entry **entry)
{
    const uint8_t *head = (const uint8_t *)image;
    *entry = NULL;
    if (image_size < STAI_IMAGE_HEADER_BYTES) {
        return STAI_IMAGE_ERROR_SIZE;
    }
    if (read32(head) != STAI_IMAGE_MAGIC) {
        return STAI_IMAGE_ERROR_MAGIC;
    }
    if (read32(head + 4) != STAI_IMAGE_VERSION || read32(head + 24) != STAI_IMAGE_HEADER_BYTES) {
        return STAI_IMAGE_ERROR_VERSION;
    }
    const uint32_t payload = read32(head + 8);
    const uint32_t zeroed = read32(head + 12);
    const uint32_t relocs = read32(head + 16);
    const uint32_t body = STAI_IMAGE_HEADER_BYTES;
    if (payload % 4u != 0u || relocs > (image_size - body) / 4u ||
        payload > image_size - body - 4u * (size_t)relocs) {
        return STAI_IMAGE_ERROR_SIZE;
    }
    if (crc32_update(0u, head + body, (size_t)payload + 4u * (size_t)relocs) != read32(head + 20)) {
        return STAI_IMAGE_ERROR_CRC;
    }
    if (payload < sizeof(stai_image_entry)) {
        return STAI_IMAGE_ERROR_ENTRY;
    }
    uint8_t *ram = (uint8_t *)dest;
    if ((uintptr_t)ram % STAI_IMAGE_ALIGNMENT != 0u || dest_size < (size_t)payload + zeroed) {
        return STAI_IMAGE_ERROR_DEST;
    }
    const uint8_t *table = head + body + payload;
    for (uint32_t i = 0; i < relocs; i++) {
        const uint32_t at = read32(table + 4u * i);
        if (at % 4u != 0u || at > payload - 4u) {
            return STAI_IMAGE_ERROR_RELOC;
        }
    }
    memcpy(ram, head + body, payload);
    memset(ram + payload, 0, zeroed);
    const uint32_t base = (uint32_t)(uintptr_t)ram;
    for (uint32_t i = 0; i < relocs; i++) {
        uint32_t *word = (uint32_t *)(void *)(ram + read32(table + 4u * i));
        *word += base;
    }
#if defined(__arm__) || defined(__thumb__)
    /* The copied code is executed next: finish the writes, refetch instructions. */
    __asm__ volatile("dsb\n\tisb" ::: "memory");
#endif
    const stai_image_entry *table_entry = (const stai_image_entry *)(const void *)ram;
    if (table_entry->magic != STAI_IMAGE_ENTRY_MAGIC) {
        return STAI_IMAGE_ERROR_ENTRY;
    }
    *entry = table_entry;
    return STAI_IMAGE_OK;
}
