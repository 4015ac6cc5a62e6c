/* sphere-emu RT SDK: intercore communication, RT side - the IntercoreComms RT sample's
 * logical-intercore.h API over the shared-buffer + mailbox protocol of reference §7.2.
 *
 * Protocol (bit-exact with the real RT sample; the A7 side implements the same layout):
 *
 *  Setup. The A7 posts three entries on the HSP-CA7-normal mailbox (0x21050000), each a
 *  (command, data) pair: (0xBA5E0001, outbound descriptor), (0xBA5E0002, inbound descriptor),
 *  (0xBA5E0003, ignored). A descriptor is the 32-byte aligned physical address of a buffer (bits 31..5)
 *  ORed with log2 of its total size (bits 4..0). Outbound carries RT -> HL, inbound HL -> RT.
 *
 *  Buffer = 64-byte header + data area (total - 64 bytes, used as a ring). Header:
 *      +0 u32 writePosition   +4 u32 readPosition   +8 u32 reserved[14]
 *  with the read positions stored crosswise:
 *      outbound.writePosition  RT's write offset in the outbound data area   (written by RT)
 *      outbound.readPosition   RT's read offset in the *inbound* data area   (written by RT)
 *      inbound.writePosition   HL's write offset in the inbound data area    (written by HL)
 *      inbound.readPosition    HL's read offset in the *outbound* data area  (written by HL)
 *  All little-endian; offsets are relative to the data area and always multiples of 16.
 *
 *  Block = u32 size (the bytes that follow it: 16 + 4 + payload) | 16-byte component ID |
 *  u32 reserved (0) | payload, written at the write offset and wrapping modulo the data area size;
 *  the next block starts at the next multiple of 16 (padding bytes are not written). On send the
 *  ID is the recipient's, on receive the sender's. A sender needs free space >= block + 16, where
 *  free = (read - write) mod size, and an equal read and write offset means empty: the ring never
 *  becomes completely full.
 *
 *  Notification (mailbox software interrupts): after publishing a block the RT sets SW_INT_PORT
 *  bit0; after consuming one, SW_INT_PORT bit1. The HL raises SW_INT_STS bit1, which the RT
 *  enables in SW_INT_EN and receives as IRQ 11.
 *
 * Errors the protocol cannot recover from (a corrupt header or block, setup without descriptors)
 * print "intercore: corrupt ..." on the debug UART and trap (a WASM `unreachable`, the analogue of
 * the sample's Assert spinning forever).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <rt/nvic.h>

/* A component ID in memory (Windows GUID byte order): the first three fields little-endian, then
 * data4 as written in the string form. "25025d2c-66da-4448-bae1-ac26fcdd3627" is
 * {0x25025d2c, 0x66da, 0x4448, {0xba, 0xe1, 0xac, 0x26, 0xfc, 0xdd, 0x36, 0x27}}. */
typedef struct {
    uint32_t data1;
    uint16_t data2;
    uint16_t data3;
    uint8_t data4[8];
} ComponentId;

/* Blocks inside the shared buffer have this alignment. */
#define RINGBUFFER_ALIGNMENT 16
/* Largest payload IntercoreSend accepts (the RT sample's limit; the HL kernel refuses > 1024). */
#define INTERCORE_MAX_PAYLOAD_LEN 1040

/* A handle; SetupIntercoreComm fills it in. Physical addresses, since the buffers are in the A7's
 * SYSRAM, outside the module's memory. */
typedef struct {
    uint32_t inbound;         /* physical address of the inbound (HL -> RT) buffer header */
    uint32_t outbound;        /* physical address of the outbound (RT -> HL) buffer header */
    uint32_t inboundBufSize;  /* data area sizes, header excluded */
    uint32_t outboundBufSize;
} IntercoreComm;

typedef enum {
    Intercore_OK = 0,
    /* Not even a block size in the inbound ring: no message. */
    Intercore_Recv_NoBlockSize = 0x10,
    /* The caller's buffer is too small for the payload; the message stays in the ring. */
    Intercore_Recv_BufferTooSmall = 0x11,
    /* Payload larger than INTERCORE_MAX_PAYLOAD_LEN; nothing sent. */
    Intercore_Send_MessageTooLarge = 0x20,
    /* Not enough free space in the outbound ring; nothing sent. */
    Intercore_Send_NotEnoughBufferSpace = 0x21,
} IntercoreResult;

/* Waits (wfi, polling the mailbox every INTERCORE_SETUP_POLL_US) for the three setup entries, fills
 * in icc, enables the "HL sent" software interrupt (SW_INT_EN bit1) and IRQ 11. dataReceived (may
 * be NULL) then runs in DPC context - from InvokeDeferredProcs, include/rt/dpc.h - after each
 * notification, and once right after setup in case the HL app wrote before the RT listened; it
 * should call IntercoreRecv until Intercore_Recv_NoBlockSize. Returns Intercore_OK. */
IntercoreResult SetupIntercoreComm(IntercoreComm *icc, Callback dataReceived);

#define INTERCORE_SETUP_POLL_US 1000

/* Reads the next inbound message: sender's component ID, payload into data. *size: in, data's
 * capacity; out, the payload length. Then signals the A7 (SW_INT_PORT bit1). */
IntercoreResult IntercoreRecv(IntercoreComm *icc, ComponentId *sender, void *data, size_t *size);

/* Writes a message for recipient to the outbound ring and signals the A7 (SW_INT_PORT bit0). */
IntercoreResult IntercoreSend(IntercoreComm *icc, const ComponentId *recipient, const void *data,
                              size_t size);

/* "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" (lower case) and a NUL into out[37]. */
void ComponentId_Format(const ComponentId *id, char out[37]);

/* Parses the string form (either case); returns 0, or -1 if s is not a component ID. */
int ComponentId_Parse(const char *s, ComponentId *id);
