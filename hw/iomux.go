package hw

import (
	"fmt"
	"math"
)

// Physical layout of the peripheral blocks a real-time core may own
// (reference §1.3; the register layouts follow Codethink's mt3620/gpio.h and
// mt3620/adc.h and Microsoft's mt3620-adc.c; docs/rt-hardware.md says which
// parts are real and which emulator-defined). Each block is one 64 KiB APB
// slot, the unit of the hardware firewall.
const (
	IOBlockSize    = 0x10000
	IOADCBase      = 0x38000000 // ADC-CONTROLLER-0, with the GPIO registers of GPIO41–48
	IOGPIOBase     = 0x38010000 // GPIO block n (GPIO 4n..4n+3) at IOGPIOBase + n·IOBlockSize, n = 0..5
	IOGPIOBlocks   = 6
	IOPWMOffset    = 0x1000     // PWM-CONTROLLER-n sits in GPIO block n's slot, n = 0..2
	IOISUBase      = 0x38070000 // ISUn at IOISUBase + n·IOBlockSize, n = 0..5
	IOISUBlocks    = 6
	IOI2S0Base     = 0x380D0000
	IOI2S1Base     = 0x380E0000
	IOI2S0DataBase = 0x380F0000
	IOI2S1DataBase = 0x38100000
	IOModelledEnd  = 0x38070000 // IORead32/IOWrite32 answer below this address, and in ISU0–4 (isu.go)
)

// Registers of a GPIO group (offsets within the slot).
const (
	GPIORegGlobalCtrl  = 0x00
	GPIORegDIN         = 0x04
	GPIORegDOUT        = 0x10
	GPIORegDOUTSet     = 0x14
	GPIORegDOUTReset   = 0x18
	GPIORegOE          = 0x20
	GPIORegOESet       = 0x24
	GPIORegOEReset     = 0x28
	GPIORegPU          = 0x30 // PU, PD, SR, IES, EA, RSEL: value, +4 set, +8 reset
	GPIORegPD          = 0x40
	GPIORegSR          = 0x50
	GPIORegIES         = 0x60
	GPIORegPADDRV      = 0x70
	GPIORegRDSEL       = 0x80
	GPIORegTDSEL       = 0x90
	GPIORegEA          = 0xA0 // GPIO blocks 0–5 only
	GPIORegRSEL        = 0xB0 // GPIO blocks 0–5 only
	gpioRegCounters    = 0x100
	gpioRegCountersEnd = 0x158
)

// Registers of a PWM controller (offsets from IOPWMOffset).
const (
	PWMRegGlobalCtrl = 0x000
	PWMRegCtrl       = 0x100 // channel ch at + ch·0x10
	PWMRegParamS0    = 0x104 // on time (bits 15:0) and off time (bits 31:16), in ticks
	PWMRegParamS1    = 0x108
	PWMChannelStride = 0x10

	PWMGloKick        = 1 << 0 // kick every channel whose PWMCtrlGlobalKick is set
	PWMGloClockShift  = 1      // bits 2:1: tick clock, 0 = 32.768 kHz, 1 = 2 MHz, 2 = 26 MHz
	PWMGloClockMask   = 3 << PWMGloClockShift
	PWMGloCtrlDefault = 0x0000E400

	PWMCtrlKick       = 1 << 0 // apply PARAM_S0 now (self-clearing)
	PWMCtrlReplay     = 1 << 1 // stored: two-state replay mode is not modelled
	PWMCtrlPolarity   = 1 << 2 // 1 = inversed
	PWMCtrlIOCtrl     = 1 << 3
	PWMCtrlClockEn    = 1 << 4 // the output runs
	PWMCtrlGlobalKick = 1 << 5
	PWMCtrlDefault    = 0x0000000C
)

