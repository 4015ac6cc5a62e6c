/// \file spi.h
/// \brief SPI master interfaces (on the MT3620, an ISU configured as SPI). An app may open
/// only the interfaces listed in the SpiMaster capability of its manifest.
///
/// SPI_STRUCTS_VERSION selects the struct versions: 1, the only version, and the default when
/// it is not defined (as in the Azure Sphere SDK's header); samples define it in
/// applibs_versions.h.
///
/// sphere-emu SDK: same names, types, values and signatures as the Azure Sphere applibs header
/// (reference §6 "spi.h"), including the versioned SPIMaster_Config / SPIMaster_Transfer
/// structs and the static inline wrappers over the z__SPIMaster_* functions. Calls map to the
/// "applibs" imports spi_open, spi_set_bus_speed, spi_set_mode, spi_set_bit_order and
/// spi_transfer (docs/abi.md).
#pragma once

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/// <summary>Most transfers one <see cref="SPIMaster_TransferSequential"/> call accepts.
/// </summary>
#define SPI_MASTER_MAX_TRANSFERS 256

/// <summary>The ID of an SPI master interface (MT3620_ISU0_SPI (0) .. MT3620_ISU4_SPI (4)).
/// </summary>
typedef int SPI_InterfaceId;

/// <summary>A chip select: MT3620_SPI_CS_A (-1) or MT3620_SPI_CS_B (-2).</summary>
typedef int SPI_ChipSelectId;

/// <summary>SPI modes (clock polarity and phase).</summary>
typedef enum SPI_Mode {
    SPI_Mode_Invalid = 0x0,
    /// <summary>CPOL 0, CPHA 0.</summary>
    SPI_Mode_0 = 0x1,
    /// <summary>CPOL 0, CPHA 1.</summary>
    SPI_Mode_1 = 0x2,
    /// <summary>CPOL 1, CPHA 0.</summary>
    SPI_Mode_2 = 0x3,
    /// <summary>CPOL 1, CPHA 1.</summary>
    SPI_Mode_3 = 0x4
} SPI_Mode;

/// <summary>Bit order on the wire.</summary>
typedef enum SPI_BitOrder {
    SPI_BitOrder_Invalid = 0x0,
    SPI_BitOrder_LsbFirst = 0x1,
    SPI_BitOrder_MsbFirst = 0x2
} SPI_BitOrder;

/// <summary>Chip select polarity.</summary>
typedef enum SPI_ChipSelectPolarity {
    SPI_ChipSelectPolarity_Invalid = 0x0,
    SPI_ChipSelectPolarity_ActiveLow = 0x1,
    SPI_ChipSelectPolarity_ActiveHigh = 0x2
} SPI_ChipSelectPolarity;

/// <summary>Direction of one transfer (exactly one of Read and Write).</summary>
typedef enum SPI_TransferFlags {
    SPI_TransferFlags_None = 0x0,
    SPI_TransferFlags_Read = 0x1,
    SPI_TransferFlags_Write = 0x2
} SPI_TransferFlags;

/// <summary>Version 1 of the settings fixed at open time. Use it as SPIMaster_Config.
/// </summary>
struct z__SPIMaster_Config_v1 {
    /// <summary>Identifies the struct type and version. Do not change.</summary>
    uint32_t z__magicAndVersion;
    /// <summary>Chip select polarity.</summary>
    SPI_ChipSelectPolarity csPolarity;
};

/// <summary>Version 1 of one half-duplex transfer. Use it as SPIMaster_Transfer.</summary>
struct z__SPIMaster_Transfer_v1 {
    /// <summary>Identifies the struct type and version. Do not change.</summary>
    uint32_t z__magicAndVersion;
    /// <summary>SPI_TransferFlags_Read or SPI_TransferFlags_Write.</summary>
    SPI_TransferFlags flags;
    /// <summary>Data to write (write transfers).</summary>
    const uint8_t *writeData;
    /// <summary>Buffer to read into (read transfers).</summary>
    uint8_t *readData;
    /// <summary>Bytes to transfer.</summary>
    size_t length;
};

// Default the SPI_STRUCTS_VERSION version to 1, as the Azure Sphere SDK does.
#ifndef SPI_STRUCTS_VERSION
#define SPI_STRUCTS_VERSION 1
#endif

#if SPI_STRUCTS_VERSION == 1
typedef struct z__SPIMaster_Config_v1 SPIMaster_Config;
typedef struct z__SPIMaster_Transfer_v1 SPIMaster_Transfer;
#else
#error To use applibs/spi.h you must first #define a supported SPI_STRUCTS_VERSION (1)
#endif

typedef struct z__SPIMaster_Config_Base {
    uint32_t z__magicAndVersion;
} z__SPIMaster_Config_Base;

typedef struct z__SPIMaster_Transfer_Base {
    uint32_t z__magicAndVersion;
} z__SPIMaster_Transfer_Base;

/// <summary>Magic parts of z__magicAndVersion (the low 16 bits hold the version).</summary>
#define z__SPIMASTER_CONFIG_MAGIC 0x45170000U
#define z__SPIMASTER_TRANSFER_MAGIC 0x22130000U

/// <summary>Versioned implementations; use the functions without the z__ prefix.</summary>
int z__SPIMaster_InitConfig(z__SPIMaster_Config_Base *config, uint32_t structVersion);
int z__SPIMaster_Open(SPI_InterfaceId interfaceId, SPI_ChipSelectId chipSelectId,
                      const z__SPIMaster_Config_Base *config);
