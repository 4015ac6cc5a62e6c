/* sphere-emu RT SDK: an ISU as I2C master, polled through its 8-byte FIFOs (registers in
 * include/mt3620/isu.h). The app's manifest needs "I2cMaster": ["ISUn"].
 *
 * Each call is one transfer of up to three packets (a write, a read, or a write then a read with a
 * repeated start), at most I2C_MAX_TRANSFER bytes each way: the FIFOs' depth (the DMA path is not
 * used). Calls wait for the transfer by sleeping (Gpt_WaitUs) for the time its clocks take at the
 * bus speed, then poll MM_INT_STA; use them in thread mode (in a handler the wait busy-polls GPT3).
 *
 * Results: the number of bytes transferred (written + read), or a negative I2C_ERROR_*. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define I2C_MAX_TRANSFER      8

#define I2C_ERROR_PARAM      (-1) /* bad ISU, address, length or speed, or I2c_Open not called */
#define I2C_ERROR_NACK       (-2) /* nothing acknowledged the address */
#define I2C_ERROR_DATA_NACK  (-3) /* the target refused a data byte */
#define I2C_ERROR_TIMEOUT    (-4) /* no completion within I2C_TIMEOUT_US */
#define I2C_ERROR_BUSY       (-5) /* the master was not ready to start */

#define I2C_TIMEOUT_US        10000
#define I2C_POLL_US           50

#define I2C_BUS_SPEED_STANDARD 100000u
#define I2C_BUS_SPEED_FAST     400000u
#define I2C_BUS_SPEED_FAST_PLUS 1000000u

/* Resets ISU isu (0-4), puts its I2C function in master mode at speedHz (one of the three speeds
 * above) and empties its FIFOs. Returns 0 or I2C_ERROR_PARAM. */
int I2c_Open(int isu, uint32_t speedHz);

/* Writes len (1..8) bytes to the 7-bit address. */
int I2c_Write(int isu, uint8_t address, const void *data, size_t len);

/* Reads len (1..8) bytes from the 7-bit address. */
int I2c_Read(int isu, uint8_t address, void *data, size_t len);

/* Writes wlen (1..8) bytes, then after a repeated start reads rlen (1..8): the usual register
 * read of a sensor (write the register number, read its value). */
int I2c_WriteThenRead(int isu, uint8_t address, const void *wdata, size_t wlen, void *rdata,
                      size_t rlen);
