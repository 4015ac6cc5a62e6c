/* sphere-emu RT SDK: one-shot ADC conversions (include/rt/adc.h, registers in
 * include/mt3620/io.h). */

#include <rt/rt.h>

#define ADC_POLL_US 10

int Adc_Read(int channel)
{
    if (channel < 0 || channel >= ADC_CHANNEL_COUNT) {
        return -1;
    }
    WriteReg32(ADC_ONESHOT_BASE, ADC_CTL, ((uint32_t)channel & ADC_CTL_CHANNEL_MASK) | ADC_CTL_START);
    uint32_t waited = 0;
    while ((ReadReg32(ADC_ONESHOT_BASE, ADC_STATUS) & ADC_STATUS_DONE) == 0) {
        if (waited >= ADC_TIMEOUT_US) {
            return -2;
        }
        Gpt_WaitUs(ADC_POLL_US);
        waited += ADC_POLL_US;
    }
    return (int)(ReadReg32(ADC_ONESHOT_BASE, ADC_DATA) & ADC_DATA_MASK);
}
