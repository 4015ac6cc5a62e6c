// applibs uart.h for sphere-emu: checks the versioned UART_Config, then hands its fields to the
// host (import uart_open), which checks the manifest, the UART and the settings.
#define UART_STRUCTS_VERSION 1
#include <applibs/uart.h>

#include <errno.h>
#include <stddef.h>

#include "abi.h"

#define UART_CONFIG_V1 (z__UART_CONFIG_MAGIC | 1u)

int z__UART_InitConfig(struct z__UART_Config_Base *uartConfig, uint32_t uartConfigStructVersion)
{
    if (uartConfig == NULL) {
        return applibs_fail(EFAULT);
    }
    if (uartConfigStructVersion != 1) {
        return applibs_fail(EINVAL);
    }
    struct z__UART_Config_v1 *config = (struct z__UART_Config_v1 *)uartConfig;
    config->z__magicAndVersion = UART_CONFIG_V1;
    config->baudRate = 115200;
    config->blockingMode = UART_BlockingMode_NonBlocking;
    config->dataBits = UART_DataBits_Eight;
    config->parity = UART_Parity_None;
    config->stopBits = UART_StopBits_One;
    config->flowControl = UART_FlowControl_None;
    return 0;
}

int z__UART_Open(UART_Id uartId, const struct z__UART_Config_Base *uartConfig)
{
    if (uartConfig == NULL) {
        return applibs_fail(EFAULT);
    }
    if (uartConfig->z__magicAndVersion != UART_CONFIG_V1) {
        return applibs_fail(EINVAL);
    }
    const struct z__UART_Config_v1 *config = (const struct z__UART_Config_v1 *)uartConfig;
    return applibs_result(__applibs_uart_open(uartId, config->baudRate, config->blockingMode,
                                              config->dataBits, config->parity, config->stopBits,
                                              config->flowControl));
}
