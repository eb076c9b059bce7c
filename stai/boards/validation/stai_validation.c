/* SPDX-License-Identifier: Apache-2.0 */
/* stai's validation firmware: answers the host's frames over a serial link
 * (docs/serial-validation.md has the protocol).
 *
 * Frame, both ways: 0xA5, the payload length (u16, little-endian), the command, the
 * payload, and a CRC-16/CCITT-FALSE (u16) over the length, command and payload. A reply
 * carries the request's command | 0x80, an error 0x7F (code, request's command); while
 * a run with per-node outputs goes on, the device sends 0xC0 (a node's description) and
 * 0xC1 (its tensor name then its output bytes, in chunks) before the run's reply.
 *
 * The network is reached through stai_harness_net.h (net_init, net_run, net_input_ptr,
 * ...) and described by stai_validation_net.h, both written by stai for the network. */
#include "stai_validation.h"

#include <string.h>

#include "stai_validation_net.h"

#if STAI_VALIDATION_MAX_PAYLOAD < 96 || STAI_VALIDATION_MAX_PAYLOAD > 4096
#error "STAI_VALIDATION_MAX_PAYLOAD must be between 96 and 4096"
#endif

enum {
    SOF = 0xA5,
    CMD_HELLO = 0x01,
    CMD_DESCRIBE = 0x02,
    CMD_TENSOR = 0x03,
    CMD_WRITE_INPUT = 0x04,
    CMD_RUN = 0x05,
    CMD_READ_OUTPUT = 0x06,
    CMD_READ_NODE_CYCLES = 0x07,
    REPLY = 0x80,
    CMD_ERROR = 0x7F,
    EVT_NODE_INFO = 0xC0,
    EVT_NODE_DATA = 0xC1,
};

enum {
    ERR_CRC = 1,
    ERR_UNKNOWN_COMMAND = 2,
    ERR_BAD_LENGTH = 3,
    ERR_BAD_INDEX = 4,
    ERR_OUT_OF_RANGE = 5,
    ERR_NO_OBSERVER = 6,
    ERR_TOO_LONG = 7,
    ERR_INIT_FAILED = 8,
};

enum {
    FLAG_OBSERVER = 1,
    FLAG_CYCLES = 2,
    FLAG_CMSIS_NN = 4,
    FLAG_INIT_FAILED = 8,
};

enum { RUN_NODE_CYCLES = 1, RUN_NODE_OUTPUTS = 2 };

#ifndef STAI_VALIDATION_CMSIS_NN
#define STAI_VALIDATION_CMSIS_NN 0
#endif

static const stai_validation_port *port;
static uint8_t rx[STAI_VALIDATION_MAX_PAYLOAD];
static uint8_t tx[STAI_VALIDATION_MAX_PAYLOAD];
static int init_status;

#if defined(STAI_OBSERVER)
static uint32_t node_cycles[STAI_VALIDATION_MAX_NODES];
static uint32_t nodes_seen;
static uint32_t node_start;
static uint8_t run_flags;
#endif

/* ------------------------------------------------------------------ bytes and frames */

static uint16_t crc16(uint16_t crc, const uint8_t *data, size_t size)
{
    for (size_t i = 0; i < size; i++) {
        crc ^= (uint16_t)((uint16_t)data[i] << 8);
        for (int bit = 0; bit < 8; bit++) {
            crc = (crc & 0x8000u) ? (uint16_t)((crc << 1) ^ 0x1021u) : (uint16_t)(crc << 1);
        }
    }
    return crc;
}

static void put_u16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put_u32(uint8_t *p, uint32_t v)
{
    put_u16(p, v);
    put_u16(p + 2, v >> 16);
}

static uint32_t get_u16(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8);
}

static uint32_t get_u32(const uint8_t *p)
{
    return get_u16(p) | (get_u16(p + 2) << 16);
}

/* Sends one frame whose payload is `a` then `b`. */
static void send_frame(uint8_t cmd, const uint8_t *a, size_t na, const uint8_t *b, size_t nb)
{
    uint8_t head[4], tail[2];
    head[0] = SOF;
    put_u16(&head[1], (uint32_t)(na + nb));
    head[3] = cmd;
    uint16_t crc = crc16(0xFFFFu, &head[1], 3);
    crc = crc16(crc, a, na);
    crc = crc16(crc, b, nb);
    put_u16(tail, crc);
    port->send(head, sizeof head);
    if (na != 0) {
        port->send(a, na);
    }
    if (nb != 0) {
        port->send(b, nb);
    }
    port->send(tail, sizeof tail);
}

