/// \file adc.h
/// \brief Analog-to-digital converters. An app may open only the ADC controllers listed in the
/// Adc capability of its manifest ("ADC-CONTROLLER-0"); it then addresses channels in code.
///
/// sphere-emu SDK: same names, types and signatures as the Azure Sphere applibs header
/// (reference §6 "adc.h"). Calls map to the "applibs" imports adc_open,
/// adc_get_sample_bit_count, adc_set_reference_voltage and adc_poll (docs/abi.md).
/// The MT3620 has one controller (MT3620_ADC_CONTROLLER0) with 8 channels of 12 bits.
#pragma once

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// <summary>The ID of an ADC controller, from 0.</summary>
typedef uint32_t ADC_ControllerId;

/// <summary>The ID of a channel of an ADC controller, from 0.</summary>
typedef uint32_t ADC_ChannelId;

/// <summary>
///     Opens an ADC controller and returns its descriptor.
///     <para> **Errors** </para>
///     Returns -1 and sets errno:
///     <para>EACCES: the controller is not in the Adc field of the manifest.</para>
///     <para>ENODEV: no such controller.</para>
///     <para>EBUSY: the controller is already open.</para>
/// </summary>
int ADC_Open(ADC_ControllerId id);

/// <summary>
///     Returns the number of valid bits in a sample of <paramref name="channel"/> (12 on the
///     MT3620: samples range from 0 to 4095).
///     <para> **Errors** </para>
///     Returns -1 and sets errno: EBADF not an ADC descriptor; ENODEV no such channel.
/// </summary>
int ADC_GetSampleBitCount(int fd, ADC_ChannelId channel);

/// <summary>
///     Sets the reference voltage of <paramref name="channel"/>: the input voltage that reads
///     as the largest sample. (With 12 bits and 2.5 V, 1.25 V reads about 2047.)
///     <para> **Errors** </para>
///     Returns -1 and sets errno: EBADF not an ADC descriptor; ENODEV no such channel; EINVAL
///     the voltage is outside the range the hardware supports (1.8 V to 2.5 V on the MT3620).
/// </summary>
int ADC_SetReferenceVoltage(int fd, ADC_ChannelId channel, float referenceVoltage);

/// <summary>
///     Takes one sample of <paramref name="channel"/>.
///     <para> **Errors** </para>
///     Returns -1 and sets errno: EFAULT <paramref name="outSampleValue"/> is NULL; EBADF not
///     an ADC descriptor; ENODEV no such channel.
/// </summary>
int ADC_Poll(int fd, ADC_ChannelId channel, uint32_t *outSampleValue);

#ifdef __cplusplus
}
#endif
