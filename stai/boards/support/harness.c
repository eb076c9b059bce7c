/* SPDX-License-Identifier: Apache-2.0 */
/* stai's target test harness: runs a generated network on an emulated Cortex-M board.
 *
 * It reads samples from the host file stai_in.bin (each sample: every input's bytes, in
 * input order, as stai_NAME_input_size gives them) through semihosting, runs the
 * network on each, and writes every output's bytes to stai_out.bin and one line per
 * sample to stai_log.txt ("run STATUS STACK_BYTES", then "marks E1 E2 ..."). It calls
 * stai_target_mark() before and after each inference, and, built with STAI_OBSERVER,
 * before and after each node through the observer; the instruction-counting plugin reads
 * its counter there. The marks line lists the events in order: 2 = begin, 3 = end,
 * 4 + 2 * c_id = before node c_id, 5 + 2 * c_id = after it. With STAI_OBSERVER and a host
 * file stai_capture.bin present, every node's description and output are written there
 * after the node runs: 15 int32 (c_id, m_id, type, rank, shape[6], zero_point, the float
 * scale's bits, the lengths of the type name and of the tensor name, the output's size),
 * then the two names and the output bytes.
 *
 * The network is reached through stai_harness_net.h, which stai writes for each build:
 * net_init() binds its buffers (activation pools arena_K, caller-provided inputs and
 * outputs, a --binary weights file); net_run(), net_input_ptr(i)... and, with
 * STAI_OBSERVER, net_set_observer() are static functions that call the network's API (in
 * the harness's object, as the harness's own code). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "semihost.h"
#include "stai_harness_net.h"

enum {
    EXIT_OK = 0,
    EXIT_FILES = 2,
    EXIT_INIT = 3,
    EXIT_INPUT = 4,
    EXIT_OUTPUT = 5,
};

enum { MARK_BEGIN = 2, MARK_END = 3, MARK_NODE = 4 };

#if defined(STAI_OBSERVER)
#define MAX_EVENTS 4096 /* 2 per node and 2 per inference */
#else
#define MAX_EVENTS 2
#endif

#define STACK_PATTERN 0x5AA5C33Cu

extern uint32_t __stack_limit[];

/* The events of the current inference's marks, in order. */
static uint32_t events[MAX_EVENTS];
static uint32_t n_events;

/* The plugin counts at this function's entry. */
__attribute__((noinline, used)) void stai_target_mark(uint32_t event)
{
    if (n_events < MAX_EVENTS) {
        events[n_events] = event;
    }
    n_events++;
    __asm__ volatile("" ::: "memory");
}

#if defined(STAI_OBSERVER)
static int capture = -1;

static void on_node(void *user, stai_observer_event event, const stai_observer_node *node)
{
    (void)user;
    if (event == STAI_OBSERVER_AFTER && capture >= 0) {
        int32_t head[15];
        float scale = node->scale;
        size_t type_len = 0, name_len = 0;
        while (node->type_name[type_len] != '\0') {
            type_len++;
        }
        while (node->name[name_len] != '\0') {
            name_len++;
        }
        head[0] = node->c_id;
        head[1] = node->m_id;
        head[2] = (int32_t)node->type;
        head[3] = node->rank;
        for (int i = 0; i < STAI_OBSERVER_MAX_RANK; i++) {
            head[4 + i] = node->shape[i];
        }
        head[10] = node->zero_point;
        memcpy(&head[11], &scale, sizeof scale);
        head[12] = (int32_t)type_len;
        head[13] = (int32_t)name_len;
        head[14] = (int32_t)node->size;
        if (stai_sh_write(capture, head, sizeof head) != 0 ||
            stai_sh_write(capture, node->type_name, type_len) != 0 ||
            stai_sh_write(capture, node->name, name_len) != 0 ||
            stai_sh_write(capture, node->data, node->size) != 0) {
            capture = -1;
        }
    }
    stai_target_mark(MARK_NODE + 2u * (uint32_t)node->c_id + (event == STAI_OBSERVER_AFTER ? 1u : 0u));
}
#endif

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

/* Reads one sample into the inputs: 1 = read, 0 = end of file, -1 = short file. */
static int read_sample(int handle)
{
    for (int i = 0; i < NET_IN_NUM; i++) {
        const long size = (long)net_input_size(i);
        const long got = stai_sh_read(handle, net_input_ptr(i), (size_t)size);
        if (i == 0 && got == 0) {
            return 0;
        }
        if (got != size) {
            return -1;
        }
    }
    return 1;
}

static int write_events(int handle)
{
    if (n_events > MAX_EVENTS) {
        return stai_sh_write_text(handle, "marks overflow\n");
    }
    if (stai_sh_write_text(handle, "marks") != 0) {
        return -1;
    }
    for (uint32_t i = 0; i < n_events; i++) {
        if (stai_sh_write_text(handle, " ") != 0 ||
            stai_sh_write_int(handle, (long)events[i]) != 0) {
            return -1;
        }
    }
    return stai_sh_write_text(handle, "\n");
}

static int write_outputs(int handle)
{
    for (int i = 0; i < NET_OUT_NUM; i++) {
        if (stai_sh_write(handle, net_output_ptr(i), net_output_size(i)) != 0) {
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
    if (net_init() != 0) {
        stai_sh_puts("stai harness: the network's init failed\n");
        return EXIT_INIT;
    }
#if defined(STAI_OBSERVER)
    capture = stai_sh_open("stai_capture.bin", STAI_SH_READ_BINARY);
    if (capture >= 0) {
        stai_sh_close(capture);
        capture = stai_sh_open("stai_capture.bin", STAI_SH_WRITE_BINARY);
    }
    (void)net_set_observer(on_node, NULL);
#endif
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
        n_events = 0;
        stai_target_mark(MARK_BEGIN);
        const int status = net_run();
        stai_target_mark(MARK_END);
        const uintptr_t low = stack_low_water();
        if (write_outputs(out) != 0 || stai_sh_write_text(log, "run ") != 0 ||
            stai_sh_write_int(log, status) != 0 || stai_sh_write_text(log, " ") != 0 ||
            stai_sh_write_int(log, (long)(frame - low)) != 0 || stai_sh_write_text(log, "\n") != 0 ||
            write_events(log) != 0) {
            stai_sh_puts("stai harness: cannot write the results\n");
            return EXIT_OUTPUT;
        }
    }
    stai_sh_close(in);
    stai_sh_close(out);
#if defined(STAI_OBSERVER)
    if (capture >= 0) {
        stai_sh_close(capture);
    }
#endif
    if (stai_sh_write_text(log, "done\n") != 0) {
        return EXIT_OUTPUT;
    }
    stai_sh_close(log);
    return EXIT_OK;
}
