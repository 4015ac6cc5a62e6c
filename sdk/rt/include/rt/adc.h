/* sphere-emu RT SDK: one-shot ADC conversions on ADC-CONTROLLER-0 (the emulator-defined interface
 * of include/mt3620/io.h). The app's manifest needs "Adc": ["ADC-CONTROLLER-0"]. */
#pragma once

/* Converts channel 0-7 (GPIO41-48) and returns the 12-bit sample (0..4095); -1 for an invalid
 * channel, -2 if the conversion did not complete within ADC_TIMEOUT_US. Waits with Gpt_WaitUs. */
int Adc_Read(int channel);

#define ADC_TIMEOUT_US 10000
