/// \file powermanagement.h
/// \brief System power: forced reboot, forced power-down and the CPU power profile. Each
/// needs the matching entry in the PowerControls capability of the manifest
/// ("ForceReboot", "ForcePowerDown", "SetPowerProfile").
///
/// Reboot and power-down are asynchronous: a successful call only starts them. Every app then
/// receives SIGTERM (possibly before the call returns) and should exit promptly.
///
/// sphere-emu SDK: same names, types, values and signatures as the Azure Sphere applibs header
/// (reference §6 "powermanagement.h"). Calls map to the "applibs" imports
/// powermanagement_force_reboot, powermanagement_force_power_down and
/// powermanagement_set_power_profile (docs/abi.md).
#pragma once

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// <summary>System power profiles.</summary>
typedef uint32_t PowerManagement_System_PowerProfile;
enum {
    /// <summary>Save energy, even if work takes longer.</summary>
    PowerManagement_PowerSaver = 0,
    /// <summary>Balance performance and energy according to load.</summary>
    PowerManagement_Balanced = 1,
    /// <summary>Favour performance (the MT3620's default).</summary>
    PowerManagement_HighPerformance = 2,
};

/// <summary>
///     Starts a forced reboot of the device.
///     <para> **Errors** </para>
///     Returns -1 and sets errno: EACCES "ForceReboot" is not in the PowerControls field of
///     the manifest.
/// </summary>
int PowerManagement_ForceSystemReboot(void);

/// <summary>
///     Starts a forced power-down of the device for at most
///     <paramref name="maximum_residency_in_seconds"/> seconds (it may wake earlier).
///     <para> **Errors** </para>
///     Returns -1 and sets errno: EACCES "ForcePowerDown" is not in the PowerControls field of
///     the manifest; EINVAL the residency is 0.
/// </summary>
int PowerManagement_ForceSystemPowerDown(unsigned int maximum_residency_in_seconds);

/// <summary>
///     Sets the system power profile.
///     <para> **Errors** </para>
///     Returns -1 and sets errno: EACCES "SetPowerProfile" is not in the PowerControls field
///     of the manifest; EINVAL unknown profile.
/// </summary>
int PowerManagement_SetSystemPowerProfile(PowerManagement_System_PowerProfile desired_profile);

#ifdef __cplusplus
}
#endif
