// applibs spi.h for sphere-emu: checks the versioned structs and converts a
// SPIMaster_Transfer array into the 16-byte records of import spi_transfer.
#define SPI_STRUCTS_VERSION 1
#include <applibs/spi.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "abi.h"

#define CONFIG_V1 (z__SPIMASTER_CONFIG_MAGIC | 1u)
#define TRANSFER_V1 (z__SPIMASTER_TRANSFER_MAGIC | 1u)

// Transfers converted on the stack; longer sequences use the heap.
#define STACK_TRANSFERS 8

int z__SPIMaster_InitConfig(z__SPIMaster_Config_Base *config, uint32_t structVersion)
{
    if (config == NULL) {
        return applibs_fail(EFAULT);
    }
    if (structVersion != 1) {
        return applibs_fail(EINVAL);
    }
    struct z__SPIMaster_Config_v1 *c = (struct z__SPIMaster_Config_v1 *)config;
    c->z__magicAndVersion = CONFIG_V1;
    c->csPolarity = SPI_ChipSelectPolarity_ActiveLow;
    return 0;
}

int z__SPIMaster_Open(SPI_InterfaceId interfaceId, SPI_ChipSelectId chipSelectId,
                      const z__SPIMaster_Config_Base *config)
{
    if (config == NULL) {
        return applibs_fail(EFAULT);
    }
    if (config->z__magicAndVersion != CONFIG_V1) {
        return applibs_fail(EINVAL);
    }
    const struct z__SPIMaster_Config_v1 *c = (const struct z__SPIMaster_Config_v1 *)config;
    return applibs_result(__applibs_spi_open(interfaceId, chipSelectId, (uint32_t)c->csPolarity));
}

int SPIMaster_SetBusSpeed(int fd, uint32_t speedInHz)
{
    return applibs_result(__applibs_spi_set_bus_speed(fd, speedInHz));
}

int SPIMaster_SetMode(int fd, SPI_Mode mode)
{
    return applibs_result(__applibs_spi_set_mode(fd, (uint32_t)mode));
}

int SPIMaster_SetBitOrder(int fd, SPI_BitOrder order)
{
    return applibs_result(__applibs_spi_set_bit_order(fd, (uint32_t)order));
}

int z__SPIMaster_InitTransfers(z__SPIMaster_Transfer_Base *transfers, size_t transferCount,
                               uint32_t structVersion)
{
    if (transfers == NULL) {
        return applibs_fail(EFAULT);
    }
    if (structVersion != 1) {
        return applibs_fail(EINVAL);
    }
    struct z__SPIMaster_Transfer_v1 *t = (struct z__SPIMaster_Transfer_v1 *)transfers;
    for (size_t i = 0; i < transferCount; i++) {
        t[i].z__magicAndVersion = TRANSFER_V1;
        t[i].flags = SPI_TransferFlags_None;
        t[i].writeData = NULL;
        t[i].readData = NULL;
        t[i].length = 0;
    }
    return 0;
}

ssize_t z__SPIMaster_TransferSequential(int fd, const z__SPIMaster_Transfer_Base *transfers,
                                        size_t transferCount, uint32_t structVersion)
{
    if (transfers == NULL) {
        return applibs_fail(EFAULT);
    }
    if (structVersion != 1 || transferCount == 0 || transferCount > SPI_MASTER_MAX_TRANSFERS) {
        return applibs_fail(EINVAL);
    }
    const struct z__SPIMaster_Transfer_v1 *t = (const struct z__SPIMaster_Transfer_v1 *)transfers;
    applibs_spi_record stackRecords[STACK_TRANSFERS];
    applibs_spi_record *records = stackRecords;
    if (transferCount > STACK_TRANSFERS) {
        records = malloc(transferCount * sizeof *records);
        if (records == NULL) {
            return -1;  // errno ENOMEM
        }
    }
    int e = 0;
    for (size_t i = 0; i < transferCount && e == 0; i++) {
        if (t[i].z__magicAndVersion != TRANSFER_V1 || t[i].length == 0 ||
            t[i].length > UINT32_MAX) {
            e = EINVAL;
        } else if (t[i].flags == SPI_TransferFlags_Write) {
            e = t[i].writeData == NULL ? EFAULT : 0;
            records[i] = (applibs_spi_record){SPI_TransferFlags_Write,
                                              (uint32_t)(uintptr_t)t[i].writeData, 0,
                                              (uint32_t)t[i].length};
        } else if (t[i].flags == SPI_TransferFlags_Read) {
            e = t[i].readData == NULL ? EFAULT : 0;
            records[i] = (applibs_spi_record){SPI_TransferFlags_Read, 0,
                                              (uint32_t)(uintptr_t)t[i].readData,
                                              (uint32_t)t[i].length};
        } else {
            e = EINVAL;  // none, both (full duplex is not supported) or unknown flags
        }
    }
    int32_t r = e != 0 ? -e : __applibs_spi_transfer(fd, records, (uint32_t)transferCount);
    if (records != stackRecords) {
        free(records);
    }
    return applibs_result(r);
}