static void reply(uint8_t cmd, size_t size)
{
    send_frame((uint8_t)(cmd | REPLY), tx, size, NULL, 0);
}

static void error(uint8_t code, uint8_t cmd)
{
    const uint8_t payload[2] = {code, cmd};
    send_frame(CMD_ERROR, payload, sizeof payload, NULL, 0);
}

/* Reads one frame into rx: its command and length, or -1 (an error was sent). */
static int read_frame(uint8_t *cmd, size_t *size)
{
    uint8_t byte = 0, head[3], tail[2];
    do {
        port->receive(&byte, 1);
    } while (byte != SOF);
    port->receive(head, sizeof head);
    *size = get_u16(head);
    *cmd = head[2];
    if (*size > STAI_VALIDATION_MAX_PAYLOAD) {
        error(ERR_TOO_LONG, *cmd);
        return -1;
    }
    port->receive(rx, *size);
    port->receive(tail, sizeof tail);
    if (crc16(crc16(0xFFFFu, head, sizeof head), rx, *size) != get_u16(tail)) {
        error(ERR_CRC, *cmd);
        return -1;
    }
    return 0;
}

static size_t put_name(uint8_t *p, const char *name, size_t room)
{
    size_t n = 0;
    while (name[n] != '\0' && n < room && n < 255u) {
        n++;
    }
    p[0] = (uint8_t)n;
    memcpy(p + 1, name, n);
    return n + 1;
}

/* ------------------------------------------------------------------------ the observer */

#if defined(STAI_OBSERVER)
/* Sends `size` bytes as NODE_DATA frames. */
static void send_chunks(const uint8_t *data, size_t size)
{
    for (size_t sent = 0; sent < size; sent += STAI_VALIDATION_MAX_PAYLOAD) {
        const size_t left = size - sent;
        send_frame(EVT_NODE_DATA, data + sent,
                   left < STAI_VALIDATION_MAX_PAYLOAD ? left : STAI_VALIDATION_MAX_PAYLOAD, NULL, 0);
    }
}

/* A node's description (NODE_INFO), then its tensor name and output (NODE_DATA). */
static void send_node(const stai_observer_node *node)
{
    size_t n = 0, name_len = 0;
    while (node->name[name_len] != '\0' && name_len < 0xFFFFu) {
        name_len++;
    }
    put_u32(&tx[n], (uint32_t)node->c_id);
    put_u32(&tx[n + 4], (uint32_t)node->m_id);
    tx[n + 8] = (uint8_t)node->type;
    tx[n + 9] = (uint8_t)node->rank;
    n += 10;
    for (int i = 0; i < 6; i++, n += 4) {
        put_u32(&tx[n], (uint32_t)(i < STAI_OBSERVER_MAX_RANK ? node->shape[i] : 0));
    }
    float scale = node->scale;
    uint32_t bits;
    memcpy(&bits, &scale, sizeof bits);
    put_u32(&tx[n], bits);
    put_u32(&tx[n + 4], (uint32_t)node->zero_point);
    put_u32(&tx[n + 8], (uint32_t)node->size);
    put_u16(&tx[n + 12], (uint32_t)name_len);
    n += 14;
    n += put_name(&tx[n], node->type_name, sizeof tx - n - 1);
    send_frame(EVT_NODE_INFO, tx, n, NULL, 0);
    send_chunks((const uint8_t *)node->name, name_len);
    send_chunks((const uint8_t *)node->data, node->size);
}

static void on_node(void *user, stai_observer_event event, const stai_observer_node *node)
{
    (void)user;
    const uint32_t now = port->cycles != NULL ? port->cycles() : 0u;
    if (event == STAI_OBSERVER_AFTER) {
        if (node->c_id >= 0 && (uint32_t)node->c_id < STAI_VALIDATION_MAX_NODES) {
            node_cycles[node->c_id] = now - node_start;
        }
        nodes_seen++;
        if (run_flags & RUN_NODE_OUTPUTS) {
            send_node(node);
        }
    } else {
        node_start = port->cycles != NULL ? port->cycles() : 0u;
    }
}
#endif

