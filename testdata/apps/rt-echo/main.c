/* rt-echo: the IntercoreComms RT sample's behaviour for sphere-emu's real-time cores. Each
 * message from a high-level app is logged on the debug UART and sent back to its sender, prefixed
 * with "rt-echo: ". Bare metal: interrupts post deferred procedures; the main loop sleeps in wfi
 * and runs them.
 *
 * Built with RT_ECHO_QUIET defined (testdata/apps/rt-echo-quiet), it logs nothing for a message it
 * echoes, so the intercore round-trip benchmark measures the exchange and not the debug UART. */

#include <rt/rt.h>

static IntercoreComm icc;

static const char prefix[] = "rt-echo: ";
#define PREFIX_LEN (sizeof(prefix) - 1)

static uint8_t reply[PREFIX_LEN + INTERCORE_MAX_PAYLOAD_LEN];
#define MESSAGE (reply + PREFIX_LEN) /* the message is received right after the prefix */

#ifndef RT_ECHO_QUIET
/* Logs payload as text, non-printable bytes as '.'. */
static void LogPayload(const uint8_t *p, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        Uart_PutChar(p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '.');
    }
}
#endif

static void HandleReceivedMessageDeferred(void)
{
    for (;;) {
        ComponentId sender;
        size_t len = INTERCORE_MAX_PAYLOAD_LEN;
        IntercoreResult r = IntercoreRecv(&icc, &sender, MESSAGE, &len);
        if (r == Intercore_Recv_NoBlockSize) {
            return;
        }
        if (r != Intercore_OK) {
            Uart_Printf("rt-echo: receive failed: 0x%x\r\n", r);
            return;
        }

#ifndef RT_ECHO_QUIET
        char senderText[37];
        ComponentId_Format(&sender, senderText);
        Uart_Printf("rt-echo: received %zu bytes from %s: \"", len, senderText);
        LogPayload(MESSAGE, len);
        Uart_WriteString("\"\r\n");
#endif

        size_t replyLen = PREFIX_LEN + len;
        if (replyLen > INTERCORE_MAX_PAYLOAD_LEN) {
            replyLen = INTERCORE_MAX_PAYLOAD_LEN;
        }
        __builtin_memcpy(reply, prefix, PREFIX_LEN);
        r = IntercoreSend(&icc, &sender, reply, replyLen);
        if (r != Intercore_OK) {
            Uart_Printf("rt-echo: send failed: 0x%x\r\n", r);
        } else {
#ifndef RT_ECHO_QUIET
            Uart_Printf("rt-echo: sent %zu bytes to %s\r\n", replyLen, senderText);
#endif
        }
    }
}

void RTCoreMain(void)
{
    Uart_Init();
    Uart_WriteString("rt-echo: waiting for the intercore buffers\r\n");

    IntercoreResult r = SetupIntercoreComm(&icc, HandleReceivedMessageDeferred);
    if (r != Intercore_OK) {
        Uart_Printf("rt-echo: SetupIntercoreComm failed: 0x%x\r\n", r);
        return;
    }
    Uart_Printf("rt-echo: ready (inbound %lu bytes, outbound %lu bytes)\r\n",
                (unsigned long)icc.inboundBufSize, (unsigned long)icc.outboundBufSize);

    for (;;) {
        WaitForDeferredProcs();
        InvokeDeferredProcs();
    }
}
