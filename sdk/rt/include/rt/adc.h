/* sphere-emu RT SDK: single conversions on ADC-CONTROLLER-0 (registers in include/mt3620/io.h). The
 * app's manifest needs "Adc": ["ADC-CONTROLLER-0"]. */
#pragma once

/* Converts channel 0-7 (GPIO41-48) and returns the 12-bit sample (0..4095, of a 2.5 V reference);
 * -1 for an invalid channel, -2 if no sample arrived within ADC_TIMEOUT_US. Waits with Gpt_WaitUs
 * (thread mode). */
int Adc_Read(int channel);

#define ADC_TIMEOUT_US 10000
