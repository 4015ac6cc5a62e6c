/* sphere-emu RT SDK: the IO core's dedicated debug UART ("IO UART", 16550-like; reference §1.3,
 * §8). TX goes to the IO0_TXD/IO1_TXD pin, which sphere-emu captures as the core's debug log. */
#pragma once

#define UART_THR         0x00 /* transmit holding register (DLL while LCR bit7 is set) */
#define UART_DLL         0x00
#define UART_DLM         0x04 /* divisor latch MS (IER while LCR bit7 is clear) */
#define UART_LCR         0x0C
#define UART_LSR         0x14
#define UART_HIGHSPEED   0x24
#define UART_SAMPLE_COUNT 0x28
#define UART_SAMPLE_POINT 0x2C
#define UART_FRACDIV_L   0x54
#define UART_FRACDIV_M   0x58

#define UART_LCR_DLAB    0x80u      /* divisor latch access */
#define UART_LCR_8N1     0x03u
#define UART_LSR_THRE    (1u << 5)  /* THR empty: another character may be written */