// Registers of the ADC (offsets within the ADC slot).
const (
	ADCRegGlobalCtrl = 0x000 // bit 0 adc_cr_sw_rst_b: writing 0 resets the converter and empties the FIFO
	ADCRegCtl0       = 0x100
	ADCRegPeriod     = 0x104
	ADCRegCtl2       = 0x108
	ADCRegCtl3       = 0x10C
	ADCRegCtl4       = 0x110
	ADCRegFIFORBR    = 0x200
	ADCRegFIFOIER    = 0x204
	ADCRegFIFOIIR    = 0x208
	ADCRegFIFOLCR    = 0x20C
	ADCRegFIFOLSR    = 0x214
	ADCRegSleepEn    = 0x248
	ADCRegDMAEn      = 0x24C
	ADCRegRTOCnt     = 0x254
	ADCRegTriLvl     = 0x260
	ADCRegWak        = 0x264
	ADCRegWatTime    = 0x268
	ADCRegHandshake  = 0x26C
	ADCRegDebug0     = 0x270 // DEBUG0..15 at 0x270..0x2AC read 0
	ADCRegDebug16    = 0x2D4 // read pointer bits 4:0, write pointer bits 9:5

	ADCCtl0FSMEn      = 1 << 0
	ADCCtl0PModeEn    = 1 << 8
	ADCCtl0ChMapShift = 16

	ADCFIFODepth     = 16 // emulator-defined; the real depth is not public (its pointers are 5 bits)
	ADCTriLvlDefault = 0x1C
)

// gpioGroup is the register state of one GPIO group that the GPIO model
// does not hold (the pad settings).
type gpioGroup struct {
	global                    uint32
	pu, pd, sr, ies, ea, rsel uint32
	paddrv, rdsel, tdsel      uint32
}

type pwmRegs struct {
	glo  uint32
	ctrl [PWMChannels]uint32
	s0   [PWMChannels]uint32
	s1   [PWMChannels]uint32
}

type adcRegs struct {
	global                              uint32
	ctl0, period, ctl2, ctl3            uint32
	ier, lcr, sleep, dma, rto, tri, wak uint32
	watTime, handshake                  uint32
	fifo                                [ADCFIFODepth]uint32
	rd, wr                              uint32 // 5-bit pointers, as DEBUG16 shows them
}

func (a *adcRegs) count() uint32 { return (a.wr - a.rd) & 31 }

// ioRegs is the register state of the shared peripheral blocks.
type ioRegs struct {
	gpio [1 + IOGPIOBlocks]gpioGroup // [0] is the ADC slot's GPIO41–48
	pwm  [PWMControllers]pwmRegs
	adc  adcRegs
	isu  isuBank // ISU0–4 (isu.go)
}

func newIORegs() *ioRegs {
	r := &ioRegs{}
	for i := range r.pwm {
		r.pwm[i].glo = PWMGloCtrlDefault
		for ch := range r.pwm[i].ctrl {
			r.pwm[i].ctrl[ch] = PWMCtrlDefault
		}
	}
	r.adc.global = 1
	r.adc.tri = ADCTriLvlDefault
	return r
}

func (b *Board) ioState() *ioRegs {
	if b.io == nil {
		b.io = newIORegs()
	}
	return b.io
}

// BlockOf returns the name of the peripheral block (APB slot) that physical
// address addr belongs to — "ADC", "GPIO block 0" … "GPIO block 5" (the
// slots of GPIO blocks 0–2 also hold PWM-CONTROLLER-0..2), "ISU0" …
// "ISU5", "I2S0", "I2S1" (with their data ports) — and false for any other
// address.
func BlockOf(addr uint32) (string, bool) {
	slot := addr &^ (IOBlockSize - 1)
	switch {
	case slot == IOADCBase:
		return "ADC", true
	case slot >= IOGPIOBase && slot < IOGPIOBase+IOGPIOBlocks*IOBlockSize:
		return fmt.Sprintf("GPIO block %d", (slot-IOGPIOBase)/IOBlockSize), true
	case slot >= IOISUBase && slot < IOISUBase+IOISUBlocks*IOBlockSize:
		return fmt.Sprintf("ISU%d", (slot-IOISUBase)/IOBlockSize), true
	case slot == IOI2S0Base, slot == IOI2S0DataBase:
		return "I2S0", true
	case slot == IOI2S1Base, slot == IOI2S1DataBase:
		return "I2S1", true
	}
	return "", false
}

