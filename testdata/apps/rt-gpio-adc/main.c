/* rt-gpio-adc: GPIO and ADC from a real-time core, by register. Every 500 ms: toggles LED1 red
 * (GPIO8, active-low on the RDB), reads button A (GPIO12, low when pressed) and samples ADC
 * channel 0 (GPIO41), and prints all three on the debug UART. */

#include <rt/rt.h>

#define LED_PIN 8
#define BUTTON_PIN 12
#define ADC_CHANNEL 0
#define PERIOD_US (500 * 1000)

void RTCoreMain(void)
{
    Uart_Init();
    Uart_WriteString("rt-gpio-adc: starting\r\n");

    Gpio_Write(LED_PIN, 1); /* off: set the output latch first, so enabling the output */
    Gpio_SetOutput(LED_PIN); /* does not flash the LED */
    Gpio_SetInput(BUTTON_PIN);

    int led = 1;
    for (uint32_t n = 1;; n++) {
        Gpt_WaitUs(PERIOD_US);
        led = !led;
        Gpio_Write(LED_PIN, led);
        int button = Gpio_Read(BUTTON_PIN);
        int sample = Adc_Read(ADC_CHANNEL);
        /* 12-bit sample of a 2.5 V reference, in millivolts. */
        int mv = sample >= 0 ? sample * 2500 / 4095 : -1;
        Uart_Printf("rt-gpio-adc: %lu led=%s button=%s adc0=%d (%d mV)\r\n", (unsigned long)n,
                    led ? "off" : "on", button == 0 ? "pressed" : "released", sample, mv);
    }
}
