// applibs adc.h for sphere-emu: one host call per function.
#include <applibs/adc.h>

#include <errno.h>
#include <stddef.h>

#include "abi.h"

int ADC_Open(ADC_ControllerId id)
{
    return applibs_result(__applibs_adc_open(id));
}

int ADC_GetSampleBitCount(int fd, ADC_ChannelId channel)
{
    return applibs_result(__applibs_adc_get_sample_bit_count(fd, channel));
}

int ADC_SetReferenceVoltage(int fd, ADC_ChannelId channel, float referenceVoltage)
{
    return applibs_result(__applibs_adc_set_reference_voltage(fd, channel, referenceVoltage));
}

int ADC_Poll(int fd, ADC_ChannelId channel, uint32_t *outSampleValue)
{
    if (outSampleValue == NULL) {
        return applibs_fail(EFAULT);
    }
    return applibs_result(__applibs_adc_poll(fd, channel, outSampleValue));
}