func ioError(verb string, addr uint32, why string) error {
	return fmt.Errorf("io: %s of %#08x: %s: %w", verb, addr, why, ErrInvalid)
}

// IORead32 reads the 32-bit register at physical address addr in the shared
// peripheral space: the ADC slot (0x38000000), GPIO blocks 0–5
// (0x38010000–0x3806FFFF), with PWM controllers 0–2 at +0x1000 in GPIO
// blocks 0–2, and ISU0–4 (0x38070000–0x380BFFFF: their pins' GPIO
// registers, I2C, SPI master and UART; isu.go). Other blocks (ISU5, I2S)
// are not modelled at register level; they, unknown registers and
// unaligned addresses answer an error wrapping ErrInvalid.
func (b *Board) IORead32(addr uint32) (uint32, error) {
	return b.ioAccess("read", addr, 0)
}

// IOWrite32 writes v to the 32-bit register at physical address addr; see
// IORead32. Output changes reach the board's models: an output enable or a
// DOUT change drives the GPIO (gpio.set), a PWM kick applies the channel
// (pwm.set), starting the ADC converts (adc.sample), an ISU's I2C or SPI
// start or UART byte reaches its bus (i2c.xfer, spi.xfer, uart.tx).
func (b *Board) IOWrite32(addr, v uint32) error {
	_, err := b.ioAccess("write", addr, v)
	return err
}

func (b *Board) ioAccess(verb string, addr, v uint32) (uint32, error) {
	if addr&3 != 0 {
		return 0, ioError(verb, addr, "unaligned 32-bit access")
	}
	name, ok := BlockOf(addr)
	if !ok {
		return 0, ioError(verb, addr, "no peripheral block answers at this address")
	}
	slot := addr &^ (IOBlockSize - 1)
	off := addr - slot
	write := verb == "write"
	if slot >= IOISUBase && slot < IOISUBase+ISUCount*IOBlockSize {
		return b.isuAccess(write, addr, int((slot-IOISUBase)/IOBlockSize), off, v)
	}
	if addr >= IOModelledEnd {
		return 0, ioError(verb, addr, name+" is not modelled at register level")
	}
	if slot == IOADCBase {
		if off >= ADCRegCtl0 {
			return b.adcAccess(write, addr, off, v)
		}
		return b.gpioAccess(write, addr, 0, off, v)
	}
	n := int((slot - IOGPIOBase) / IOBlockSize)
	if off >= IOPWMOffset && off < IOPWMOffset+0x140 && n < PWMControllers {
		return b.pwmAccess(write, addr, n, off-IOPWMOffset, v)
	}
	return b.gpioAccess(write, addr, 1+n, off, v)
}

// groupPins returns the first GPIO and the pin count of group g (0 = the
// ADC slot's GPIO41–48, 1+n = GPIO block n).
func groupPins(g int) (first, count int) {
	if g == 0 {
		return 41, 8
	}
	return 4 * (g - 1), 4
}

func (b *Board) gpioAccess(write bool, addr uint32, g int, off, v uint32) (uint32, error) {
	r := &b.ioState().gpio[g]
	first, count := groupPins(g)
	switch {
	case off == GPIORegGlobalCtrl && g == 0:
		return b.adcGlobal(write, v)
	case off == GPIORegGlobalCtrl:
		if write {
			r.global = v & 0xF
		}
		return r.global, nil
	}
	if val, ok, err := b.gpioPinAccess(r, write, addr, first, count, g > 0, off, v); ok {
		return val, err
	}
	return 0, ioError(accessVerb(write), addr, "no such register")
}

