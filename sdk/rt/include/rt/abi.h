/* sphere-emu RT SDK: the WASM import ABI of a real-time core app (sdk/rt/README.md, "The ABI").
 *
 * An RT app is a WASM module that imports only these functions, from module "mt3620" (every
 * parameter and result is an i32), and exports rt_main, rt_irq and its memory:
 *
 *   rt_main()     the reset handler (lib/startup.c: calls the app's RTCoreMain); returning
 *                 from it halts the core
 *   rt_irq(irq)   an external interrupt (lib/startup.c: dispatches to NVIC_SetHandler's table)
 *
 * The module's linear memory stands for the core's TCM (192 KiB, 3 pages, fixed size). Everything
 * else on the core's bus (registers, SYSRAM, the A7 SYSRAM holding the intercore buffers) is
 * reached through these imports, with physical addresses; the emulator checks each access against
 * the core's firewall, and a violation is a bus fault that stops the app (the import never returns).
 */
#pragma once

#include <stdint.h>

#define RT_IMPORT(name) __attribute__((import_module("mt3620"), import_name(name)))

/* A 32-bit register access at physical address addr. */
RT_IMPORT("mmio_read32") uint32_t mmio_read32(uint32_t addr);
RT_IMPORT("mmio_write32") void mmio_write32(uint32_t addr, uint32_t value);

/* Copy len bytes between physical memory at addr and linear memory at ptr. */
RT_IMPORT("phys_read") void phys_read(uint32_t addr, void *ptr, uint32_t len);
RT_IMPORT("phys_write") void phys_write(uint32_t addr, const void *ptr, uint32_t len);

/* Wait for interrupt: sleep (virtual time passes) until an enabled interrupt is pending. With
 * interrupts unmasked the emulator delivers it (calls rt_irq) before wfi returns. */
RT_IMPORT("wfi") void wfi(void);

/* PRIMASK: irq_disable masks interrupts (cpsid i) and returns the previous mask (0 = interrupts
 * were enabled); irq_restore(previous) puts it back (pending interrupts are then delivered). While
 * masked, rt_irq is not called. */
RT_IMPORT("irq_disable") uint32_t irq_disable(void);
RT_IMPORT("irq_restore") void irq_restore(uint32_t previous);

#undef RT_IMPORT
