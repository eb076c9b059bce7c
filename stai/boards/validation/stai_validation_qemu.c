/* SPDX-License-Identifier: Apache-2.0 */
/* The validation firmware's board port for QEMU's Arm boards (mps2-an386, mps2-an500,
 * mps3-an547): UART0 is a CMSDK APB UART at STAI_UART_BASE (the build defines it per
 * board), whose byte pair is all stai_validation_serve needs. The cycle counter is the
 * DWT's where it counts (QEMU models none, so the host is told there is none). */
#include <stdint.h>

#include "stai_validation.h"

#ifndef STAI_UART_BASE
#error "define STAI_UART_BASE, the address of the board's CMSDK UART0"
#endif

#define UART_REG(offset) (*(volatile uint32_t *)(STAI_UART_BASE + (offset)))
#define UART_DATA UART_REG(0x00)
#define UART_STATE UART_REG(0x04)
#define UART_CTRL UART_REG(0x08)
#define UART_BAUDDIV UART_REG(0x10)

enum { STATE_TX_FULL = 1, STATE_RX_FULL = 2, CTRL_TX_EN = 1, CTRL_RX_EN = 2 };

static void uart_send(const uint8_t *data, size_t size)
{
    for (size_t i = 0; i < size; i++) {
        while (UART_STATE & STATE_TX_FULL) {
        }
        UART_DATA = data[i];
    }
}

static void uart_receive(uint8_t *data, size_t size)
{
    for (size_t i = 0; i < size; i++) {
        while (!(UART_STATE & STATE_RX_FULL)) {
        }
        data[i] = (uint8_t)UART_DATA;
    }
}

int main(void)
{
    UART_BAUDDIV = 16;
    UART_CTRL = CTRL_TX_EN | CTRL_RX_EN;
    (void)UART_DATA; /* a read tells the emulator the receiver is ready */
    stai_validation_port port = {uart_send, uart_receive, NULL, 0};
    if (stai_validation_dwt_start()) {
        port.cycles = stai_validation_dwt_cycles;
    }
    stai_validation_serve(&port);
    return 0;
}
