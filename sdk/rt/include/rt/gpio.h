/* sphere-emu RT SDK: GPIO by pin number (the registers and the pin -> block mapping are in
 * include/mt3620/io.h). The pin's block must be granted to the app ("Gpio": [pin] in the manifest),
 * or the access is a bus fault. Every call returns -1 (without a bus access) for a pin that is no
 * GPIO of the MT3620. */
#pragma once

#include <stdint.h>

/* The block's base address and the pin's bit in it; 0 if pin is no GPIO. */
uint32_t Gpio_BlockOf(int pin, uint32_t *bit);

int Gpio_SetOutput(int pin); /* OE_SET */
int Gpio_SetInput(int pin);  /* OE_RESET */
int Gpio_Write(int pin, int level); /* DOUT_SET (level != 0) or DOUT_RESET; returns 0 */
int Gpio_Read(int pin);             /* DIN: 0 or 1 */
