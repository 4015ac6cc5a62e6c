/// \file gpio.h
/// \brief Functions for using GPIOs (general-purpose inputs/outputs). An application may only
/// use the GPIOs listed in the Gpio capability of its application manifest.
///
/// sphere-emu SDK: same names, types, values, signatures and errno values as the Azure Sphere
/// applibs header (reference §6 "gpio.h"). Each call maps to one "applibs" WASM import
/// (gpio_open_input, gpio_open_output, gpio_get_value, gpio_set_value; see docs/abi.md). The
/// emulated OS enforces the manifest, so a GPIO missing from it fails with EACCES exactly as
/// on a device.
///
/// Different GPIOs may be used from different threads at the same time; the caller must
/// serialise access to any one GPIO.
#pragma once

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// <summary>
///     The type of a GPIO ID, the number that names one GPIO peripheral instance (for example 8
///     for LED1 red on the MT3620 reference development board).
/// </summary>
typedef int GPIO_Id;

/// <summary>
///     The type that holds a GPIO value (see <see cref="GPIO_Value"/>).
/// </summary>
typedef uint8_t GPIO_Value_Type;

/// <summary>
///     The values a GPIO can be read as or driven to.
/// </summary>
typedef enum {
    /// <summary>Low: logic 0.</summary>
    GPIO_Value_Low = 0,
    /// <summary>High: logic 1.</summary>
    GPIO_Value_High = 1
} GPIO_Value;

/// <summary>
///     The type that holds a GPIO output mode (see <see cref="GPIO_OutputMode"/>).
/// </summary>
typedef uint8_t GPIO_OutputMode_Type;

/// <summary>
///     The ways an output GPIO can drive its pin.
/// </summary>
typedef enum {
    /// <summary>Push-pull: the pin is actively driven both high and low.</summary>
    GPIO_OutputMode_PushPull = 0,
    /// <summary>Open drain: the pin is driven low only; high leaves it floating.</summary>
    GPIO_OutputMode_OpenDrain = 1,
    /// <summary>Open source: the pin is driven high only; low leaves it floating.</summary>
    GPIO_OutputMode_OpenSource = 2
} GPIO_OutputMode;

/// <summary>
///     Opens a GPIO as an input.
///     <para>Read the input with <see cref="GPIO_GetValue"/>. <see cref="GPIO_SetValue"/> on an
///     input has no effect.</para>
///     <para> **Errors** </para>
///     On failure, returns -1 and sets errno to the error value.
///     <para>EACCES: <paramref name="gpioId"/> is not listed in the Gpio field of the
///     application manifest.</para>
///     <para>ENODEV: <paramref name="gpioId"/> is not a valid GPIO.</para>
///     <para>EBUSY: <paramref name="gpioId"/> is already open.</para>
///     Other errno values are possible; they are not deterministic and may change between
///     releases.
/// </summary>
/// <param name="gpioId">
///     The <see cref="GPIO_Id"/> of the GPIO to open.
/// </param>
/// <returns>
///     A file descriptor for the GPIO on success, or -1 on failure, in which case errno is set
///     to the error value.
/// </returns>
int GPIO_OpenAsInput(GPIO_Id gpioId);

/// <summary>
///     Opens a GPIO as an output.
///     <para>The output can be <see cref="GPIO_OutputMode_PushPull">push-pull</see>,
///     <see cref="GPIO_OutputMode_OpenDrain">open drain</see> or
///     <see cref="GPIO_OutputMode_OpenSource">open source</see>. Change the output with
///     <see cref="GPIO_SetValue"/>.</para>
///     <para><see cref="GPIO_GetValue"/> also works on an output and returns the current level
///     of the pin (useful for open-drain and open-source outputs).</para>
///     <para> **Errors** </para>
///     On failure, returns -1 and sets errno to the error value.
///     <para>EACCES: <paramref name="gpioId"/> is not listed in the Gpio field of the
///     application manifest.</para>
///     <para>EBUSY: <paramref name="gpioId"/> is already open.</para>
///     <para>ENODEV: <paramref name="gpioId"/> is not a valid GPIO.</para>
///     <para>EINVAL: <paramref name="outputMode"/> is not a <see cref="GPIO_OutputMode"/>, or
///     <paramref name="initialValue"/> is not a <see cref="GPIO_Value"/>.</para>
///     Other errno values are possible; they are not deterministic and may change between
///     releases.
/// </summary>
/// <param name="gpioId">
///     The <see cref="GPIO_Id"/> of the GPIO to open.
/// </param>
/// <param name="outputMode">
///     How the output drives the pin: <see cref="GPIO_OutputMode_PushPull"/>,
///     <see cref="GPIO_OutputMode_OpenDrain"/> or <see cref="GPIO_OutputMode_OpenSource"/>.
/// </param>
/// <param name="initialValue">
///     The value driven as soon as the GPIO is open: <see cref="GPIO_Value_High"/> or
///     <see cref="GPIO_Value_Low"/>.
/// </param>
/// <returns>
///     A file descriptor for the GPIO on success, or -1 on failure, in which case errno is set
///     to the error value.
/// </returns>
int GPIO_OpenAsOutput(GPIO_Id gpioId, GPIO_OutputMode_Type outputMode,
                      GPIO_Value_Type initialValue);

/// <summary>
///     Reads the current value of a GPIO (input or output).
///     <para> **Errors** </para>
///     On failure, returns -1 and sets errno to the error value.
///     <para>EFAULT: <paramref name="outValue"/> is NULL.</para>
///     <para>EBADF: <paramref name="gpioFd"/> is not a valid GPIO file descriptor.</para>
///     Other errno values are possible; they are not deterministic and may change between
///     releases.
/// </summary>
/// <param name="gpioFd">
///     The file descriptor returned by <see cref="GPIO_OpenAsInput"/> or
///     <see cref="GPIO_OpenAsOutput"/>.
/// </param>
/// <param name="outValue">
///     Receives the value read: <see cref="GPIO_Value_High"/> or <see cref="GPIO_Value_Low"/>.
/// </param>
/// <returns>
///     0 on success, or -1 on failure, in which case errno is set to the error value.
/// </returns>
int GPIO_GetValue(int gpioFd, GPIO_Value_Type *outValue);

/// <summary>
///     Sets the value of an output GPIO.
///     <para>Has no effect on a GPIO opened as an input.</para>
///     <para> **Errors** </para>
///     On failure, returns -1 and sets errno to the error value.
///     <para>EINVAL: <paramref name="value"/> is not a <see cref="GPIO_Value"/>.</para>
///     <para>EBADF: <paramref name="gpioFd"/> is not a valid GPIO file descriptor.</para>
///     Other errno values are possible; they are not deterministic and may change between
///     releases.
/// </summary>
/// <param name="gpioFd">
///     The file descriptor returned by <see cref="GPIO_OpenAsOutput"/>.
/// </param>
/// <param name="value">
///     The value to drive: <see cref="GPIO_Value_High"/> or <see cref="GPIO_Value_Low"/>.
/// </param>
/// <returns>
///     0 on success, or -1 on failure, in which case errno is set to the error value.
/// </returns>
int GPIO_SetValue(int gpioFd, GPIO_Value_Type value);

#ifdef __cplusplus
}
#endif
