/* sphere-emu RT SDK: an ISU as SPI master, polled, half duplex (registers in
 * include/mt3620/isu.h). The app's manifest needs "SpiMaster": ["ISUn"].
 *
 * A transfer asserts the chip select, clocks out up to SPI_OPCODE_BYTES bytes from the opcode
 * register and up to SPI_DATA_BYTES from the data registers, then (for a read) clocks in up to
 * SPI_DATA_BYTES, and releases the chip select. Calls wait by sleeping (Gpt_WaitUs) for the time
 * the bytes take at the clock speed, then poll BUSY; use them in thread mode.
 *
 * Results: the number of bytes transferred (written + read), or a negative SPI_ERROR_*. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define SPI_CS_A     0 /* MT3620_SPI_CS_A */
#define SPI_CS_B     1 /* MT3620_SPI_CS_B */
#define SPI_CS_NONE  7 /* no chip select: drive one with a GPIO yourself */

#define SPI_ERROR_PARAM    (-1) /* bad ISU, length, mode or speed, or Spi_Open not called */
#define SPI_ERROR_BUSY     (-2) /* a transfer is still running */
#define SPI_ERROR_TIMEOUT  (-3) /* no completion within SPI_TIMEOUT_US */
#define SPI_ERROR_FAILED   (-4) /* the status register reports no success */

#define SPI_TIMEOUT_US 10000
#define SPI_POLL_US    20

/* Resets ISU isu (0-4) and sets its SPI master up: SCK at most speedHz (80 MHz / (2 + n), so
 * about 19.5 kHz to 40 MHz), SPI mode 0-3 (CPOL = mode bit 1, CPHA = mode bit 0), MSB first, chip
 * select A. Returns 0 or SPI_ERROR_PARAM. */
int Spi_Open(int isu, uint32_t speedHz, int mode);

/* Chooses the chip select of later transfers: SPI_CS_A, SPI_CS_B or SPI_CS_NONE. */
int Spi_SelectCs(int isu, int cs);

/* Bit order of later transfers: 0 = MSB first (the default), 1 = LSB first. */
int Spi_SetLsbFirst(int isu, int lsbFirst);

/* Writes len bytes (1..SPI_OPCODE_BYTES + SPI_DATA_BYTES = 36). */
int Spi_Write(int isu, const void *data, size_t len);

/* Writes wlen bytes (0..SPI_OPCODE_BYTES, through the opcode register), then reads rlen
 * (1..SPI_DATA_BYTES) with the chip select held: a sensor register read. */
int Spi_WriteThenRead(int isu, const void *wdata, size_t wlen, void *rdata, size_t rlen);
