/* sphere-emu RT SDK: every MT3620 IO-core register header. */
#pragma once

#include <stdint.h>

#include <mt3620/memmap.h>
#include <mt3620/nvic.h>
#include <mt3620/gpt.h>
#include <mt3620/wdt.h>
#include <mt3620/uart.h>
#include <mt3620/mbox.h>
#include <mt3620/io.h>
#include <mt3620/isu.h>
