/* sphere-emu RT SDK: intercore communication, RT side (include/rt/intercore.h, reference §7.2).
 * Byte for byte what the IntercoreComms RT sample's logical-intercore.c and mt3620-intercore.c do:
 * the same header words read and written in the same order, the same block layout, the same free
 * space rule, the same mailbox writes. The shared buffers are in the A7's SYSRAM, so every access
 * is a phys_read/phys_write of physical memory. */

#include <rt/rt.h>

#define HEADER_SIZE 64u      /* writePosition, readPosition, reserved[14] */
#define HDR_WRITE_POSITION 0 /* offsets in the header */
#define HDR_READ_POSITION 4
#define BLOCK_SIZE_SIZE 4u  /* the u32 size field */
#define BLOCK_HEADER_SIZE 20u /* component ID + reserved word, counted by the size field */

static CallbackNode recvNode;

static _Noreturn void Corrupt(const char *what)
{
    Uart_Printf("intercore: corrupt %s\r\n", what);
    __builtin_trap();
}

#define INTERCORE_ASSERT(cond, what) \
    do {                             \
        if (!(cond)) {               \
            Corrupt(what);           \
        }                            \
    } while (0)

static uint32_t Load32(uint32_t addr)
{
    uint32_t v;
    phys_read(addr, &v, sizeof(v));
    return v;
}

static void Store32(uint32_t addr, uint32_t v)
{
    phys_write(addr, &v, sizeof(v));
}

static uint32_t RoundUp(uint32_t value, uint32_t alignment)
{
    return (value + (alignment - 1)) & ~(alignment - 1);
}

/* --- mailbox (mt3620-intercore.c) --- */

/* Waits for a mailbox entry and pops it: DATA_ACPT, then CMD_ACPT (which pops). The sample spins
 * on ACPT_CNT; here each empty poll sleeps in wfi. */
static void ReceiveMessage(uint32_t *command, uint32_t *data)
{
    while (ReadReg32(MT3620_MBOX_CA7_BASE, MBOX_ACPT_CNT) == 0) {
        Gpt_WaitUs(INTERCORE_SETUP_POLL_US);
    }
    *data = ReadReg32(MT3620_MBOX_CA7_BASE, MBOX_DATA_ACPT);
    *command = ReadReg32(MT3620_MBOX_CA7_BASE, MBOX_CMD_ACPT);
}

static void HandleMailboxIrq(void)
{
    if (recvNode.cb != NULL) {
        EnqueueDeferredProc(&recvNode);
    }
    /* Clear the "HL sent" software interrupt. */
    WriteReg32(MT3620_MBOX_CA7_BASE, MBOX_SW_INT_STS, MBOX_SW_INT_HL_SENT);
}

static void SignalHL(uint32_t event)
{
    /* (the sample's dsb: phys_write is complete when it returns) */
    WriteReg32(MT3620_MBOX_CA7_BASE, MBOX_SW_INT_PORT, event);
}

IntercoreResult SetupIntercoreComm(IntercoreComm *icc, Callback dataReceived)
{
    uint32_t inboundBase = 0;
    uint32_t outboundBase = 0;
    bool haveInbound = false;
    bool haveOutbound = false;
    for (;;) {
        uint32_t cmd;
        uint32_t data;
        ReceiveMessage(&cmd, &data);
        if (cmd == MBOX_CMD_OUTBOUND_BUFFER) {
            outboundBase = data;
            haveOutbound = true;
        } else if (cmd == MBOX_CMD_INBOUND_BUFFER) {
            inboundBase = data;
            haveInbound = true;
        } else if (cmd == MBOX_CMD_END_OF_SETUP) {
            break;
        }
        /* other commands: ignored, as in the sample */
    }
    INTERCORE_ASSERT(haveInbound && haveOutbound, "setup (no buffer descriptors)");

    uint32_t totalInbound = MBOX_DESC_SIZE(inboundBase);
    uint32_t totalOutbound = MBOX_DESC_SIZE(outboundBase);
    INTERCORE_ASSERT(totalInbound > HEADER_SIZE, "setup (inbound buffer too small)");
    INTERCORE_ASSERT(totalOutbound > HEADER_SIZE, "setup (outbound buffer too small)");
    icc->inboundBufSize = totalInbound - HEADER_SIZE;
    icc->outboundBufSize = totalOutbound - HEADER_SIZE;
    icc->inbound = MBOX_DESC_ADDR(inboundBase);
    icc->outbound = MBOX_DESC_ADDR(outboundBase);

    recvNode.next = NULL;
    recvNode.enqueued = false;
    recvNode.cb = dataReceived;

    /* Be told when the high-level core sends a message (the sample's register sequence). */
    NVIC_SetHandler(MT3620_IRQ_MBOX_CA7, HandleMailboxIrq);
    WriteReg32(MT3620_MBOX_CA7_BASE, MBOX_SW_INT_EN, MBOX_SW_INT_HL_SENT);
    WriteReg32(MT3620_MBOX_CA7_BASE, MBOX_SW_INT_STS, MBOX_SW_INT_HL_SENT);
    NVIC_EnableIRQ(MT3620_IRQ_MBOX_CA7);

    /* A message written before the interrupt was enabled has had its notification cleared just
     * above: look at the ring once anyway. */
    if (dataReceived != NULL) {
        EnqueueDeferredProc(&recvNode);
    }
    return Intercore_OK;
}

