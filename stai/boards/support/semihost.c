/* SPDX-License-Identifier: Apache-2.0 */
/* Semihosting calls for stai's target test harness: each is a BKPT 0xAB with the
 * operation number in r0 and a pointer to its argument block in r1. */
#include "semihost.h"

#include <stdint.h>
#include <string.h>

enum {
    SYS_OPEN = 0x01,
    SYS_CLOSE = 0x02,
    SYS_WRITE0 = 0x04,
    SYS_WRITE = 0x05,
    SYS_READ = 0x06,
    SYS_EXIT = 0x18,
    SYS_EXIT_EXTENDED = 0x20,
};

#define ADP_STOPPED_APPLICATION_EXIT 0x20026u

static intptr_t stai_sh_call(intptr_t operation, const void *argument)
{
    register intptr_t r0 __asm__("r0") = operation;
    register const void *r1 __asm__("r1") = argument;
    __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

int stai_sh_open(const char *path, int mode)
{
    const intptr_t block[3] = {(intptr_t)path, mode, (intptr_t)strlen(path)};
    return (int)stai_sh_call(SYS_OPEN, block);
}

long stai_sh_read(int handle, void *buffer, size_t size)
{
    const intptr_t block[3] = {handle, (intptr_t)buffer, (intptr_t)size};
    const intptr_t not_read = stai_sh_call(SYS_READ, block);
    if (not_read < 0 || (size_t)not_read > size) {
        return -1;
    }
    return (long)(size - (size_t)not_read);
}

int stai_sh_write(int handle, const void *buffer, size_t size)
{
    const intptr_t block[3] = {handle, (intptr_t)buffer, (intptr_t)size};
    return stai_sh_call(SYS_WRITE, block) == 0 ? 0 : -1;
}

int stai_sh_close(int handle)
{
    const intptr_t block[1] = {handle};
    return (int)stai_sh_call(SYS_CLOSE, block);
}

int stai_sh_write_text(int handle, const char *text)
{
    size_t n = 0;
    while (text[n] != '\0') {
        n++;
    }
    return stai_sh_write(handle, text, n);
}

int stai_sh_write_int(int handle, long value)
{
    char digits[24];
    size_t n = sizeof digits;
    unsigned long magnitude = value < 0 ? 0ul - (unsigned long)value : (unsigned long)value;
    digits[--n] = '\0';
    do {
        digits[--n] = (char)('0' + magnitude % 10u);
        magnitude /= 10u;
    } while (magnitude != 0u && n > 1);
    if (value < 0) {
        digits[--n] = '-';
    }
    return stai_sh_write_text(handle, &digits[n]);
}

void stai_sh_puts(const char *text)
{
    stai_sh_call(SYS_WRITE0, text);
}

void stai_sh_exit(int code)
{
    const intptr_t block[2] = {ADP_STOPPED_APPLICATION_EXIT, code};
    stai_sh_call(SYS_EXIT_EXTENDED, block);
    stai_sh_call(SYS_EXIT, (const void *)(intptr_t)ADP_STOPPED_APPLICATION_EXIT);
    for (;;) {
    }
}