/* ------------------------------------------------------------------------- commands */

static void hello(void)
{
    uint8_t flags = 0;
#if defined(STAI_OBSERVER)
    flags |= FLAG_OBSERVER;
#endif
    if (port->cycles != NULL) {
        flags |= FLAG_CYCLES;
    }
    if (STAI_VALIDATION_CMSIS_NN) {
        flags |= FLAG_CMSIS_NN;
    }
    if (init_status != 0) {
        flags |= FLAG_INIT_FAILED;
    }
    memcpy(tx, "STAI", 4);
    tx[4] = STAI_VALIDATION_PROTOCOL;
    tx[5] = flags;
    put_u16(&tx[6], STAI_VALIDATION_MAX_PAYLOAD);
    put_u32(&tx[8], port->cpu_hz);
    const size_t n = 12 + put_name(&tx[12], STAI_VALIDATION_NAME, sizeof tx - 13);
    reply(CMD_HELLO, n);
}

static void describe(void)
{
    tx[0] = (uint8_t)NET_IN_NUM;
    tx[1] = (uint8_t)NET_OUT_NUM;
    put_u16(&tx[2], STAI_VALIDATION_NODE_NUM);
    put_u16(&tx[4], STAI_VALIDATION_MAX_NODES);
    reply(CMD_DESCRIBE, 6);
}

static void tensor(size_t size)
{
    if (size != 2) {
        error(ERR_BAD_LENGTH, CMD_TENSOR);
        return;
    }
    const int role = rx[0], index = rx[1];
    const int count = role == 0 ? NET_IN_NUM : NET_OUT_NUM;
    if (role > 1 || index >= count) {
        error(ERR_BAD_INDEX, CMD_TENSOR);
        return;
    }
    const stai_validation_tensor *t =
        role == 0 ? &stai_validation_inputs[index] : &stai_validation_outputs[index];
    const size_t bytes = role == 0 ? net_input_size(index) : net_output_size(index);
    uint32_t bits;
    memcpy(&bits, &t->scale, sizeof bits);
    tx[0] = (uint8_t)role;
    tx[1] = (uint8_t)index;
    tx[2] = t->type;
    tx[3] = t->rank;
    for (int i = 0; i < 6; i++) {
        put_u32(&tx[4 + 4 * i], (uint32_t)t->shape[i]);
    }
    put_u32(&tx[28], bits);
    put_u32(&tx[32], (uint32_t)t->zero_point);
    put_u32(&tx[36], (uint32_t)bytes);
    const size_t n = 40 + put_name(&tx[40], t->name, sizeof tx - 41);
    reply(CMD_TENSOR, n);
}

static void write_input(size_t size)
{
    if (size < 5) {
        error(ERR_BAD_LENGTH, CMD_WRITE_INPUT);
        return;
    }
    const int index = rx[0];
    if (index >= NET_IN_NUM) {
        error(ERR_BAD_INDEX, CMD_WRITE_INPUT);
        return;
    }
    const size_t offset = get_u32(&rx[1]), count = size - 5;
    const size_t total = net_input_size(index);
    if (offset > total || count > total - offset) {
        error(ERR_OUT_OF_RANGE, CMD_WRITE_INPUT);
        return;
    }
    memcpy((uint8_t *)net_input_ptr(index) + offset, &rx[5], count);
    reply(CMD_WRITE_INPUT, 0);
}

static void run(size_t size)
{
    if (size != 1) {
        error(ERR_BAD_LENGTH, CMD_RUN);
        return;
    }
    if (init_status != 0) {
        error(ERR_INIT_FAILED, CMD_RUN);
        return;
    }
    const uint8_t flags = rx[0];
    uint32_t seen = 0;
#if defined(STAI_OBSERVER)
    run_flags = flags;
    nodes_seen = 0;
    (void)net_set_observer(flags != 0 ? on_node : NULL, NULL);
#else
    if (flags != 0) {
        error(ERR_NO_OBSERVER, CMD_RUN);
        return;
    }
#endif
    const uint32_t start = port->cycles != NULL ? port->cycles() : 0u;
    const int status = net_run();
    const uint32_t end = port->cycles != NULL ? port->cycles() : 0u;
#if defined(STAI_OBSERVER)
    (void)net_set_observer(NULL, NULL);
    seen = nodes_seen;
#endif
    put_u32(&tx[0], (uint32_t)status);
    put_u32(&tx[4], end - start);
    put_u16(&tx[8], seen);
    reply(CMD_RUN, 10);
}

