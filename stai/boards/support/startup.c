/* SPDX-License-Identifier: Apache-2.0 */
/* Start-up code of stai's target test harness for the emulated Cortex-M boards: the
 * vector table, the reset handler (copy .data, zero .bss, enable the FPU and Helium,
 * run main, exit through semihosting) and fault handlers that end the run with a code. */
#include <stdint.h>

#include "semihost.h"

/* Symbols of the board's linker script. */
extern uint32_t __data_load[], __data_start[], __data_end[];
extern uint32_t __bss_start[], __bss_end[];
extern uint32_t __stack_top[];

int main(void);
void stai_reset_handler(void);
void stai_fault_handler(void);
void stai_other_handler(void);

#define STAI_EXIT_FAULT 99
#define STAI_EXIT_UNEXPECTED_IRQ 98
#define CPACR (*(volatile uint32_t *)0xE000ED88u)

__attribute__((section(".vectors"), used)) void (*const stai_vectors[16])(void) = {
    (void (*)(void))(uintptr_t)__stack_top,
    stai_reset_handler,
    stai_other_handler, /* NMI */
    stai_fault_handler, /* HardFault */
    stai_fault_handler, /* MemManage */
    stai_fault_handler, /* BusFault */
    stai_fault_handler, /* UsageFault */
    stai_fault_handler, /* SecureFault (Armv8-M) */
    0,
    0,
    0,
    stai_other_handler, /* SVCall */
    stai_other_handler, /* DebugMonitor */
    0,
    stai_other_handler, /* PendSV */
    stai_other_handler, /* SysTick */
};

void stai_fault_handler(void)
{
    stai_sh_puts("stai harness: fault\n");
    stai_sh_exit(STAI_EXIT_FAULT);
}

void stai_other_handler(void)
{
    stai_sh_puts("stai harness: unexpected exception\n");
    stai_sh_exit(STAI_EXIT_UNEXPECTED_IRQ);
}

void stai_reset_handler(void)
{
    /* Full access to coprocessors 10 and 11 (FPU, and Helium on Armv8.1-M). */
    CPACR |= 0xFu << 20;
    __asm__ volatile("dsb\n\tisb" ::: "memory");
    for (uint32_t *src = __data_load, *dst = __data_start; dst < __data_end;) {
        *dst++ = *src++;
    }
    for (uint32_t *dst = __bss_start; dst < __bss_end;) {
        *dst++ = 0;
    }
    stai_sh_exit(main());
}