// gpioPinAccess handles the registers of a GPIO group's pins (GPIO
// first … first+count-1) at offset off: every register of Codethink's
// mt3620_gpio_t but the global control register. withEdge says whether the
// group has EA, RSEL and the event counter (all groups but group 0, and
// the ISUs' pins). ok is false for an offset that is none of them.
func (b *Board) gpioPinAccess(r *gpioGroup, write bool, addr uint32, first, count int, withEdge bool, off, v uint32) (val uint32, ok bool, err error) {
	pinMask := uint32(1)<<count - 1
	// triple handles a value / set / reset triple of registers at base.
	triple := func(reg *uint32, base, mask uint32) (uint32, bool, error) {
		if write {
			*reg = setReset(*reg, off-base, v&mask)
		}
		return *reg, true, nil
	}
	switch {
	case off == GPIORegDIN:
		var in uint32
		for i := range count {
			if lv, err := b.GPIO.Get(first + i); err == nil && lv != 0 {
				in |= 1 << i
			}
		}
		return in, true, nil
	case off >= GPIORegDOUT && off <= GPIORegDOUTReset:
		val, err = b.gpioDOUT(write, first, count, off-GPIORegDOUT, v)
		return val, true, err
	case off >= GPIORegOE && off <= GPIORegOEReset:
		val, err = b.gpioOE(write, first, count, off-GPIORegOE, v)
		return val, true, err
	case off >= GPIORegPU && off <= GPIORegPU+8:
		return triple(&r.pu, GPIORegPU, pinMask|1<<31)
	case off >= GPIORegPD && off <= GPIORegPD+8:
		return triple(&r.pd, GPIORegPD, pinMask)
	case off >= GPIORegSR && off <= GPIORegSR+8:
		return triple(&r.sr, GPIORegSR, pinMask)
	case off >= GPIORegIES && off <= GPIORegIES+8:
		return triple(&r.ies, GPIORegIES, pinMask)
	case off == GPIORegPADDRV:
		return triple(&r.paddrv, off, uint32(1)<<(2*count)-1)
	case off == GPIORegRDSEL:
		return triple(&r.rdsel, off, uint32(1)<<(2*count)-1)
	case off == GPIORegTDSEL:
		return triple(&r.tdsel, off, uint32(1)<<(4*count)-1)
	case withEdge && off >= GPIORegEA && off <= GPIORegEA+8:
		return triple(&r.ea, GPIORegEA, pinMask)
	case withEdge && off >= GPIORegRSEL && off <= GPIORegRSEL+8:
		return triple(&r.rsel, GPIORegRSEL, pinMask)
	case withEdge && off >= gpioRegCounters && off < gpioRegCountersEnd:
		return 0, true, ioError(accessVerb(write), addr, "the GPIO event counter is not modelled")
	}
	return 0, false, nil
}

// regWriter returns the access function of plain read/write registers: a
// write stores v under mask; both return the register's value.
func regWriter(write bool, v uint32) func(p *uint32, mask uint32) (uint32, error) {
	return func(p *uint32, mask uint32) (uint32, error) {
		if write {
			*p = v & mask
		}
		return *p, nil
	}
}

// setReset returns what a write of v makes of register value cur in a
// value / set / reset triple: rel 0 writes the value, 4 sets the bits of v,
// 8 clears them.
func setReset(cur, rel, v uint32) uint32 {
	switch rel {
	case 0:
		return v
	case 4:
		return cur | v
	case 8:
		return cur &^ v
	}
	return cur
}

// accessVerb names a register access in errors and trace events.
func accessVerb(write bool) string {
	if write {
		return "write"
	}
	return "read"
}

// gpioDOUT handles DOUT (rel 0), DOUT_SET (4) and DOUT_RESET (8). The output
// latch is the GPIO model's: a change on an output pin drives it (gpio.set);
// on other pins it is kept for when the pin becomes an output.
func (b *Board) gpioDOUT(write bool, first, count int, rel, v uint32) (uint32, error) {
	g := b.GPIO
	var cur uint32
	for i := range count {
		cur |= uint32(g.out[first+i]&1) << i
	}
	if !write {
		return cur, nil
	}
	next := setReset(cur, rel, v)
	for i := range count {
		n, bit := first+i, uint8(next>>i&1)
		if g.out[n] == bit {
			continue
		}
		if g.dir[n] == Output {
			if err := g.Set(n, bit); err != nil {
				return 0, fmt.Errorf("io: %w: %w", err, ErrInvalid)
			}
		} else {
			g.out[n] = bit
		}
	}
	return next & (uint32(1)<<count - 1), nil
}