/* --- rings (logical-intercore.c) --- */

/* Reads len bytes at startPos of the inbound data area, wrapping to its start; returns the new
 * position (which may equal the size, like the sample's). */
static uint32_t ReadInboundCircular(const IntercoreComm *icc, uint32_t startPos, void *dest,
                                    uint32_t len)
{
    uint32_t data = icc->inbound + HEADER_SIZE;
    uint32_t availToEnd = icc->inboundBufSize - startPos;
    uint32_t readFromEnd = len > availToEnd ? availToEnd : len;
    if (readFromEnd > 0) {
        phys_read(data + startPos, dest, readFromEnd);
    }
    if (len > readFromEnd) {
        phys_read(data, (uint8_t *)dest + readFromEnd, len - readFromEnd);
    }
    uint32_t finalPos = startPos + len;
    if (finalPos > icc->inboundBufSize) {
        finalPos -= icc->inboundBufSize;
    }
    return finalPos;
}

static uint32_t WriteOutboundCircular(const IntercoreComm *icc, uint32_t startPos, const void *src,
                                      uint32_t len)
{
    uint32_t data = icc->outbound + HEADER_SIZE;
    uint32_t spaceToEnd = icc->outboundBufSize - startPos;
    uint32_t writeToEnd = len > spaceToEnd ? spaceToEnd : len;
    if (writeToEnd > 0) {
        phys_write(data + startPos, src, writeToEnd);
    }
    if (len > writeToEnd) {
        phys_write(data, (const uint8_t *)src + writeToEnd, len - writeToEnd);
    }
    uint32_t finalPos = startPos + len;
    if (finalPos > icc->outboundBufSize) {
        finalPos -= icc->outboundBufSize;
    }
    return finalPos;
}

IntercoreResult IntercoreRecv(IntercoreComm *icc, ComponentId *sender, void *data, size_t *size)
{
    uint32_t bufSize = icc->inboundBufSize;
    /* The HL's write position first (acquire), then our own read position. */
    uint32_t remoteWritePosition = Load32(icc->inbound + HDR_WRITE_POSITION);
    uint32_t localReadPosition = Load32(icc->outbound + HDR_READ_POSITION);

    INTERCORE_ASSERT(remoteWritePosition < bufSize, "inbound writePosition (out of range)");
    INTERCORE_ASSERT(remoteWritePosition % RINGBUFFER_ALIGNMENT == 0,
                     "inbound writePosition (unaligned)");
    INTERCORE_ASSERT(localReadPosition < bufSize, "outbound readPosition (out of range)");
    INTERCORE_ASSERT(localReadPosition % RINGBUFFER_ALIGNMENT == 0,
                     "outbound readPosition (unaligned)");

    uint32_t availData = remoteWritePosition >= localReadPosition
                             ? remoteWritePosition - localReadPosition
                             : remoteWritePosition - localReadPosition + bufSize;
    if (availData < BLOCK_SIZE_SIZE) {
        return Intercore_Recv_NoBlockSize;
    }
    /* The size field never straddles the end of the ring. */
    INTERCORE_ASSERT(BLOCK_SIZE_SIZE <= bufSize - localReadPosition, "inbound block (split size)");

    uint32_t blockSize;
    uint32_t pos = ReadInboundCircular(icc, localReadPosition, &blockSize, sizeof(blockSize));
    INTERCORE_ASSERT(blockSize <= availData - BLOCK_SIZE_SIZE, "inbound block (larger than data)");
    INTERCORE_ASSERT(blockSize >= BLOCK_HEADER_SIZE, "inbound block (too short)");

    uint32_t payloadSize = blockSize - BLOCK_HEADER_SIZE;
    if (payloadSize > *size) {
        return Intercore_Recv_BufferTooSmall;
    }
    *size = payloadSize;

    struct {
        ComponentId id;
        uint32_t reserved;
    } blockHeader;
    pos = ReadInboundCircular(icc, pos, &blockHeader, BLOCK_HEADER_SIZE);
    *sender = blockHeader.id;
    pos = ReadInboundCircular(icc, pos, data, payloadSize);

    pos = RoundUp(pos, RINGBUFFER_ALIGNMENT);
    if (pos >= bufSize) {
        pos -= bufSize;
    }
    /* Content read before the position is published (release), then the A7 is told. */
    Store32(icc->outbound + HDR_READ_POSITION, pos);
    SignalHL(MBOX_SW_INT_RT_CONSUMED);
    return Intercore_OK;
}

