package hw

import "fmt"

// An ISU block (IOISUBase + n·IOBlockSize, n = 0..4) holds, at fixed offsets
// (docs/rt-hardware.md "ISU blocks" says which parts are real):
//
//	+0x000  the ISU's global control register and the GPIO registers of its
//	        five pins (MediaTek's "CG base": ISU_GLOBAL_CRTL at +0x000, the
//	        pads' EA at +0xA0; Codethink's mt3620_gpio_t for the ISU blocks)
//	+0x200  I2C master (and subordinate) registers (isu_i2c.go)
//	+0x300  SPI master registers (isu_spi.go)
//	+0x400  SPI subordinate: not modelled
//	+0x500  UART registers (isu_uart.go)
//
// The three functions drive the board's models — Board.I2C[n], Board.SPI[n]
// and Board.UART[n], the ones the high-level side uses — so their trace
// events (i2c.xfer, spi.xfer, uart.tx, uart.rx) and scenario inputs work
// unchanged. Transfers take virtual time: a transfer's bus traffic happens
// when it starts and its completion (status bits, received data) is
// scheduled on the board's clock after the time the bytes take on the wire;
// without a scheduler it completes at once.
const (
	ISUGPIOOffset   = 0x000 // global control and the pins' GPIO registers
	ISUI2COffset    = 0x200 // I2C registers
	ISUSPIMOffset   = 0x300 // SPI master registers
	ISUSPISOffset   = 0x400 // SPI subordinate registers (not modelled)
	ISUUARTOffset   = 0x500 // UART registers
	isuSubBlockSize = 0x100
	ISUPins         = 5 // pins per ISU: ISU0 GPIO26–30, ISU1 31–35, ISU2 36–40, ISU3 66–70, ISU4 71–75
)

// ISU global control register (offset ISUGPIOOffset + GPIORegGlobalCtrl):
// MediaTek's ISU_GLOBAL_CRTL.
const (
	ISUGlobalSwRstB   = 1 << 0     // 0 holds the ISU's I2C, SPI and UART register files in reset
	ISUGlobalI2CClkEn = 1 << 8     // I2C clock enable (stored)
	ISUGlobalSPIClkEn = 0xF << 9   // SPI clock enables (stored)
	ISUGlobalDefault  = 0x00001F01 // reset value (emulator-defined): out of reset, clocks on
	isuGlobalMask     = 0x0000FFFF
)

// ISU interrupt lines (NVIC numbers of an IO core, Codethink's I2C/SPI/UART
// headers and Microsoft's UART sample: ISU0's UART is IRQ 47).
const (
	ISUIRQI2CBase  = 44 // ISU n's I2C: 44 + 4n
	ISUIRQSPIBase  = 45 // ISU n's SPI master: 45 + 4n
	ISUIRQUARTBase = 47 // ISU n's UART: 47 + 4n
	ISUIRQStride   = 4
)

// ISUFirstPin returns the first of ISU n's five GPIOs (ISU0 26, ISU1 31,
// ISU2 36, ISU3 66, ISU4 71), or -1 for an ISU the board does not have.
func ISUFirstPin(n int) int {
	switch {
	case n >= 0 && n < 3:
		return 26 + 5*n
	case n >= 3 && n < ISUCount:
		return 66 + 5*(n-3)
	}
	return -1
}

// isuBank is the state of the board's ISU blocks: each made on first use,
// and the OnISUIRQ functions.
type isuBank struct {
	blocks [ISUCount]*isuState
	hooks  []func()
}

// isuState is the register state of one ISU block.
type isuState struct {
	n      int
	global uint32
	pads   gpioGroup
	gen    uint64 // bumped by a software reset: pending completions see it and do nothing
	i2c    isuI2C
	spi    isuSPI
	uart   isuUART
}

func (b *Board) isuState(n int) *isuState {
	bank := &b.ioState().isu
	if bank.blocks[n] == nil {
		s := &isuState{n: n, global: ISUGlobalDefault}
		s.resetFunctions(b)
		bank.blocks[n] = s
	}
	return bank.blocks[n]
}

// resetFunctions returns the I2C, SPI and UART registers to their reset
// values and cancels a pending completion. The board's models keep their
// state (bytes already on the UART's line still arrive).
func (s *isuState) resetFunctions(b *Board) {
	s.gen++
	s.i2c = isuI2C{}
	s.spi = isuSPI{}
	s.uart = isuUART{seenDropped: b.UART[s.n].Dropped()}
}

