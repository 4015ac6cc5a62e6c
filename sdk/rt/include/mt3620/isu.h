/* sphere-emu RT SDK: the serial interface units ISU0-ISU4 (docs/rt-hardware.md "ISU blocks";
 * sphere-emu's model: hw/isu*.go). Each ISU block (MT3620_ISU_BASE(n), 64 KiB, owned by one core
 * through its manifest: "Uart", "I2cMaster" or "SpiMaster": ["ISUn"]) holds:
 *
 *   +0x000  ISU global control and the GPIO registers of its five pins (include/mt3620/io.h)
 *   +0x200  I2C master               (MediaTek hdl_i2c.h, Codethink mt3620/i2c.h)
 *   +0x300  SPI master               (MediaTek hdl_spim.h, Codethink mt3620/spi.h)
 *   +0x400  SPI subordinate          (not modelled)
 *   +0x500  UART, 16550-like         (Codethink mt3620/uart.h, Microsoft's UART sample)
 *
 * Offsets below are relative to the function's own base (ISU_I2C_BASE(n) etc.). */
#pragma once

#include <mt3620/memmap.h>

#define ISU_COUNT            5
#define ISU_GLOBAL_BASE(n)   (MT3620_ISU_BASE(n) + MT3620_ISU_GPIO_OFFSET)
#define ISU_I2C_BASE(n)      (MT3620_ISU_BASE(n) + MT3620_ISU_I2C_OFFSET)
#define ISU_SPI_BASE(n)      (MT3620_ISU_BASE(n) + MT3620_ISU_SPIM_OFFSET)
#define ISU_UART_BASE(n)     (MT3620_ISU_BASE(n) + MT3620_ISU_UART_OFFSET)

/* Global control (ISU_GLOBAL_BASE + 0x00). */
#define ISU_GLOBAL_CTRL          0x00
#define ISU_GLOBAL_SW_RST_B      (1u << 0)   /* 0 holds I2C, SPI and UART registers in reset */
#define ISU_GLOBAL_I2C_CLK_EN    (1u << 8)
#define ISU_GLOBAL_SPI_CLK_EN    (0xFu << 9)

/* NVIC interrupt numbers (not delivered by sphere-emu yet: poll the status bits). */
#define ISU_IRQ_I2C(n)       (44 + 4 * (n))
#define ISU_IRQ_SPI(n)       (45 + 4 * (n))
#define ISU_IRQ_UART(n)      (47 + 4 * (n))

/* ---- I2C master ---------------------------------------------------------------------------- */
#define I2C_INT_CTRL         0x00 /* bit 0 MM_INT_STA (write 1 to clear), bit 1 MM_INT_EN */
#define I2C_MM_PAD_CON0      0x40 /* bits 4:0 de_cnt, bit 7 sync_en */
#define I2C_MM_CNT_VAL_PHL   0x44 /* SCL phases 0 (7:0) and 1 (15:8), 26 MHz cycles */
#define I2C_MM_CNT_VAL_PHH   0x48 /* SCL phases 2 (7:0) and 3 (15:8) */
#define I2C_MM_CNT_BYTE_PK(i) (0x54 + 4 * (i)) /* length of packet i = 0..2 */
#define I2C_MM_SLAVE_ID      0x60 /* 7-bit target address */
#define I2C_MM_PACK_CON0     0x68 /* bit i: packet i reads; bits 5:4: packets - 1 */
#define I2C_MM_ACK_VAL       0x6C /* bit 8+i: packet i's address not acknowledged; 7:0 data */
#define I2C_MM_CON0          0x70
#define I2C_MM_STATUS        0x74
#define I2C_MM_FIFO_CON0     0x78 /* bit 0 clear RX, bit 1 clear TX */
#define I2C_MM_FIFO_STATUS   0x80
#define I2C_MM_FIFO_PTR      0x84
#define I2C_MM_FIFO_DATA     0x90 /* write: push TX; read: pop RX */
#define I2C_DMA_CON0         0xC0
#define I2C_S_CON0           0xC4

#define I2C_INT_MM_STA       (1u << 0)
#define I2C_INT_MM_EN        (1u << 1)
#define I2C_PACK_READ(i)     (1u << (i))
#define I2C_PACK_COUNT(n)    ((uint32_t)((n) - 1) << 4)
#define I2C_ACK_ID_NACK(i)   (1u << (8 + (i)))
#define I2C_ACK_DATA_MASK    0xFFu
#define I2C_CON0_START       (1u << 0)
#define I2C_CON0_GMODE       (1u << 14)
#define I2C_CON0_MASTER_EN   (1u << 15)
#define I2C_STATUS_BUS_BUSY  (1u << 0)
#define I2C_STATUS_ARB_LOSE  (1u << 1)
#define I2C_STATUS_START_READY (1u << 2)
#define I2C_FIFO_CLR_RX      (1u << 0)
#define I2C_FIFO_CLR_TX      (1u << 1)
#define I2C_FIFO_STATUS_RX_EMPTY (1u << 0)
#define I2C_FIFO_STATUS_TX_EMPTY (1u << 4)
#define I2C_PAD_SYNC_EN      (1u << 7)
#define I2C_FIFO_DEPTH       8
#define I2C_PACKETS          3
#define I2C_CLOCK_HZ         26000000u

