/* sphere-emu RT SDK: everything an RT app needs, and the entry point it provides. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mt3620/mt3620.h>

#include <rt/abi.h>
#include <rt/adc.h>
#include <rt/dpc.h>
#include <rt/gpio.h>
#include <rt/gpt.h>
#include <rt/i2c.h>
#include <rt/intercore.h>
#include <rt/isu_uart.h>
#include <rt/nvic.h>
#include <rt/printf.h>
#include <rt/regs.h>
#include <rt/spi.h>
#include <rt/uart.h>
#include <rt/wdt.h>

/* The app's reset handler, the RT samples' RTCoreMain: the SDK's rt_main export calls it. The core
 * halts if it returns. */
void RTCoreMain(void);
