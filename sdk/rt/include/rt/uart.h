/* sphere-emu RT SDK: the IO core's debug UART (include/mt3620/uart.h), polled, like the RT samples'
 * mt3620-uart-poll.c. Output is not translated: end lines with "\r\n" as the samples do. */
#pragma once

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* 115200-8-N-1, the samples' register sequence (reference §8). */
void Uart_Init(void);

void Uart_PutChar(char c);
void Uart_Write(const void *data, size_t len);
void Uart_WriteString(const char *s);

/* printf to the UART, formatted by Rt_Vsnprintf (include/rt/printf.h). Returns the number of
 * characters written. */
int Uart_Printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int Uart_VPrintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* The samples' helpers. */
void Uart_WriteStringPoll(const char *s);
void Uart_WriteIntegerPoll(int value);
void Uart_WriteHexBytePoll(uint8_t value);