int z__SPIMaster_InitTransfers(z__SPIMaster_Transfer_Base *transfers, size_t transferCount,
                               uint32_t structVersion);
ssize_t z__SPIMaster_TransferSequential(int fd, const z__SPIMaster_Transfer_Base *transfers,
                                        size_t transferCount, uint32_t structVersion);

/// <summary>
///     Fills a SPIMaster_Config with the defaults (chip select active low).
/// </summary>
/// <returns>0, or -1 with errno EFAULT (NULL).</returns>
static inline int SPIMaster_InitConfig(SPIMaster_Config *config)
{
    return z__SPIMaster_InitConfig((z__SPIMaster_Config_Base *)config, SPI_STRUCTS_VERSION);
}

/// <summary>
///     Opens an SPI master interface for exclusive use, with the given chip select, and
///     returns its descriptor. The interface starts in SPI_Mode_0, SPI_BitOrder_MsbFirst.
///     <para> **Errors** </para>
///     Returns -1 and sets errno:
///     <para>EACCES: <paramref name="interfaceId"/> is not in the SpiMaster field of the
///     manifest.</para>
///     <para>ENODEV: <paramref name="interfaceId"/> is not an SPI interface.</para>
///     <para>EBUSY: the interface is already open.</para>
///     <para>EINVAL: bad chip select, or <paramref name="config"/> is not an initialised
///     SPIMaster_Config or holds an invalid polarity.</para>
///     <para>EFAULT: <paramref name="config"/> is NULL.</para>
/// </summary>
static inline int SPIMaster_Open(SPI_InterfaceId interfaceId, SPI_ChipSelectId chipSelectId,
                                 const SPIMaster_Config *config)
{
    return z__SPIMaster_Open(interfaceId, chipSelectId, (const z__SPIMaster_Config_Base *)config);
}

/// <summary>
///     Sets the maximum bus speed. The interface may run slower.
///     <para>Errors: EBADF not an SPI descriptor; EINVAL speed is 0.</para>
/// </summary>
int SPIMaster_SetBusSpeed(int fd, uint32_t speedInHz);

/// <summary>
///     Sets the SPI mode.
///     <para>Errors: EBADF not an SPI descriptor; EINVAL not SPI_Mode_0..3.</para>
/// </summary>
int SPIMaster_SetMode(int fd, SPI_Mode mode);

/// <summary>
///     Sets the bit order.
///     <para>Errors: EBADF not an SPI descriptor; EINVAL not LsbFirst or MsbFirst.</para>
/// </summary>
int SPIMaster_SetBitOrder(int fd, SPI_BitOrder order);

/// <summary>
///     Fills an array of SPIMaster_Transfer with the defaults (no flags, no data, length 0).
/// </summary>
/// <returns>0, or -1 with errno EFAULT (NULL).</returns>
static inline int SPIMaster_InitTransfers(SPIMaster_Transfer *transfers, size_t transferCount)
{
    return z__SPIMaster_InitTransfers((z__SPIMaster_Transfer_Base *)transfers, transferCount,
                                      SPI_STRUCTS_VERSION);
}

/// <summary>
///     Performs a sequence of half-duplex transfers with chip select held active from the
///     first to the last.
///     <para> **Errors** </para>
///     Returns -1 and sets errno:
///     <para>EFAULT: <paramref name="transfers"/>, or a transfer's data pointer, is NULL.</para>
///     <para>EINVAL: transferCount is 0 or above SPI_MASTER_MAX_TRANSFERS; a transfer was not
///     initialised with SPIMaster_InitTransfers, has a length of 0, or has flags other than
///     exactly one of Read and Write.</para>
///     <para>EBADF: <paramref name="fd"/> is not an SPI descriptor.</para>
/// </summary>
/// <returns>The total number of bytes transferred.</returns>
static inline ssize_t SPIMaster_TransferSequential(int fd, const SPIMaster_Transfer *transfers,
                                                   size_t transferCount)
{
    return z__SPIMaster_TransferSequential(fd, (const z__SPIMaster_Transfer_Base *)transfers,
                                           transferCount, SPI_STRUCTS_VERSION);
}

/// <summary>
///     Writes then reads in one chip-select period (two transfers).
///     <para> **Errors** </para>
///     Returns -1 and sets errno: EFAULT a buffer is NULL; EINVAL a length is 0; otherwise as
///     for <see cref="SPIMaster_TransferSequential"/>.
/// </summary>
/// <returns>The number of bytes written plus the number read.</returns>
static inline ssize_t SPIMaster_WriteThenRead(int fd, const uint8_t *writeData,
                                              size_t lenWriteData, uint8_t *readData,
                                              size_t lenReadData)
{
    if (writeData == NULL || readData == NULL) {
        errno = EFAULT;
        return -1;
    }
    if (lenWriteData == 0 || lenReadData == 0) {
        errno = EINVAL;
        return -1;
    }
    SPIMaster_Transfer transfers[2];
    if (SPIMaster_InitTransfers(transfers, 2) != 0) {
        return -1;
    }
    transfers[0].flags = SPI_TransferFlags_Write;
    transfers[0].writeData = writeData;
    transfers[0].length = lenWriteData;
    transfers[1].flags = SPI_TransferFlags_Read;
    transfers[1].readData = readData;
    transfers[1].length = lenReadData;
    return SPIMaster_TransferSequential(fd, transfers, 2);
}

#ifdef __cplusplus
}
#endif
