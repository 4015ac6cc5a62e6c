// applibs gpio.h for sphere-emu: every call is one host import; the host (the emulated OS)
// checks the manifest, the GPIO ID, the arguments and the descriptor and picks the errno.
#include <applibs/gpio.h>

#include <errno.h>
#include <stddef.h>

#include "abi.h"

int GPIO_OpenAsInput(GPIO_Id gpioId)
{
    return applibs_result(__applibs_gpio_open_input(gpioId));
}

int GPIO_OpenAsOutput(GPIO_Id gpioId, GPIO_OutputMode_Type outputMode,
                      GPIO_Value_Type initialValue)
{
    return applibs_result(__applibs_gpio_open_output(gpioId, outputMode, initialValue));
}

int GPIO_GetValue(int gpioFd, GPIO_Value_Type *outValue)
{
    // Checked here as well as by the host: in WASM address 0 is ordinary memory, so NULL must
    // never reach the host as a pointer to write to.
    if (outValue == NULL) {
        return applibs_fail(EFAULT);
    }
    return applibs_result(__applibs_gpio_get_value(gpioFd, outValue));
}

int GPIO_SetValue(int gpioFd, GPIO_Value_Type value)
{
    return applibs_result(__applibs_gpio_set_value(gpioFd, value));
}