// gpioOE handles OE (rel 0), OE_SET (4) and OE_RESET (8): a pin whose bit
// rises becomes an output driving its latch (gpio.set); one whose bit
// falls becomes an input.
func (b *Board) gpioOE(write bool, first, count int, rel, v uint32) (uint32, error) {
	g := b.GPIO
	var cur uint32
	for i := range count {
		if g.dir[first+i] == Output {
			cur |= 1 << i
		}
	}
	if !write {
		return cur, nil
	}
	next := setReset(cur, rel, v)
	for i := range count {
		n := first + i
		was, now := cur>>i&1 != 0, next>>i&1 != 0
		var err error
		switch {
		case now && !was:
			err = g.ConfigureOutput(n, g.out[n])
		case was && !now:
			err = g.ConfigureInput(n)
		}
		if err != nil {
			return 0, fmt.Errorf("io: %w: %w", err, ErrInvalid)
		}
	}
	return next & (uint32(1)<<count - 1), nil
}

// pwmTickNs converts ticks of PWM clock sel (PWM_GLO_CTRL bits 2:1) to
// nanoseconds, rounded to the nearest.
func pwmTickNs(sel uint32, ticks uint64) (uint64, bool) {
	switch sel {
	case 0:
		return (ticks*1e9 + GPTFastHz/2) / GPTFastHz, true
	case 1:
		return ticks * PWMTickNs, true
	case 2:
		return (ticks*1000 + 13) / 26, true
	}
	return 0, false
}

func (b *Board) pwmAccess(write bool, addr uint32, n int, off, v uint32) (uint32, error) {
	r := &b.ioState().pwm[n]
	verb := accessVerb(write)
	if off == PWMRegGlobalCtrl {
		if !write {
			return r.glo, nil
		}
		r.glo = v &^ PWMGloKick
		if v&PWMGloKick != 0 {
			for ch := range PWMChannels {
				if r.ctrl[ch]&PWMCtrlGlobalKick != 0 {
					if err := b.pwmKick(addr, n, ch); err != nil {
						return 0, err
					}
				}
			}
		}
		return r.glo, nil
	}
	if off < PWMRegCtrl || off >= PWMRegCtrl+PWMChannels*PWMChannelStride {
		return 0, ioError(verb, addr, "no such PWM register")
	}
	ch := int((off - PWMRegCtrl) / PWMChannelStride)
	switch (off - PWMRegCtrl) % PWMChannelStride {
	case 0:
		if write {
			r.ctrl[ch] = v &^ PWMCtrlKick
			if v&PWMCtrlKick != 0 {
				if err := b.pwmKick(addr, n, ch); err != nil {
					return 0, err
				}
			}
		}
		return r.ctrl[ch], nil
	case 4:
		if write {
			r.s0[ch] = v
		}
		return r.s0[ch], nil
	case 8:
		if write {
			r.s1[ch] = v
		}
		return r.s1[ch], nil
	}
	return 0, ioError(verb, addr, "no such PWM register")
}

// pwmKick applies channel ch of controller n from its registers: period =
// (on + off) ticks, duty = on ticks, polarity and enable from CTRL.
func (b *Board) pwmKick(addr uint32, n, ch int) error {
	r := &b.ioState().pwm[n]
	sel := r.glo & PWMGloClockMask >> PWMGloClockShift
	on, off := uint64(r.s0[ch]&0xFFFF), uint64(r.s0[ch]>>16)
	onNs, ok := pwmTickNs(sel, on)
	periodNs, _ := pwmTickNs(sel, on+off)
	if !ok {
		return ioError("write", addr, fmt.Sprintf("PWM tick clock %d does not exist (0 to 2)", sel))
	}
	pol := PWMPolarityNormal
	if r.ctrl[ch]&PWMCtrlPolarity != 0 {
		pol = PWMPolarityInversed
	}
	enabled := r.ctrl[ch]&PWMCtrlClockEn != 0
	p := b.PWM[n]
	period, duty := uint32(min(periodNs, math.MaxUint32)), uint32(min(onNs, math.MaxUint32))
	err := p.Apply(ch, period, duty, pol, enabled)
	if err != nil && !enabled {
		// A stopped output needs no representable waveform.
		st, _ := p.State(ch)
		if st.PeriodNs == 0 {
			st.PeriodNs, st.DutyNs = PWMTickNs, 0
		}
		err = p.Apply(ch, st.PeriodNs, st.DutyNs, pol, false)
	}
	if err != nil {
		return fmt.Errorf("io: write of %#08x: %w", addr, err)
	}
	return nil
}

