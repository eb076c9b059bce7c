/* SPDX-License-Identifier: Apache-2.0 */
/* stai's loader firmware for relocatable network images: it holds no network. The image
 * (stai generate --relocatable) is stored at __stai_weights_start (QEMU writes it there);
 * the firmware loads it into RAM with stai_image_load(), then, like harness.c, reads the
 * samples of stai_in.bin through semihosting (each sample: every input's bytes in order),
 * runs the network on each and writes the outputs to stai_out.bin and a line per sample to
 * stai_log.txt ("run STATUS"), after a first line "load STATUS ACTIVATIONS_BYTES". It calls
 * stai_target_mark(2) before and stai_target_mark(3) after each inference, where the
 * instruction-counting plugin reads its counter. Exit codes: 0, 2 (files), 3 (init), 4
 * (a partial sample), 5 (writing), 10 + the loader's status, 20 (the activations do not
 * fit STAI_RELOC_ARENA). */
#include <stddef.h>
#include <stdint.h>

#include "semihost.h"
#include "stai_loader.h"

#ifndef STAI_RELOC_RAM
#define STAI_RELOC_RAM (1024u * 1024u)
#endif
#ifndef STAI_RELOC_ARENA
#define STAI_RELOC_ARENA (512u * 1024u)
#endif
#ifndef STAI_RELOC_REGION
#define STAI_RELOC_REGION (2u * 1024u * 1024u)
#endif

extern const uint8_t __stai_weights_start[];

static uint8_t image_ram[STAI_RELOC_RAM] __attribute__((aligned(16)));
static uint8_t arena[STAI_RELOC_ARENA] __attribute__((aligned(16)));

__attribute__((noinline, used)) void stai_target_mark(uint32_t event)
{
    (void)event;
    __asm__ volatile("" ::: "memory");
}

static uint32_t word(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

int main(void)
{
    const int in = stai_sh_open("stai_in.bin", STAI_SH_READ_BINARY);
    const int out = stai_sh_open("stai_out.bin", STAI_SH_WRITE_BINARY);
    const int log = stai_sh_open("stai_log.txt", STAI_SH_WRITE_BINARY);
    if (in < 0 || out < 0 || log < 0) {
        return 2;
    }
    /* The stored image's size as its header gives it, within the region. */
    size_t size = STAI_IMAGE_HEADER_BYTES + (size_t)word(__stai_weights_start + 8) +
                  4u * (size_t)word(__stai_weights_start + 16);
    if (size > STAI_RELOC_REGION) {
        size = STAI_RELOC_REGION;
    }
    const stai_image_entry *net = NULL;
    const int loaded = stai_image_load(__stai_weights_start, size, image_ram, sizeof image_ram, &net);
    stai_sh_write_text(log, "load ");
    stai_sh_write_int(log, loaded);
    stai_sh_write_text(log, " ");
    stai_sh_write_int(log, net != NULL ? (long)net->activations_size : 0);
    stai_sh_write_text(log, "\n");
    if (loaded != STAI_IMAGE_OK) {
        stai_sh_close(log);
        return 10 + loaded;
    }
    if (net->activations_size > sizeof arena) {
        return 20;
    }
    if (net->init(arena) != 0) {
        return 3;
    }
    for (;;) {
        for (uint32_t i = 0; i < net->in_num; i++) {
            const long want = (long)net->input_size((int)i);
            const long got = stai_sh_read(in, net->input_ptr((int)i), (size_t)want);
            if (got == 0 && i == 0) {
                stai_sh_close(out);
                stai_sh_close(log);
                return 0;
            }
            if (got != want) {
                return 4;
            }
        }
        stai_target_mark(2);
        const int status = net->run();
        stai_target_mark(3);
        for (uint32_t i = 0; i < net->out_num; i++) {
            if (stai_sh_write(out, net->output_ptr((int)i), net->output_size((int)i)) != 0) {
                return 5;
            }
        }
        if (stai_sh_write_text(log, "run ") != 0 || stai_sh_write_int(log, status) != 0 ||
            stai_sh_write_text(log, "\n") != 0) {
            return 5;
        }
    }
}
