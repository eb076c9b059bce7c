/* SPDX-License-Identifier: Apache-2.0 */
/* stai's instruction-counting plugin for QEMU's TCG emulator (built by stai for the host).
 *
 * It counts every guest instruction QEMU executes, exactly (one translated block adds its
 * instruction count when it starts). Arguments (given as -plugin FILE,name=value):
 *   out=PATH     a text file: one line per execution of the mark instruction, then "exit"
 *   mark=ADDR    address of the harness's mark function (hex or decimal, Thumb bit ignored)
 *   ranges=PATH  optional text file of "LOW HIGH CATEGORY" lines (hex addresses, category
 *                0..3): instructions in [LOW, HIGH) are also counted per category
 * Each line of the out file is "TOTAL C0 C1 C2 C3": the instructions executed before the
 * mark instruction (all of them, and those in each category's ranges).
 *
 * Only the plugin interface is declared here (the C ABI QEMU exports to plugins). */
#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the QEMU plugin interface (the subset used, declared for this file) ---- */
typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
struct qemu_info_t;
enum stai_qemu_cb_flags { STAI_QEMU_CB_NO_REGS = 0 };
typedef void (*stai_vcpu_udata_cb)(unsigned int vcpu_index, void *userdata);
typedef void (*stai_tb_trans_cb)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*stai_udata_cb)(qemu_plugin_id_t id, void *userdata);

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, stai_tb_trans_cb cb);
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *tb, stai_vcpu_udata_cb cb,
                                          enum stai_qemu_cb_flags flags, void *userdata);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *insn, stai_vcpu_udata_cb cb,
                                            enum stai_qemu_cb_flags flags, void *userdata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb, size_t idx);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *insn);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, stai_udata_cb cb, void *userdata);

#ifndef STAI_PLUGIN_API_VERSION
#define STAI_PLUGIN_API_VERSION 1
#endif
__attribute__((visibility("default"))) int qemu_plugin_version = STAI_PLUGIN_API_VERSION;

/* ---- counting ---- */
#define CATEGORIES 4
#define MAX_RANGES 4096

typedef struct {
    uint64_t low, high;
    int category;
} range_t;

/* Instruction counts of one translated block (or of the tail of one, from an instruction on). */
typedef struct {
    uint64_t total;
    uint64_t per_category[CATEGORIES];
} counts_t;

static counts_t executed;
static range_t ranges[MAX_RANGES];
static size_t n_ranges;
static uint64_t mark_address = UINT64_MAX;
static FILE *out;

static int category_of(uint64_t address)
{
    for (size_t i = 0; i < n_ranges; i++) {
        if (address >= ranges[i].low && address < ranges[i].high) {
            return ranges[i].category;
        }
    }
    return -1;
}

static void on_block(unsigned int vcpu, void *userdata)
{
    const counts_t *block = userdata;
    (void)vcpu;
    executed.total += block->total;
    for (int c = 0; c < CATEGORIES; c++) {
        executed.per_category[c] += block->per_category[c];
    }
}

/* At the mark instruction: the block's count was added at its start, so take back the
 * instructions from the mark on (``userdata``) to get the count before it. */
static void on_mark(unsigned int vcpu, void *userdata)
{
    const counts_t *tail = userdata;
    (void)vcpu;
    fprintf(out, "%" PRIu64, executed.total - tail->total);
    for (int c = 0; c < CATEGORIES; c++) {
        fprintf(out, " %" PRIu64, executed.per_category[c] - tail->per_category[c]);
    }
    fputc('\n', out);
    fflush(out);
}

static void add_insn(counts_t *counts, uint64_t address)
{
    int c = category_of(address);
    counts->total++;
    if (c >= 0) {
        counts->per_category[c]++;
    }
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    size_t n = qemu_plugin_tb_n_insns(tb);
    counts_t *block = calloc(1, sizeof *block);
    (void)id;
    if (block == NULL) {
        abort();
    }
    for (size_t i = 0; i < n; i++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        uint64_t address = qemu_plugin_insn_vaddr(insn);
        add_insn(block, address);
        if (address == mark_address) {
            counts_t *tail = calloc(1, sizeof *tail);
            if (tail == NULL) {
                abort();
            }
            for (size_t j = i; j < n; j++) {
                add_insn(tail, qemu_plugin_insn_vaddr(qemu_plugin_tb_get_insn(tb, j)));
            }
            qemu_plugin_register_vcpu_insn_exec_cb(insn, on_mark, STAI_QEMU_CB_NO_REGS, tail);
        }
    }
    qemu_plugin_register_vcpu_tb_exec_cb(tb, on_block, STAI_QEMU_CB_NO_REGS, block);
}

static void on_qemu_exit(qemu_plugin_id_t id, void *userdata)
{
    (void)id;
    (void)userdata;
    fprintf(out, "exit %" PRIu64 "\n", executed.total);
    fclose(out);
}

static int read_ranges(const char *path)
{
    FILE *f = fopen(path, "r");
    unsigned long long low, high;
    int category;
    if (f == NULL) {
        return -1;
    }
    while (n_ranges < MAX_RANGES && fscanf(f, "%llx %llx %d", &low, &high, &category) == 3) {
        if (category >= 0 && category < CATEGORIES) {
            ranges[n_ranges].low = low & ~1ull;
            ranges[n_ranges].high = high;
            ranges[n_ranges].category = category;
            n_ranges++;
        }
    }
    fclose(f);
    return 0;
}

__attribute__((visibility("default"))) int qemu_plugin_install(qemu_plugin_id_t id,
                                                               const struct qemu_info_t *info,
                                                               int argc, char **argv)
{
    const char *out_path = NULL;
    (void)info;
    for (int i = 0; i < argc; i++) {
        if (strncmp(argv[i], "out=", 4) == 0) {
            out_path = argv[i] + 4;
        } else if (strncmp(argv[i], "mark=", 5) == 0) {
            mark_address = strtoull(argv[i] + 5, NULL, 0) & ~1ull;
        } else if (strncmp(argv[i], "ranges=", 7) == 0) {
            if (read_ranges(argv[i] + 7) != 0) {
                fprintf(stderr, "stai_icount: cannot read %s\n", argv[i] + 7);
                return -1;
            }
        } else {
            fprintf(stderr, "stai_icount: unknown argument %s\n", argv[i]);
            return -1;
        }
    }
    if (out_path == NULL || (out = fopen(out_path, "w")) == NULL) {
        fprintf(stderr, "stai_icount: needs a writable out=PATH\n");
        return -1;
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
    qemu_plugin_register_atexit_cb(id, on_qemu_exit, NULL);
    return 0;
}
