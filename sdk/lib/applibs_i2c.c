// applibs i2c.h for sphere-emu: every transfer is one host call (import i2c_transfer).
#include <applibs/i2c.h>

#include <errno.h>
#include <stdint.h>

#include "abi.h"

// Linux i2c messages carry a 16-bit length; longer transfers cannot be expressed.
#define I2C_MAX_LENGTH 0xFFFFu

int I2CMaster_Open(I2C_InterfaceId id)
{
    return applibs_result(__applibs_i2c_open(id));
}

int I2CMaster_SetBusSpeed(int fd, uint32_t speedInHz)
{
    return applibs_result(__applibs_i2c_set_bus_speed(fd, speedInHz));
}

int I2CMaster_SetTimeout(int fd, uint32_t timeoutInMs)
{
    return applibs_result(__applibs_i2c_set_timeout(fd, timeoutInMs));
}

int I2CMaster_SetDefaultTargetAddress(int fd, I2C_DeviceAddress address)
{
    return applibs_result(__applibs_i2c_set_default_target(fd, address));
}

static ssize_t transfer(int fd, I2C_DeviceAddress address, const uint8_t *writeData,
                        size_t lenWriteData, uint8_t *readData, size_t lenReadData)
{
    if ((writeData == NULL && lenWriteData > 0) || (readData == NULL && lenReadData > 0)) {
        return applibs_fail(EFAULT);
    }
    if (lenWriteData > I2C_MAX_LENGTH || lenReadData > I2C_MAX_LENGTH) {
        return applibs_fail(EINVAL);
    }
    return applibs_result(__applibs_i2c_transfer(fd, address, lenWriteData ? writeData : NULL,
                                                 (uint32_t)lenWriteData,
                                                 lenReadData ? readData : NULL,
                                                 (uint32_t)lenReadData));
}

ssize_t I2CMaster_Read(int fd, I2C_DeviceAddress address, uint8_t *buffer, size_t maxLength)
{
    return transfer(fd, address, NULL, 0, buffer, maxLength);
}

ssize_t I2CMaster_Write(int fd, I2C_DeviceAddress address, const uint8_t *data, size_t length)
{
    return transfer(fd, address, data, length, NULL, 0);
}

ssize_t I2CMaster_WriteThenRead(int fd, I2C_DeviceAddress address, const uint8_t *writeData,
                                size_t lenWriteData, uint8_t *readData, size_t lenReadData)
{
    return transfer(fd, address, writeData, lenWriteData, readData, lenReadData);
}
