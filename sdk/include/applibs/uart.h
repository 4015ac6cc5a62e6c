/// \file uart.h
/// \brief Opening and configuring UARTs (on the MT3620, an ISU configured as a UART). An app
/// may open only the UARTs listed in the Uart capability of its manifest. Data is transferred
/// with read() and write() on the returned descriptor, which is non-blocking (read and write
/// fail with EAGAIN rather than wait) and can be registered with an EventLoop.
///
/// UART_STRUCTS_VERSION selects the struct versions: 1, the only version, and the default when
/// it is not defined (as in the Azure Sphere SDK's header); samples define it in
/// applibs_versions.h.
///
/// sphere-emu SDK: same names, types, values and signatures as the Azure Sphere applibs header
/// (reference §6 "uart.h"), including the versioned UART_Config struct and the static inline
/// wrappers over z__UART_InitConfig / z__UART_Open. UART_Open maps to the "applibs" import
/// uart_open (docs/abi.md).
#pragma once

#include <stdint.h>
#include <stdlib.h>

#ifdef __cplusplus
extern "C" {
#endif

/// <summary>A UART ID. On the MT3620 these are MT3620_ISU0_UART (4) .. MT3620_ISU4_UART (8)
/// from the hardware definition headers.</summary>
typedef int UART_Id;

typedef uint32_t UART_BaudRate_Type;
typedef uint8_t UART_BlockingMode_Type;
typedef uint8_t UART_DataBits_Type;
typedef uint8_t UART_Parity_Type;
typedef uint8_t UART_StopBits_Type;
typedef uint8_t UART_FlowControl_Type;

/// <summary>Version 1 of the UART configuration. Use it as UART_Config, initialise it with
/// UART_InitConfig and change fields afterwards.</summary>
struct z__UART_Config_v1 {
    /// <summary>Identifies the struct type and version. Do not change.</summary>
    uint32_t z__magicAndVersion;
    /// <summary>Baud rate, for example 115200.</summary>
    UART_BaudRate_Type baudRate;
    /// <summary>A <see cref="UART_BlockingMode"/> value.</summary>
    UART_BlockingMode_Type blockingMode;
    /// <summary>A <see cref="UART_DataBits"/> value.</summary>
    UART_DataBits_Type dataBits;
    /// <summary>A <see cref="UART_Parity"/> value.</summary>
    UART_Parity_Type parity;
    /// <summary>A <see cref="UART_StopBits"/> value.</summary>
    UART_StopBits_Type stopBits;
    /// <summary>A <see cref="UART_FlowControl"/> value.</summary>
    UART_FlowControl_Type flowControl;
};

/// <summary>Blocking modes. Only non-blocking I/O is supported.</summary>
typedef enum {
    /// <summary>read() and write() return at once; EAGAIN when they would wait.</summary>
    UART_BlockingMode_NonBlocking = 0
} UART_BlockingMode;

/// <summary>Number of data bits per character.</summary>
typedef enum {
    UART_DataBits_Five = 5,
    UART_DataBits_Six = 6,
    UART_DataBits_Seven = 7,
    UART_DataBits_Eight = 8
} UART_DataBits;

/// <summary>Parity.</summary>
typedef enum {
    UART_Parity_None = 0,
    UART_Parity_Even = 1,
    UART_Parity_Odd = 2
} UART_Parity;

/// <summary>Number of stop bits.</summary>
typedef enum {
    UART_StopBits_One = 1,
    UART_StopBits_Two = 2
} UART_StopBits;

/// <summary>Flow control.</summary>
typedef enum {
    UART_FlowControl_None = 0,
    UART_FlowControl_RTSCTS = 1,
    UART_FlowControl_XONXOFF = 2
} UART_FlowControl;

// Default the UART_STRUCTS_VERSION version to 1, as the Azure Sphere SDK does.
#ifndef UART_STRUCTS_VERSION
#define UART_STRUCTS_VERSION 1
#endif

#if UART_STRUCTS_VERSION == 1
/// <summary>The UART configuration (alias of the version chosen by UART_STRUCTS_VERSION).
/// </summary>
typedef struct z__UART_Config_v1 UART_Config;
#else
#error To use applibs/uart.h you must first #define a supported UART_STRUCTS_VERSION (1)
#endif

/// <summary>The version header shared by every UART_Config version.</summary>
struct z__UART_Config_Base {
    uint32_t z__magicAndVersion;
};

/// <summary>Magic part of z__magicAndVersion (the low 16 bits hold the version).</summary>
#define z__UART_CONFIG_MAGIC 0xde2a0000

/// <summary>Versioned implementation of UART_InitConfig; use UART_InitConfig.</summary>
/// <returns>0, or -1 with errno EFAULT (NULL) or EINVAL (unknown version).</returns>
int z__UART_InitConfig(struct z__UART_Config_Base *uartConfig, uint32_t uartConfigStructVersion);

/// <summary>Versioned implementation of UART_Open; use UART_Open.</summary>
int z__UART_Open(UART_Id uartId, const struct z__UART_Config_Base *uartConfig);

/// <summary>
///     Fills a UART_Config with the defaults: 115200 baud, non-blocking, 8 data bits, no
///     parity, 1 stop bit, no flow control.
/// </summary>
static inline void UART_InitConfig(UART_Config *uartConfig)
{
    z__UART_InitConfig((struct z__UART_Config_Base *)uartConfig, UART_STRUCTS_VERSION);
}

/// <summary>
///     Opens and configures a UART for exclusive use and returns its descriptor.
///     <para> **Errors** </para>
///     Returns -1 and sets errno:
///     <para>EACCES: <paramref name="uartId"/> is not in the Uart field of the manifest.</para>
///     <para>ENODEV: <paramref name="uartId"/> is not a UART.</para>
///     <para>EINVAL: <paramref name="uartConfig"/> is not an initialised UART_Config, or holds
///     an invalid or unsupported setting.</para>
///     <para>EBUSY: the UART is already open.</para>
///     <para>EFAULT: <paramref name="uartConfig"/> is NULL.</para>
///     Any other errno may also be specified; such errors aren't deterministic and may change
///     between releases.
/// </summary>
/// <returns>The UART's descriptor, or -1 on failure.</returns>
static inline int UART_Open(UART_Id uartId, const UART_Config *uartConfig)
{
    return z__UART_Open(uartId, (const struct z__UART_Config_Base *)uartConfig);
}

#ifdef __cplusplus
}
#endif