func (b *Board) adcGlobal(write bool, v uint32) (uint32, error) {
	a := &b.ioState().adc
	if write {
		a.global = v & 1
		if v&1 == 0 {
			a.rd, a.wr = 0, 0
			a.ctl0 &^= ADCCtl0FSMEn
		}
	}
	return a.global, nil
}

// adcStart converts each channel selected in CTL0's channel map once, in
// ascending order, into the FIFO (channel in bits 3:0, sample in 15:4).
// A full FIFO drops further samples.
func (b *Board) adcStart(addr uint32) error {
	a := &b.ioState().adc
	if a.ctl0&ADCCtl0PModeEn != 0 {
		return ioError("write", addr, "ADC periodic mode is not modelled")
	}
	chmap := a.ctl0 >> ADCCtl0ChMapShift
	for ch := range ADCChannels {
		if chmap>>ch&1 == 0 {
			continue
		}
		s, err := b.ADC.Sample(ch)
		if err != nil {
			return fmt.Errorf("io: %w: %w", err, ErrInvalid)
		}
		if a.count() >= ADCFIFODepth {
			continue
		}
		a.fifo[a.wr%ADCFIFODepth] = s<<4 | uint32(ch)
		a.wr = (a.wr + 1) & 31
	}
	return nil
}

func (b *Board) adcAccess(write bool, addr, off, v uint32) (uint32, error) {
	a := &b.ioState().adc
	verb := accessVerb(write)
	reg := func(p *uint32) (uint32, error) {
		if write {
			*p = v
		}
		return *p, nil
	}
	switch off {
	case ADCRegCtl0:
		if !write {
			return a.ctl0, nil
		}
		was := a.ctl0&ADCCtl0FSMEn != 0
		a.ctl0 = v
		if v&ADCCtl0FSMEn != 0 && !was {
			if err := b.adcStart(addr); err != nil {
				a.ctl0 &^= ADCCtl0FSMEn
				return 0, err
			}
		}
		return a.ctl0, nil
	case ADCRegPeriod:
		return reg(&a.period)
	case ADCRegCtl2:
		return reg(&a.ctl2)
	case ADCRegCtl3:
		return reg(&a.ctl3)
	case ADCRegCtl4:
		return 0, nil
	case ADCRegFIFORBR:
		if write || a.count() == 0 {
			return 0, nil
		}
		s := a.fifo[a.rd%ADCFIFODepth]
		a.rd = (a.rd + 1) & 31
		return s, nil
	case ADCRegFIFOIER:
		return reg(&a.ier)
	case ADCRegFIFOIIR:
		if a.ier&1 != 0 && a.count() > 0 {
			return 0x04, nil // RX data received
		}
		return 0x01, nil // no interrupt pending
	case ADCRegFIFOLCR:
		return reg(&a.lcr)
	case ADCRegFIFOLSR:
		if a.count() > 0 {
			return 1, nil // DR
		}
		return 0, nil
	case ADCRegSleepEn:
		return reg(&a.sleep)
	case ADCRegDMAEn:
		return reg(&a.dma)
	case ADCRegRTOCnt:
		return reg(&a.rto)
	case ADCRegTriLvl:
		return reg(&a.tri)
	case ADCRegWak:
		return reg(&a.wak)
	case ADCRegWatTime:
		return reg(&a.watTime)
	case ADCRegHandshake:
		return reg(&a.handshake)
	case ADCRegDebug16:
		return a.rd | a.wr<<5, nil
	}
	if off >= ADCRegDebug0 && off < ADCRegDebug0+16*4 {
		return 0, nil
	}
	return 0, ioError(verb, addr, "no such ADC register")
}
