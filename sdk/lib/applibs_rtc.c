// applibs rtc.h for sphere-emu.
#include <applibs/rtc.h>

#include "abi.h"

int clock_systohc(void)
{
    return applibs_result(__applibs_rtc_clock_systohc());
}
