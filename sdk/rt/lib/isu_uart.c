/* sphere-emu RT SDK: UART on an ISU (include/rt/isu_uart.h; registers in include/mt3620/isu.h).
 *
 * Baud rate with HIGHSPEED = 3: one bit lasts DIVISOR x (SAMPLE_COUNT + 1 + f/10) cycles of the
 * 26 MHz clock, where f is the number of bits set in FRACDIV_M:FRACDIV_L. The divisor is the
 * smallest that keeps SAMPLE_COUNT within 8 bits. */

#include <rt/rt.h>

static uint32_t charUs[ISU_COUNT]; /* one character time; 0: IsuUart_Open not called */

int IsuUart_Open(int isu, uint32_t baud)
{
    if (isu < 0 || isu >= ISU_COUNT || baud < 1200 || baud > 3000000) {
        return ISU_UART_ERROR_PARAM;
    }
    /* Cycles per bit, in tenths, rounded to the nearest. */
    uint32_t tenths = (ISU_UART_CLOCK_HZ * 10u + baud / 2) / baud;
    uint32_t divisor = (tenths + 2559) / 2560; /* SAMPLE_COUNT + 1 <= 256 */
    uint32_t perDivisor = tenths / divisor;
    uint32_t count = perDivisor / 10, fraction = perDivisor % 10;
    uint32_t fracBits = 0; /* fraction bits of 10, spread out */
    for (uint32_t k = 0; k < fraction; k++) {
        fracBits |= 1u << (k * 10 / fraction);
    }

    uint32_t g = ISU_GLOBAL_BASE(isu);
    uint32_t ctl = ReadReg32(g, ISU_GLOBAL_CTRL);
    WriteReg32(g, ISU_GLOBAL_CTRL, ctl & ~ISU_GLOBAL_SW_RST_B);
    WriteReg32(g, ISU_GLOBAL_CTRL, ctl | ISU_GLOBAL_SW_RST_B);

    uintptr_t base = ISU_UART_BASE(isu);
    WriteReg32(base, ISU_UART_LCR, ISU_UART_LCR_EFR_BANK);
    WriteReg32(base, ISU_UART_EFR, ISU_UART_EFR_ENHANCE); /* no flow control */
    WriteReg32(base, ISU_UART_LCR, ISU_UART_LCR_DLAB | ISU_UART_LCR_8N1);
    WriteReg32(base, ISU_UART_HIGHSPEED, 3);
    WriteReg32(base, ISU_UART_DLM, divisor >> 8);
    WriteReg32(base, ISU_UART_DLL, divisor & 0xFF);
    WriteReg32(base, ISU_UART_SAMPLE_COUNT, count - 1);
    WriteReg32(base, ISU_UART_SAMPLE_POINT, (count - 1) / 2);
    WriteReg32(base, ISU_UART_FRACDIV_M, fracBits >> 8);
    WriteReg32(base, ISU_UART_FRACDIV_L, fracBits & 0xFF);
    WriteReg32(base, ISU_UART_LCR, ISU_UART_LCR_8N1);
    WriteReg32(base, ISU_UART_FCR, ISU_UART_FCR_FIFOE | ISU_UART_FCR_CLRR | ISU_UART_FCR_CLRT);
    WriteReg32(base, ISU_UART_IER, 0); /* polled */

    charUs[isu] = (10u * 1000000u + baud - 1) / baud; /* start, 8 data, stop bits */
    return 0;
}

static bool Ready(int isu)
{
    return isu >= 0 && isu < ISU_COUNT && charUs[isu] != 0;
}

int IsuUart_PutChar(int isu, char c)
{
    if (!Ready(isu)) {
        return ISU_UART_ERROR_PARAM;
    }
    uintptr_t base = ISU_UART_BASE(isu);
    /* TX_OFFSET counts the bytes waiting in the TX FIFO; wait while it is full. */
    while (ReadReg32(base, ISU_UART_TX_OFFSET) >= ISU_UART_FIFO_DEPTH) {
        Gpt_WaitUs(charUs[isu]);
    }
    WriteReg32(base, ISU_UART_THR, (uint8_t)c);
    return 1;
}

int IsuUart_Write(int isu, const void *data, size_t len)
{
    if (!Ready(isu) || (data == NULL && len > 0)) {
        return ISU_UART_ERROR_PARAM;
    }
    const char *p = data;
    for (size_t i = 0; i < len; i++) {
        IsuUart_PutChar(isu, p[i]);
    }
    return (int)len;
}

int IsuUart_WriteString(int isu, const char *s)
{
    return s == NULL ? ISU_UART_ERROR_PARAM : IsuUart_Write(isu, s, __builtin_strlen(s));
}

static void Out(char c, void *ctx)
{
    IsuUart_PutChar(*(int *)ctx, c);
}

int IsuUart_Printf(int isu, const char *fmt, ...)
{
    if (!Ready(isu)) {
        return ISU_UART_ERROR_PARAM;
    }
    va_list ap;
    va_start(ap, fmt);
    int n = Rt_VFormat(Out, &isu, fmt, ap);
    va_end(ap);
    return n;
}

bool IsuUart_TxDone(int isu)
{
    return Ready(isu) && (ReadReg32(ISU_UART_BASE(isu), ISU_UART_LSR) & ISU_UART_LSR_TEMT) != 0;
}

size_t IsuUart_Read(int isu, void *buf, size_t len)
{
    if (!Ready(isu) || buf == NULL) {
        return 0;
    }
    uintptr_t base = ISU_UART_BASE(isu);
    uint8_t *p = buf;
    size_t n = 0;
    while (n < len && (ReadReg32(base, ISU_UART_LSR) & ISU_UART_LSR_DR)) {
        p[n++] = (uint8_t)ReadReg32(base, ISU_UART_RBR);
    }
    return n;
}

size_t IsuUart_ReadTimeout(int isu, void *buf, size_t len, uint32_t timeoutUs)
{
    if (!Ready(isu) || buf == NULL) {
        return 0;
    }
    uint8_t *p = buf;
    size_t n = IsuUart_Read(isu, p, len);
    for (uint32_t waited = 0; n < len && waited < timeoutUs; waited += charUs[isu]) {
        Gpt_WaitUs(charUs[isu]);
        n += IsuUart_Read(isu, p + n, len - n);
    }
    return n;
}
