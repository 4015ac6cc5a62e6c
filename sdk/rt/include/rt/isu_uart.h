/* sphere-emu RT SDK: an ISU as UART, polled (registers in include/mt3620/isu.h). The app's
 * manifest needs "Uart": ["ISUn"]. On the RDB (and in sphere-emu's default board) each ISU's TX
 * is wired to its RX, so what an app sends comes back one character time later.
 *
 * Writes wait (sleeping a character time per retry) while the 16-byte TX FIFO is full; reads
 * take what the RX FIFO holds. Use them in thread mode (in a handler waits busy-poll GPT3). */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ISU_UART_ERROR_PARAM (-1) /* bad ISU or baud rate, or IsuUart_Open not called */

/* Resets ISU isu (0-4) and sets its UART to baud (1200..3000000; one of the MT3620's rates, e.g.
 * 9600, 115200, 921600), 8 data bits, no parity, 1 stop bit, no flow control, FIFOs on and
 * empty. Returns 0 or ISU_UART_ERROR_PARAM. */
int IsuUart_Open(int isu, uint32_t baud);

/* Queues bytes for sending; return len (or ISU_UART_ERROR_PARAM). */
int IsuUart_PutChar(int isu, char c);
int IsuUart_Write(int isu, const void *data, size_t len);
int IsuUart_WriteString(int isu, const char *s);
int IsuUart_Printf(int isu, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* True once every queued byte has left the transmitter (LSR.TEMT). */
bool IsuUart_TxDone(int isu);

/* Moves up to len received bytes into buf without waiting; returns the count. */
size_t IsuUart_Read(int isu, void *buf, size_t len);

/* Like IsuUart_Read, but waits up to timeoutUs (sleeping a character time between looks) for len
 * bytes; returns how many arrived. */
size_t IsuUart_ReadTimeout(int isu, void *buf, size_t len, uint32_t timeoutUs);
