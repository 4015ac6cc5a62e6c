/* sphere-emu RT SDK: single ADC conversions (include/rt/adc.h; registers in include/mt3620/io.h).
 * The sequence of CodethinkLabs' mt3620-m4-drivers ADC.c, polled instead of DMA: reset, CTL3 for
 * a 2.5 V reference, state machine off, FIFO drained, then one channel in the channel map and
 * FSM_EN; the sample arrives in the FIFO. */

#include <rt/rt.h>

#define ADC_POLL_US 10
#define ADC_CTL0_IDLE (ADC_CTL0_T_CH(8) | ADC_CTL0_T_INIT(20))

static bool ready;

static void Drain(void)
{
    for (int i = 0; i < 32 && (ReadReg32(MT3620_ADC_BASE, ADC_FIFO_LSR) & ADC_FIFO_LSR_DR); i++) {
        (void)ReadReg32(MT3620_ADC_BASE, ADC_FIFO_RBR);
    }
}

int Adc_Read(int channel)
{
    if (channel < 0 || channel >= ADC_CHANNEL_COUNT) {
        return -1;
    }
    if (!ready) {
        ready = true;
        WriteReg32(MT3620_ADC_BASE, ADC_GLOBAL_CTRL, 0);
        WriteReg32(MT3620_ADC_BASE, ADC_GLOBAL_CTRL, 1);
        WriteReg32(MT3620_ADC_BASE, ADC_CTL3, ADC_CTL3_2V5);
        WriteReg32(MT3620_ADC_BASE, ADC_CTL0, ADC_CTL0_IDLE);
        Gpt_WaitUs(50); /* settling time (datasheet, per the Codethink driver) */
    }
    WriteReg32(MT3620_ADC_BASE, ADC_CTL0, ADC_CTL0_IDLE);
    Drain();
    WriteReg32(MT3620_ADC_BASE, ADC_CTL0,
               ADC_CTL0_IDLE | ADC_CTL0_CH_MAP(channel) | ADC_CTL0_FSM_EN);
    int result = -2;
    for (uint32_t waited = 0;; waited += ADC_POLL_US) {
        if (ReadReg32(MT3620_ADC_BASE, ADC_FIFO_LSR) & ADC_FIFO_LSR_DR) {
            uint32_t v = ReadReg32(MT3620_ADC_BASE, ADC_FIFO_RBR);
            if (ADC_FIFO_CHANNEL(v) == (uint32_t)channel) {
                result = (int)ADC_FIFO_SAMPLE(v);
                break;
            }
            continue; /* another channel's sample: skip it */
        }
        if (waited >= ADC_TIMEOUT_US) {
            break;
        }
        Gpt_WaitUs(ADC_POLL_US);
    }
    WriteReg32(MT3620_ADC_BASE, ADC_CTL0, ADC_CTL0_IDLE);
    return result;
}
