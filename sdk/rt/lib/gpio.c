/* sphere-emu RT SDK: GPIO by pin number (include/rt/gpio.h; mapping in include/mt3620/io.h,
 * after CodethinkLabs mt3620-m4-drivers mt3620/gpio.h). */

#include <rt/rt.h>

uint32_t Gpio_BlockOf(int pin, uint32_t *bit)
{
    uint32_t base;
    int first;
    if (pin >= 0 && pin <= 23) {
        base = GPIO_GROUP_BASE(pin / 4);
        first = pin - pin % 4;
    } else if (pin >= 26 && pin <= 40) {
        base = GPIO_ISU_BLOCK((pin - 26) / 5); /* ISU0 26-30, ISU1 31-35, ISU2 36-40 */
        first = 26 + (pin - 26) / 5 * 5;
    } else if (pin >= 41 && pin <= 48) {
        base = GPIO_ADC_BLOCK;
        first = 41;
    } else if (pin >= 56 && pin <= 60) {
        base = GPIO_I2S0_BLOCK;
        first = 56;
    } else if (pin >= 61 && pin <= 65) {
        base = GPIO_I2S1_BLOCK;
        first = 61;
    } else if (pin >= 66 && pin <= 75) {
        base = GPIO_ISU_BLOCK(3 + (pin - 66) / 5); /* ISU3 66-70, ISU4 71-75 */
        first = 66 + (pin - 66) / 5 * 5;
    } else {
        return 0;
    }
    if (bit != NULL) {
        *bit = (uint32_t)(pin - first);
    }
    return base;
}

int Gpio_SetOutput(int pin)
{
    uint32_t bit;
    uint32_t base = Gpio_BlockOf(pin, &bit);
    if (base == 0) {
        return -1;
    }
    WriteReg32(base, GPIO_OE_SET, UINT32_C(1) << bit);
    return 0;
}

int Gpio_SetInput(int pin)
{
    uint32_t bit;
    uint32_t base = Gpio_BlockOf(pin, &bit);
    if (base == 0) {
        return -1;
    }
    WriteReg32(base, GPIO_OE_RESET, UINT32_C(1) << bit);
    return 0;
}

int Gpio_Write(int pin, int level)
{
    uint32_t bit;
    uint32_t base = Gpio_BlockOf(pin, &bit);
    if (base == 0) {
        return -1;
    }
    WriteReg32(base, level ? GPIO_DOUT_SET : GPIO_DOUT_RESET, UINT32_C(1) << bit);
    return 0;
}

int Gpio_Read(int pin)
{
    uint32_t bit;
    uint32_t base = Gpio_BlockOf(pin, &bit);
    if (base == 0) {
        return -1;
    }
    return (int)((ReadReg32(base, GPIO_DIN) >> bit) & 1);
}