IntercoreResult IntercoreSend(IntercoreComm *icc, const ComponentId *recipient, const void *data,
                              size_t size)
{
    if (size > INTERCORE_MAX_PAYLOAD_LEN) {
        return Intercore_Send_MessageTooLarge;
    }
    uint32_t bufSize = icc->outboundBufSize;
    /* The HL's read position first (acquire), then our own write position. */
    uint32_t remoteReadPosition = Load32(icc->inbound + HDR_READ_POSITION);
    uint32_t localWritePosition = Load32(icc->outbound + HDR_WRITE_POSITION);

    INTERCORE_ASSERT(remoteReadPosition < bufSize, "inbound readPosition (out of range)");
    INTERCORE_ASSERT(remoteReadPosition % RINGBUFFER_ALIGNMENT == 0,
                     "inbound readPosition (unaligned)");
    INTERCORE_ASSERT(localWritePosition < bufSize, "outbound writePosition (out of range)");
    INTERCORE_ASSERT(localWritePosition % RINGBUFFER_ALIGNMENT == 0,
                     "outbound writePosition (unaligned)");

    /* Equal positions: empty, the whole ring is free. */
    uint32_t availSpace = remoteReadPosition <= localWritePosition
                              ? remoteReadPosition - localWritePosition + bufSize
                              : remoteReadPosition - localWritePosition;

    uint32_t reqBlockSize = BLOCK_SIZE_SIZE + BLOCK_HEADER_SIZE + (uint32_t)size;
    if (availSpace < reqBlockSize + RINGBUFFER_ALIGNMENT) {
        return Intercore_Send_NotEnoughBufferSpace;
    }

    struct {
        uint32_t blockSize; /* excludes the size field itself */
        ComponentId id;
        uint32_t reserved;
    } blockHeader = {reqBlockSize - BLOCK_SIZE_SIZE, *recipient, 0};
    uint32_t pos = WriteOutboundCircular(icc, localWritePosition, &blockHeader,
                                         BLOCK_SIZE_SIZE + BLOCK_HEADER_SIZE);
    pos = WriteOutboundCircular(icc, pos, data, (uint32_t)size);

    pos = RoundUp(pos, RINGBUFFER_ALIGNMENT);
    if (pos >= bufSize) {
        pos -= bufSize;
    }
    /* Content written before the position is published (release), then the A7 is told. */
    Store32(icc->outbound + HDR_WRITE_POSITION, pos);
    SignalHL(MBOX_SW_INT_RT_SENT);
    return Intercore_OK;
}

/* --- component IDs --- */

void ComponentId_Format(const ComponentId *id, char out[37])
{
    Rt_Snprintf(out, 37, "%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x", (unsigned)id->data1,
                id->data2, id->data3, id->data4[0], id->data4[1], id->data4[2], id->data4[3],
                id->data4[4], id->data4[5], id->data4[6], id->data4[7]);
}

static int HexDigit(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

int ComponentId_Parse(const char *s, ComponentId *id)
{
    /* 8-4-4-4-12 hex digits. */
    uint8_t b[16];
    int n = 0;
    for (int i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-') {
                return -1;
            }
            continue;
        }
        int hi = HexDigit(s[i]);
        if (hi < 0) {
            return -1;
        }
        int lo = HexDigit(s[++i]);
        if (lo < 0) {
            return -1;
        }
        b[n++] = (uint8_t)(hi << 4 | lo);
    }
    if (s[36] != '\0') {
        return -1;
    }
    id->data1 = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
    id->data2 = (uint16_t)(b[4] << 8 | b[5]);
    id->data3 = (uint16_t)(b[6] << 8 | b[7]);
    for (int i = 0; i < 8; i++) {
        id->data4[i] = b[8 + i];
    }
    return 0;
}
