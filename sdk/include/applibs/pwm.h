/// \file pwm.h
/// \brief Pulse-width modulation. An app may open only the PWM controllers listed in the Pwm
/// capability of its manifest ("PWM-CONTROLLER-0" .. "PWM-CONTROLLER-2" on the MT3620, each
/// with 4 channels).
///
/// sphere-emu SDK: same names, types, values and signatures as the Azure Sphere applibs header
/// (reference §6 "pwm.h"). Calls map to the "applibs" imports pwm_open and pwm_apply
/// (docs/abi.md).
#pragma once

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// <summary>The ID of a PWM controller, from 0.</summary>
typedef unsigned int PWM_ControllerId;

/// <summary>The ID of a channel of a PWM controller, from 0.</summary>
typedef uint32_t PWM_ChannelId;

/// <summary>The polarity of a PWM channel.</summary>
typedef uint32_t PwmPolarity;
enum {
    /// <summary>High during the duty cycle, low for the rest of the period.</summary>
    PWM_Polarity_Normal,
    /// <summary>Low during the duty cycle, high for the rest of the period.</summary>
    PWM_Polarity_Inversed,
};

/// <summary>The whole state of one channel, applied atomically by <see cref="PWM_Apply"/>.
/// </summary>
typedef struct PwmState {
    /// <summary>Length of one cycle, in nanoseconds.</summary>
    unsigned int period_nsec;
    /// <summary>Time spent in the active level of each cycle, in nanoseconds; at most
    /// period_nsec.</summary>
    unsigned int dutyCycle_nsec;
    /// <summary>A PwmPolarity value.</summary>
    PwmPolarity polarity;
    /// <summary>true to run the output, false to stop it.</summary>
    bool enabled;
} PwmState;

/// <summary>
///     Opens a PWM controller and returns its descriptor.
///     <para> **Errors** </para>
///     Returns -1 and sets errno:
///     <para>EACCES: the controller is not in the Pwm field of the manifest.</para>
///     <para>ENODEV: no such controller.</para>
///     <para>EBUSY: the controller is already open.</para>
/// </summary>
int PWM_Open(PWM_ControllerId pwm);

/// <summary>
///     Applies a state to one channel of an open controller.
///     <para> **Errors** </para>
///     Returns -1 and sets errno:
///     <para>EBADF: <paramref name="pwmFd"/> is not a PWM descriptor.</para>
///     <para>ENODEV: no such channel.</para>
///     <para>EINVAL: <paramref name="newState"/> is NULL or invalid (duty cycle longer than the
///     period, unknown polarity, ...).</para>
/// </summary>
int PWM_Apply(int pwmFd, PWM_ChannelId pwmChannel, const PwmState *newState);

#ifdef __cplusplus
}
#endif