static void read_output(size_t size)
{
    if (size != 7) {
        error(ERR_BAD_LENGTH, CMD_READ_OUTPUT);
        return;
    }
    const int index = rx[0];
    if (index >= NET_OUT_NUM) {
        error(ERR_BAD_INDEX, CMD_READ_OUTPUT);
        return;
    }
    const size_t offset = get_u32(&rx[1]), count = get_u16(&rx[5]);
    const size_t total = net_output_size(index);
    if (count > STAI_VALIDATION_MAX_PAYLOAD || offset > total || count > total - offset) {
        error(ERR_OUT_OF_RANGE, CMD_READ_OUTPUT);
        return;
    }
    send_frame(CMD_READ_OUTPUT | REPLY, (const uint8_t *)net_output_ptr(index) + offset, count,
               NULL, 0);
}

static void read_node_cycles(size_t size)
{
    if (size != 4) {
        error(ERR_BAD_LENGTH, CMD_READ_NODE_CYCLES);
        return;
    }
#if defined(STAI_OBSERVER)
    const uint32_t first = get_u16(&rx[0]), count = get_u16(&rx[2]);
    if (4u * count > STAI_VALIDATION_MAX_PAYLOAD || first + count > STAI_VALIDATION_MAX_NODES) {
        error(ERR_OUT_OF_RANGE, CMD_READ_NODE_CYCLES);
        return;
    }
    for (uint32_t i = 0; i < count; i++) {
        put_u32(&tx[4 * i], node_cycles[first + i]);
    }
    reply(CMD_READ_NODE_CYCLES, 4u * count);
#else
    error(ERR_NO_OBSERVER, CMD_READ_NODE_CYCLES);
#endif
}

void stai_validation_serve(const stai_validation_port *board)
{
    port = board;
    init_status = net_init();
    for (;;) {
        uint8_t cmd = 0;
        size_t size = 0;
        if (read_frame(&cmd, &size) != 0) {
            continue;
        }
        switch (cmd) {
        case CMD_HELLO:
            hello();
            break;
        case CMD_DESCRIBE:
            describe();
            break;
        case CMD_TENSOR:
            tensor(size);
            break;
        case CMD_WRITE_INPUT:
            write_input(size);
            break;
        case CMD_RUN:
            run(size);
            break;
        case CMD_READ_OUTPUT:
            read_output(size);
            break;
        case CMD_READ_NODE_CYCLES:
            read_node_cycles(size);
            break;
        default:
            error(ERR_UNKNOWN_COMMAND, cmd);
            break;
        }
    }
}

/* ------------------------------------------------------------------- DWT cycle counter */

#define STAI_DEMCR (*(volatile uint32_t *)0xE000EDFCu)
#define STAI_DWT_CTRL (*(volatile uint32_t *)0xE0001000u)
#define STAI_DWT_CYCCNT (*(volatile uint32_t *)0xE0001004u)
#define STAI_DWT_LAR (*(volatile uint32_t *)0xE0001FB0u)

int stai_validation_dwt_start(void)
{
    STAI_DEMCR |= 1u << 24; /* TRCENA */
    if (STAI_DWT_CTRL & (1u << 25)) {
        return 0; /* NOCYCCNT: no cycle counter */
    }
    STAI_DWT_LAR = 0xC5ACCE55u; /* unlocks the DWT where a lock is implemented (M7) */
    STAI_DWT_CYCCNT = 0;
    STAI_DWT_CTRL |= 1u;
    const uint32_t before = STAI_DWT_CYCCNT;
    for (volatile int i = 0; i < 16; i++) {
    }
    return STAI_DWT_CYCCNT != before;
}

uint32_t stai_validation_dwt_cycles(void)
{
    return STAI_DWT_CYCCNT;
}
