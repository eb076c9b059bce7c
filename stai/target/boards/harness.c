/* stai's target test harness: runs a generated network on an emulated Cortex-M board.
 *
 * It reads samples from the host file stai_in.bin (each sample: every input's bytes, in
 * input order, as stai_NAME_input_size gives them) through semihosting, runs the
 * network on each, and writes every output's bytes to stai_out.bin and one line per
 * sample to stai_log.txt ("run STATUS STACK_BYTES"). It calls stai_target_mark() around
 * each inference, where the instruction-counting plugin reads its counter.
 *
 * The network is reached through the macros of stai_harness_net.h, which stai writes
 * for each build (NET_INIT, NET_RUN, NET_INPUT_PTR, ...). */
#include <stddef.h>
#include <stdint.h>

#include "semihost.h"
#include "stai_harness_net.h"

enum {
    EXIT_OK = 0,
    EXIT_FILES = 2,
    EXIT_INIT = 3,
    EXIT_INPUT = 4,
    EXIT_OUTPUT = 5,
};

enum { MARK_CALIBRATE = 1, MARK_BEGIN = 2, MARK_END = 3 };

#define STACK_PATTERN 0x5AA5C33Cu

extern uint32_t __stack_limit[];

static uint8_t arena[NET_ARENA_SIZE > 0 ? NET_ARENA_SIZE : 1]
    __attribute__((aligned(NET_ARENA_ALIGNMENT)));

/* The last mark's event (for a debugger); the plugin counts at this function's entry. */
volatile uint32_t stai_target_last_mark;

__attribute__((noinline, used)) void stai_target_mark(uint32_t event)
{
    stai_target_last_mark = event;
    __asm__ volatile("" ::: "memory");
}

static uintptr_t stack_pointer(void)
{
    uintptr_t sp;
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    return sp;
}

/* Fills the free stack below the caller's frame with the pattern. */
static __attribute__((noinline)) void paint_stack(void)
{
    volatile uint32_t *word = __stack_limit;
    const uintptr_t stop = stack_pointer() - 64u;
    while ((uintptr_t)word < stop) {
        *word++ = STACK_PATTERN;
    }
}

/* The lowest stack address written since paint_stack. */
static uintptr_t stack_low_water(void)
{
    const volatile uint32_t *word = __stack_limit;
    while (*word == STACK_PATTERN) {
        word++;
    }
    return (uintptr_t)word;
}

static int write_text(int handle, const char *text)
{
    size_t n = 0;
    while (text[n] != '\0') {
        n++;
    }
    return stai_sh_write(handle, text, n);
}

static int write_int(int handle, long value)
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
    return write_text(handle, &digits[n]);
}

/* Reads one sample into the inputs: 1 = read, 0 = end of file, -1 = short file. */
static int read_sample(int handle)
{
    for (int i = 0; i < NET_IN_NUM; i++) {
        const long size = (long)NET_INPUT_SIZE(i);
        const long got = stai_sh_read(handle, NET_INPUT_PTR(i), (size_t)size);
        if (i == 0 && got == 0) {
            return 0;
        }
        if (got != size) {
            return -1;
        }
    }
    return 1;
}

static int write_outputs(int handle)
{
    for (int i = 0; i < NET_OUT_NUM; i++) {
        if (stai_sh_write(handle, NET_OUTPUT_PTR(i), NET_OUTPUT_SIZE(i)) != 0) {
            return -1;
        }
    }
    return 0;
}

int main(void)
{
    const int in = stai_sh_open("stai_in.bin", STAI_SH_READ_BINARY);
    const int out = stai_sh_open("stai_out.bin", STAI_SH_WRITE_BINARY);
    const int log = stai_sh_open("stai_log.txt", STAI_SH_WRITE_BINARY);
    if (in < 0 || out < 0 || log < 0) {
        stai_sh_puts("stai harness: cannot open stai_in.bin, stai_out.bin or stai_log.txt\n");
        return EXIT_FILES;
    }
    if (NET_INIT(arena) != 0) {
        stai_sh_puts("stai harness: the network's init failed\n");
        return EXIT_INIT;
    }
    stai_target_mark(MARK_CALIBRATE);
    stai_target_mark(MARK_CALIBRATE);
    for (;;) {
        const int got = read_sample(in);
        if (got == 0) {
            break;
        }
        if (got < 0) {
            stai_sh_puts("stai harness: stai_in.bin ends inside a sample\n");
            return EXIT_INPUT;
        }
        paint_stack();
        const uintptr_t frame = stack_pointer();
        stai_target_mark(MARK_BEGIN);
        const int status = NET_RUN();
        stai_target_mark(MARK_END);
        const uintptr_t low = stack_low_water();
        if (write_outputs(out) != 0 || write_text(log, "run ") != 0 || write_int(log, status) != 0 ||
            write_text(log, " ") != 0 || write_int(log, (long)(frame - low)) != 0 ||
            write_text(log, "\n") != 0) {
            stai_sh_puts("stai harness: cannot write the results\n");
            return EXIT_OUTPUT;
        }
    }
    stai_sh_close(in);
    stai_sh_close(out);
    if (write_text(log, "done\n") != 0) {
        return EXIT_OUTPUT;
    }
    stai_sh_close(log);
    return EXIT_OK;
}
