// Blink: the first sphere-emu sample, modelled on Azure Sphere's HelloWorld_HighLevelApp.
//
// Blinks LED1 red on the MT3620 reference development board (RDB): GPIO 8, which the manifest
// grants in its Gpio capability. The RDB's LEDs are active-low: driving the pin Low lights the
// LED, High turns it off.
//
// Output (virtual time in brackets):
//   [0 s] Starting blink sample
//   [0 s] LED1 red on
//   [1 s] LED1 red off
//   [2 s] LED1 red on
//   ...
//
// Exit codes: 1 = the LED GPIO could not be opened, 2 = the LED GPIO could not be set.
// Otherwise the app runs until it is stopped, like every high-level app.

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

#include <applibs/gpio.h>
#include <applibs/log.h>

// LED1 red on the MT3620 RDB (reference §1.6).
#define LED1_RED_GPIO 8

// Active-low LED: these are the pin levels that switch it.
#define LED_ON GPIO_Value_Low
#define LED_OFF GPIO_Value_High

int main(void)
{
    Log_Debug("Starting blink sample\n");

    // Start with the LED off.
    int fd = GPIO_OpenAsOutput(LED1_RED_GPIO, GPIO_OutputMode_PushPull, LED_OFF);
    if (fd == -1) {
        int err = errno;
        Log_Debug("ERROR: Could not open LED GPIO: %s (%d).\n", strerror(err), err);
        return 1;
    }

    const struct timespec oneSecond = {.tv_sec = 1, .tv_nsec = 0};
    bool ledOn = false;
    for (;;) {
        ledOn = !ledOn;
        if (GPIO_SetValue(fd, ledOn ? LED_ON : LED_OFF) == -1) {
            int err = errno;
            Log_Debug("ERROR: Could not set LED GPIO: %s (%d).\n", strerror(err), err);
            return 2;
        }
        Log_Debug(ledOn ? "LED1 red on\n" : "LED1 red off\n");
        nanosleep(&oneSecond, NULL);
    }
}
