/* sphere-emu RT SDK: mailbox registers (reference §1.7; MediaTek hdl_mbox.h, the IntercoreComms
 * RT sample's mt3620-intercore.c). Base: MT3620_MBOX_CA7_BASE (A7 <-> this core). */
#pragma once

#define MBOX_VER         0x00
#define MBOX_GEN_CTRL    0x04
#define MBOX_SW_INT_PORT 0x14 /* "SW_TX_INT_PORT": write bits to interrupt the A7 */
#define MBOX_SW_INT_EN   0x18 /* "SW_RX_INT_EN": which A7 -> M4 software interrupts reach IRQ 11 */
#define MBOX_SW_INT_STS  0x1C /* "SW_RX_INT_STS": pending A7 -> M4 software interrupts; W1C */
#define MBOX_NF_THRS     0x30
#define MBOX_NE_THRS     0x34
#define MBOX_INT_EN      0x38 /* FIFO interrupts, MBOX_INT_*; not used by the SDK (sphere-emu */
#define MBOX_INT_STS     0x3C /* folds them into IRQ 11, where the SDK's handler expects only
                                 software interrupts) */
#define MBOX_CMD_POST    0x40
#define MBOX_DATA_POST   0x44
#define MBOX_POST_CNT    0x48
#define MBOX_CMD_ACPT    0x50 /* reading it pops the FIFO entry (read DATA_ACPT first) */
#define MBOX_DATA_ACPT   0x54
#define MBOX_ACPT_CNT    0x58 /* entries waiting to be accepted */
#define MBOX_SEM         0x60

#define MBOX_FIFO_DEPTH  15

/* FIFO interrupt bits of INT_EN/INT_STS (hdl_mbox.h, as sphere-emu's hw/mbox.go models them). */
#define MBOX_INT_NE      (1u << 0) /* the A7 -> M4 FIFO holds more than NE_THRS entries */
#define MBOX_INT_WR      (1u << 1) /* the A7 posted an entry (latched; write 1 to clear) */
#define MBOX_INT_NF      (1u << 2) /* the M4 -> A7 FIFO has more than NF_THRS free slots */
#define MBOX_INT_RD      (1u << 3) /* the A7 accepted an entry (latched; write 1 to clear) */

/* Software interrupt bits of the intercore protocol (reference §7.2). */
#define MBOX_SW_INT_RT_SENT      (1u << 0) /* SW_INT_PORT: RT wrote a message to the outbound ring */
#define MBOX_SW_INT_RT_CONSUMED  (1u << 1) /* SW_INT_PORT: RT consumed an inbound message */
#define MBOX_SW_INT_HL_SENT      (1u << 1) /* SW_INT_STS/EN: HL wrote a message to the inbound ring */

/* Intercore setup commands, posted by the A7 as (command, data) FIFO entries. */
#define MBOX_CMD_OUTBOUND_BUFFER 0xBA5E0001u /* data: outbound (RT -> HL) buffer descriptor */
#define MBOX_CMD_INBOUND_BUFFER  0xBA5E0002u /* data: inbound (HL -> RT) buffer descriptor */
#define MBOX_CMD_END_OF_SETUP    0xBA5E0003u

/* Buffer descriptor: bits 31..5 = 32-byte aligned physical address of the buffer header,
 * bits 4..0 = log2 of the total buffer size (header included). */
#define MBOX_DESC_ADDR(d)        ((uint32_t)(d) & ~0x1Fu)
#define MBOX_DESC_SIZE(d)        ((uint32_t)1 << ((uint32_t)(d) & 0x1Fu))