/* ---- SPI master ---------------------------------------------------------------------------- */
#define SPI_STCSR            0x00 /* bit 8 START (reads 1 until done), bit 16 BUSY */
#define SPI_SOAR             0x04 /* opcode: its low cmd_bit_cnt bits go out first, MSB first */
#define SPI_SDOR(i)          (0x08 + 4 * (i)) /* MOSI data words 0..7, byte 0 of word 0 first */
#define SPI_SMMR             0x28
#define SPI_SMBCR            0x2C
#define SPI_SCSR             0x34 /* status; reading clears it */
#define SPI_CSPOL            0x38
#define SPI_SDIR(i)          (0x48 + 4 * (i)) /* MISO data words 0..7 */

#define SPI_STCSR_START      (1u << 8)
#define SPI_STCSR_BUSY       (1u << 16)
#define SPI_SMMR_MORE_BUF    (1u << 2)
#define SPI_SMMR_LSB_FIRST   (1u << 3)
#define SPI_SMMR_CPOL        (1u << 4)
#define SPI_SMMR_CPHA        (1u << 5)
#define SPI_SMMR_INT_EN      (1u << 9)
#define SPI_SMMR_FULL_DUPLEX (1u << 10)
#define SPI_SMMR_CLK_DIV(d)  ((uint32_t)(d) << 16)    /* SCK = 80 MHz / (d + 2), d = 0..4095 */
#define SPI_SMMR_CS(cs)      ((uint32_t)(cs) << 29)   /* 0 = CS A, 1 = CS B, 7 = none */
#define SPI_SMMR_CS_MASK     (7u << 29)
#define SPI_SMBCR_MOSI_BITS(n) ((uint32_t)(n) << 0)   /* 0..256 */
#define SPI_SMBCR_MISO_BITS(n) ((uint32_t)(n) << 12)  /* 0..256 */
#define SPI_SMBCR_CMD_BITS(n)  ((uint32_t)(n) << 24)  /* 0..32 */
#define SPI_SCSR_OK          (1u << 0)
#define SPI_CSPOL_DMA_MODE   (1u << 8)
#define SPI_CLOCK_HZ         80000000u
#define SPI_DATA_BYTES       32
#define SPI_OPCODE_BYTES     4

/* ---- UART ---------------------------------------------------------------------------------- */
#define ISU_UART_RBR         0x00 /* read; THR on write; DLL while LCR.DLAB */
#define ISU_UART_THR         0x00
#define ISU_UART_DLL         0x00
#define ISU_UART_IER         0x04 /* DLM while LCR.DLAB */
#define ISU_UART_DLM         0x04
#define ISU_UART_IIR         0x08 /* read; FCR on write; EFR while LCR == 0xBF */
#define ISU_UART_FCR         0x08
#define ISU_UART_EFR         0x08
#define ISU_UART_LCR         0x0C
#define ISU_UART_MCR         0x10
#define ISU_UART_LSR         0x14
#define ISU_UART_SCR         0x1C
#define ISU_UART_HIGHSPEED   0x24
#define ISU_UART_SAMPLE_COUNT 0x28
#define ISU_UART_SAMPLE_POINT 0x2C
#define ISU_UART_FRACDIV_L   0x54
#define ISU_UART_FRACDIV_M   0x58
#define ISU_UART_RX_OFFSET   0x68 /* bytes waiting in the RX FIFO */
#define ISU_UART_TX_OFFSET   0x6C /* bytes waiting in the TX FIFO */

#define ISU_UART_IER_ERBFI   (1u << 0) /* interrupt when received data is available */
#define ISU_UART_IER_ETBEI   (1u << 1) /* interrupt when the transmit holding register is empty */
#define ISU_UART_IER_ELSI    (1u << 2) /* interrupt on a receive line status error (overrun) */
#define ISU_UART_LCR_DLAB    0x80u
#define ISU_UART_LCR_EFR_BANK 0xBFu
#define ISU_UART_LCR_8N1     0x03u
#define ISU_UART_EFR_ENHANCE (1u << 4)
#define ISU_UART_FCR_FIFOE   (1u << 0)
#define ISU_UART_FCR_CLRR    (1u << 1)
#define ISU_UART_FCR_CLRT    (1u << 2)
#define ISU_UART_LSR_DR      (1u << 0)
#define ISU_UART_LSR_OE      (1u << 1)
#define ISU_UART_LSR_THRE    (1u << 5)
#define ISU_UART_LSR_TEMT    (1u << 6)
#define ISU_UART_FIFO_DEPTH  16
#define ISU_UART_CLOCK_HZ    26000000u
