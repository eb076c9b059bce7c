/* SPDX-License-Identifier: Apache-2.0 */
/* Semihosting calls (Arm semihosting specification) for stai's target test harness:
 * file I/O on the host running the emulator, and the program's exit code. */
#ifndef STAI_SEMIHOST_H
#define STAI_SEMIHOST_H

#include <stddef.h>

/* Open modes of SYS_OPEN. */
#define STAI_SH_READ_BINARY 1
#define STAI_SH_WRITE_BINARY 5

/* A host file handle (>= 0) or -1. */
int stai_sh_open(const char *path, int mode);
/* The bytes read (0 at end of file), or -1. */
long stai_sh_read(int handle, void *buffer, size_t size);
/* 0 when all bytes were written, else -1. */
int stai_sh_write(int handle, const void *buffer, size_t size);
int stai_sh_close(int handle);
/* Writes a NUL-terminated string to a host file: 0 when written, else -1. */
int stai_sh_write_text(int handle, const char *text);
/* Writes a decimal integer to a host file: 0 when written, else -1. */
int stai_sh_write_int(int handle, long value);
/* Writes a NUL-terminated string to the emulator's console. */
void stai_sh_puts(const char *text);
/* Ends the emulation with an exit code. */
void stai_sh_exit(int code) __attribute__((noreturn));

#endif /* STAI_SEMIHOST_H */