// complete runs a transfer's completion f after d nanoseconds of virtual
// time on the board's clock (the one its UARTs hold), or at once without a
// scheduler or for d <= 0, then calls the OnISUIRQ functions. A software
// reset of the ISU in between cancels it.
func (s *isuState) complete(b *Board, d int64, f func()) {
	run := func() {
		f()
		for _, h := range b.ioState().isu.hooks {
			h()
		}
	}
	u := b.UART[s.n]
	if u.schedule == nil || d <= 0 {
		run()
		return
	}
	gen := s.gen
	u.schedule(u.now()+d, func() {
		if s.gen == gen {
			run()
		}
	})
}

// OnISUIRQ adds f to the functions called, synchronously and in the order
// added, whenever an ISU's I2C or SPI transfer completes — the moments an
// ISU interrupt line (ISUIRQLevel) may rise — so a core waiting in wfi can
// wake. A UART's lines change with its data: received bytes raise the
// board's input line (OnInput); the transmitter emptying calls no hook.
func (b *Board) OnISUIRQ(f func()) {
	if f != nil {
		bank := &b.ioState().isu
		bank.hooks = append(bank.hooks, f)
	}
}

// isuAccess decodes an access to ISU n (0..ISUCount-1) at offset off in its block.
func (b *Board) isuAccess(write bool, addr uint32, n int, off, v uint32) (uint32, error) {
	s := b.isuState(n)
	verb := accessVerb(write)
	sub := off &^ (isuSubBlockSize - 1)
	rel := off - sub
	switch {
	case off < ISUI2COffset:
		return b.isuGPIOAccess(s, write, addr, off, v)
	case sub == ISUI2COffset:
		return b.isuI2CAccess(s, write, addr, rel, v)
	case sub == ISUSPIMOffset:
		return b.isuSPIAccess(s, write, addr, rel, v)
	case sub == ISUSPISOffset:
		return 0, ioError(verb, addr, fmt.Sprintf("ISU%d's SPI subordinate is not modelled", n))
	case sub == ISUUARTOffset:
		return b.isuUARTAccess(s, write, addr, rel, v)
	}
	return 0, ioError(verb, addr, fmt.Sprintf("no ISU%d register here", n))
}

// isuGPIOAccess handles the ISU's global control register and the GPIO
// registers of its five pins (the layout of a GPIO group, Codethink's
// mt3620_gpio_t).
func (b *Board) isuGPIOAccess(s *isuState, write bool, addr, off, v uint32) (uint32, error) {
	if off == GPIORegGlobalCtrl {
		if write {
			s.global = v & isuGlobalMask
			if v&ISUGlobalSwRstB == 0 {
				s.resetFunctions(b)
			}
		}
		return s.global, nil
	}
	if val, ok, err := b.gpioPinAccess(&s.pads, write, addr, ISUFirstPin(s.n), ISUPins, true, off, v); ok {
		return val, err
	}
	return 0, ioError(accessVerb(write), addr, fmt.Sprintf("no ISU%d register here", s.n))
}

// ISUIRQLevel returns the level of NVIC interrupt irq if it is an ISU line
// of the board (I2C 44+4n, SPI master 45+4n, UART 47+4n for n = 0..4), and
// false for any other number. I2C: INT_CTRL's MM_INT_STA and MM_INT_EN
// both set. SPI: SMMR.int_en and a status in SCSR. UART: IIR reads
// anything but "no interrupt pending". The device wires these lines to the
// NVIC of the real-time core that owns the ISU (docs/rt-hardware.md).
func (b *Board) ISUIRQLevel(irq int) (level, ok bool) {
	if irq < ISUIRQI2CBase || irq >= ISUIRQI2CBase+ISUCount*ISUIRQStride {
		return false, false
	}
	n := (irq - ISUIRQI2CBase) / ISUIRQStride
	s := b.isuState(n)
	switch irq - n*ISUIRQStride {
	case ISUIRQI2CBase:
		const both = ISUI2CIntMMSta | ISUI2CIntMMEn
		return s.i2c.intCtrl&both == both, true
	case ISUIRQSPIBase:
		return s.spi.smmr&ISUSPISMMRIntEn != 0 && s.spi.scsr != 0, true
	case ISUIRQUARTBase:
		return b.isuUARTIIR(s)&0x3F != ISUUARTIIRNone, true
	}
	return false, false // 46 + 4n: the SPI subordinate
}
