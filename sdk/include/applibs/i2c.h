/// \file i2c.h
/// \brief I2C master interfaces (on the MT3620, an ISU configured as I2C). An app may open only
/// the interfaces listed in the I2cMaster capability of its manifest.
///
/// sphere-emu SDK: same names, types, values and signatures as the Azure Sphere applibs header
/// (reference §6 "i2c.h"). Calls map to the "applibs" imports i2c_open, i2c_set_bus_speed,
/// i2c_set_timeout, i2c_set_default_target and i2c_transfer (docs/abi.md). read() and write()
/// on the descriptor talk to the default target address.
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define I2C_BUS_SPEED_STANDARD 100000   /* 100 kHz */
#define I2C_BUS_SPEED_FAST 400000       /* 400 kHz */
#define I2C_BUS_SPEED_FAST_PLUS 1000000 /* 1 MHz */
#define I2C_BUS_SPEED_HIGH 3400000      /* 3.4 MHz */

/// <summary>The ID of an I2C master interface (MT3620_ISU0_I2C (0) .. MT3620_ISU4_I2C (4)).
/// </summary>
typedef int I2C_InterfaceId;

/// <summary>A 7-bit I2C device address, without the read/write bit. (10-bit addresses are
/// not supported on the MT3620.)</summary>
typedef uint32_t I2C_DeviceAddress;

/// <summary>
///     Opens an I2C master interface for exclusive use and returns its descriptor. The
///     interface starts at I2C_BUS_SPEED_STANDARD with no default target.
///     <para> **Errors** </para>
///     Returns -1 and sets errno:
///     <para>EACCES: <paramref name="id"/> is not in the I2cMaster field of the manifest.</para>
///     <para>ENODEV: <paramref name="id"/> is not an I2C interface.</para>
///     <para>EBUSY: the interface is already open.</para>
/// </summary>
int I2CMaster_Open(I2C_InterfaceId id);

/// <summary>
///     Sets the bus speed. The MT3620 supports I2C_BUS_SPEED_STANDARD, I2C_BUS_SPEED_FAST and
///     I2C_BUS_SPEED_FAST_PLUS.
///     <para> **Errors** </para>
///     Returns -1 and sets errno: EBADF not an I2C descriptor; EINVAL unsupported speed.
/// </summary>
int I2CMaster_SetBusSpeed(int fd, uint32_t speedInHz);

/// <summary>
///     Sets the timeout of I2C operations, in milliseconds.
///     <para> **Errors** </para>
///     Returns -1 and sets errno: EBADF not an I2C descriptor; EINVAL timeout is 0.
/// </summary>
int I2CMaster_SetTimeout(int fd, uint32_t timeoutInMs);

/// <summary>
///     Reads up to maxLength bytes from the device at <paramref name="address"/>. Like
///     read(2), but with an explicit target.
///     <para> **Errors** </para>
///     Returns -1 and sets errno:
///     <para>EFAULT: <paramref name="buffer"/> is NULL and maxLength is not 0.</para>
///     <para>EBUSY: the bus is busy or SCL is held low.</para>
///     <para>ENXIO: no device acknowledged the address.</para>
///     <para>ETIMEDOUT: the operation timed out (see <see cref="I2CMaster_SetTimeout"/>).</para>
/// </summary>
/// <returns>The number of bytes read (a partial read, including 0 bytes, is success).</returns>
ssize_t I2CMaster_Read(int fd, I2C_DeviceAddress address, uint8_t *buffer, size_t maxLength);

/// <summary>
///     Writes <paramref name="length"/> bytes to the device at <paramref name="address"/>.
///     Errors as for <see cref="I2CMaster_Read"/> (EFAULT when data is NULL and length is not
///     0).
/// </summary>
/// <returns>The number of bytes written (a partial write, including 0 bytes, is success).
/// </returns>
ssize_t I2CMaster_Write(int fd, I2C_DeviceAddress address, const uint8_t *data, size_t length);

/// <summary>
///     Writes then reads in one bus transaction (start, write, repeated start, read, stop);
///     the usual way to read a device register. Errors as for <see cref="I2CMaster_Read"/>.
/// </summary>
/// <returns>The number of bytes written plus the number read.</returns>
ssize_t I2CMaster_WriteThenRead(int fd, I2C_DeviceAddress address, const uint8_t *writeData,
                                size_t lenWriteData, uint8_t *readData, size_t lenReadData);

/// <summary>
///     Sets the address that read(2) and write(2) on the descriptor talk to. Does not check
///     that a device answers there. Not needed for the I2CMaster_Read/Write functions.
///     <para> **Errors** </para>
///     Returns -1 and sets errno: EBADF not an I2C descriptor; EINVAL address above 0x7F.
/// </summary>
int I2CMaster_SetDefaultTargetAddress(int fd, I2C_DeviceAddress address);

#ifdef __cplusplus
}
#endif
