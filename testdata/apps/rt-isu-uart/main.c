/* rt-isu-uart: ISU0 as a UART, driven by a real-time core through the ISU's registers (sdk/rt
 * include/rt/isu_uart.h). ISU0's TX is wired to its RX on the RDB, so every 500 ms the app sends a
 * line, waits for it to come back, and reports on the debug UART what came back; bytes that
 * arrived from outside in between are reported first.
 *
 * Transmission is polled; reception is interrupt-driven: the UART's received-data interrupt
 * (IER.ERBFI, NVIC IRQ 47 for ISU0) runs UartRxHandler, which drains the RX FIFO into a ring
 * buffer that the main loop reads with interrupts masked. */

#include <rt/rt.h>

#define UART_ISU 0
#define BAUD 115200
#define PERIOD_US (500 * 1000)
#define ECHO_TIMEOUT_US (20 * 1000)
#define POLL_US 100
#define RING_SIZE 128 /* a power of two */

static volatile uint8_t ring[RING_SIZE];
static volatile uint32_t ringHead, ringTail; /* written by the handler, read by the main loop */
static volatile uint32_t rxInterrupts, rxDropped;

/* UartRxHandler runs in interrupt context while the RX FIFO holds data; the interrupt is
 * level-sensitive, so it empties the FIFO before returning. */
static void UartRxHandler(void)
{
    rxInterrupts++;
    char b[ISU_UART_FIFO_DEPTH];
    size_t n;
    while ((n = IsuUart_Read(UART_ISU, b, sizeof b)) > 0) {
        for (size_t i = 0; i < n; i++) {
            if (ringHead - ringTail < RING_SIZE) {
                ring[ringHead++ % RING_SIZE] = (uint8_t)b[i];
            } else {
                rxDropped++;
            }
        }
    }
}

/* Take moves up to max received bytes from the ring to out and returns how many it moved. */
static size_t Take(char *out, size_t max)
{
    uint32_t prev = BlockIrqs();
    size_t n = 0;
    while (n < max && ringTail != ringHead) {
        out[n++] = (char)ring[ringTail++ % RING_SIZE];
    }
    RestoreIrqs(prev);
    return n;
}

/* Available returns how many received bytes wait in the ring. */
static size_t Available(void)
{
    uint32_t prev = BlockIrqs();
    size_t n = ringHead - ringTail;
    RestoreIrqs(prev);
    return n;
}

/* Copies p[0..n) to out as printable text (other bytes become '.'), NUL-terminated. */
static void Printable(char *out, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        out[i] = (p[i] >= 0x20 && p[i] < 0x7F) ? p[i] : '.';
    }
    out[n] = '\0';
}

void RTCoreMain(void)
{
    Uart_Init();
    Uart_WriteString("rt-isu-uart: starting\r\n");
    if (IsuUart_Open(UART_ISU, BAUD) != 0) {
        Uart_WriteString("rt-isu-uart: IsuUart_Open failed\r\n");
        return;
    }
    NVIC_SetHandler(ISU_IRQ_UART(UART_ISU), UartRxHandler);
    NVIC_EnableIRQ(ISU_IRQ_UART(UART_ISU));
    WriteReg32(ISU_UART_BASE(UART_ISU), ISU_UART_IER, ISU_UART_IER_ERBFI);

    for (uint32_t n = 1;; n++) {
        Gpt_WaitUs(PERIOD_US);
        char buf[64], text[65];

        size_t got = Take(buf, sizeof buf);
        if (got > 0) {
            Printable(text, buf, got);
            Uart_Printf("rt-isu-uart: received %u bytes: \"%s\"\r\n", (unsigned)got, text);
        }

        char line[32];
        int len = Rt_Snprintf(line, sizeof line, "ping %lu\n", (unsigned long)n);
        IsuUart_WriteString(UART_ISU, line);
        for (uint32_t waited = 0; Available() < (size_t)len && waited < ECHO_TIMEOUT_US; waited += POLL_US) {
            Gpt_WaitUs(POLL_US);
        }
        got = Take(buf, (size_t)len);
        Printable(text, buf, got);
        Uart_Printf("rt-isu-uart: %lu sent %d bytes, %u came back: \"%s\"%s (%lu RX interrupts, %lu dropped)\r\n",
                    (unsigned long)n, len, (unsigned)got, text, IsuUart_TxDone(UART_ISU) ? "" : " (still sending)",
                    (unsigned long)rxInterrupts, (unsigned long)rxDropped);
    }
}
