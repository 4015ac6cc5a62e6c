// applibs powermanagement.h for sphere-emu: one host call per function. On success the host
// starts the reboot or power-down and delivers SIGTERM to the app (docs/abi.md).
#include <applibs/powermanagement.h>

#include "abi.h"

int PowerManagement_ForceSystemReboot(void)
{
    return applibs_result(__applibs_powermanagement_force_reboot());
}

int PowerManagement_ForceSystemPowerDown(unsigned int maximum_residency_in_seconds)
{
    return applibs_result(__applibs_powermanagement_force_power_down(maximum_residency_in_seconds));
}

int PowerManagement_SetSystemPowerProfile(PowerManagement_System_PowerProfile desired_profile)
{
    return applibs_result(__applibs_powermanagement_set_power_profile(desired_profile));
}
