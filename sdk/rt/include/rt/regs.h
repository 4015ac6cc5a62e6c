/* sphere-emu RT SDK: register access helpers, with the signatures of the Azure Sphere RT samples'
 * mt3620-baremetal.h (base address + offset). They go through the mmio imports: an RT app has no
 * pointer to a register, only its physical address. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <rt/abi.h>

static inline uint32_t ReadReg32(uintptr_t baseAddr, size_t offset)
{
    return mmio_read32((uint32_t)(baseAddr + offset));
}

static inline void WriteReg32(uintptr_t baseAddr, size_t offset, uint32_t value)
{
    mmio_write32((uint32_t)(baseAddr + offset), value);
}

/* Read-modify-write; not atomic (mask interrupts around it if an ISR writes the same register). */
static inline void SetReg32(uintptr_t baseAddr, size_t offset, uint32_t setBits)
{
    WriteReg32(baseAddr, offset, ReadReg32(baseAddr, offset) | setBits);
}

static inline void ClearReg32(uintptr_t baseAddr, size_t offset, uint32_t clearBits)
{
    WriteReg32(baseAddr, offset, ReadReg32(baseAddr, offset) & ~clearBits);
}

/* The samples' BlockIrqs/RestoreIrqs raise BASEPRI; sphere-emu models only PRIMASK, so these mask
 * every interrupt. Returns the previous mask, for RestoreIrqs. */
static inline uint32_t BlockIrqs(void)
{
    return irq_disable();
}

static inline void RestoreIrqs(uint32_t prev)
{
    irq_restore(prev);
}
