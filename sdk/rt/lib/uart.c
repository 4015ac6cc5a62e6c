/* sphere-emu RT SDK: the debug UART (include/rt/uart.h), polled like the RT samples'
 * mt3620-uart-poll.c. */

#include <rt/rt.h>

/* One character at 115200 baud (10 bits) takes ~87 us: how long to sleep when THR is full. */
#define UART_CHAR_TIME_US 87

void Uart_Init(void)
{
    /* 115200-8-N-1 from the 26 MHz clock: the samples' sequence (reference §8). */
    WriteReg32(MT3620_UART_BASE, UART_LCR, UART_LCR_DLAB); /* enable DLL, DLM */
    WriteReg32(MT3620_UART_BASE, UART_HIGHSPEED, 0x3);
    WriteReg32(MT3620_UART_BASE, UART_DLM, 0);
    WriteReg32(MT3620_UART_BASE, UART_DLL, 1);
    WriteReg32(MT3620_UART_BASE, UART_SAMPLE_COUNT, 224);
    WriteReg32(MT3620_UART_BASE, UART_SAMPLE_POINT, 110);
    WriteReg32(MT3620_UART_BASE, UART_FRACDIV_M, 0);
    WriteReg32(MT3620_UART_BASE, UART_FRACDIV_L, 223);
    WriteReg32(MT3620_UART_BASE, UART_LCR, UART_LCR_8N1);
}

void Uart_PutChar(char c)
{
    /* When LSR[5] is set, THR takes another character. While it is not, sleep a character time
     * (virtual time only passes in wfi); inside a handler, where nothing can wake wfi, poll. */
    while ((ReadReg32(MT3620_UART_BASE, UART_LSR) & UART_LSR_THRE) == 0) {
        if (!NVIC_InHandler()) {
            Gpt_WaitUs(UART_CHAR_TIME_US);
        }
    }
    WriteReg32(MT3620_UART_BASE, UART_THR, (uint8_t)c);
}

void Uart_Write(const void *data, size_t len)
{
    const char *p = data;
    for (size_t i = 0; i < len; i++) {
        Uart_PutChar(p[i]);
    }
}

void Uart_WriteString(const char *s)
{
    while (*s != '\0') {
        Uart_PutChar(*s++);
    }
}

static void UartOut(char c, void *ctx)
{
    (void)ctx;
    Uart_PutChar(c);
}

int Uart_VPrintf(const char *fmt, va_list ap)
{
    return Rt_VFormat(UartOut, NULL, fmt, ap);
}

int Uart_Printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = Uart_VPrintf(fmt, ap);
    va_end(ap);
    return n;
}

void Uart_WriteStringPoll(const char *s)
{
    Uart_WriteString(s);
}

void Uart_WriteIntegerPoll(int value)
{
    Uart_Printf("%d", value);
}

void Uart_WriteHexBytePoll(uint8_t value)
{
    Uart_Printf("%02x", value);
}
