package hw_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sphere-emu/sphere-emu/hw"
)

func ioRd(t *testing.T, b *hw.Board, addr uint32) uint32 {
	t.Helper()
	v, err := b.IORead32(addr)
	require.NoError(t, err, "read %#08x", addr)
	return v
}

func ioWr(t *testing.T, b *hw.Board, addr, v uint32) {
	t.Helper()
	require.NoError(t, b.IOWrite32(addr, v), "write %#08x", addr)
}

func TestBlockOfNamesTheFirewallSlots(t *testing.T) {
	cases := []struct {
		addr uint32
		name string
	}{
		{0x38000000, "ADC"}, {0x380002D4, "ADC"},
		{0x38010000, "GPIO block 0"}, {0x38011104, "GPIO block 0"}, {0x38030010, "GPIO block 2"},
		{0x3806FFFC, "GPIO block 5"},
		{0x38070000, "ISU0"}, {0x38070500, "ISU0"}, {0x380B0300, "ISU4"}, {0x380C0000, "ISU5"},
		{0x380D0000, "I2S0"}, {0x380E0100, "I2S1"}, {0x380F0000, "I2S0"}, {0x38100000, "I2S1"},
	}
	for _, c := range cases {
		name, ok := hw.BlockOf(c.addr)
		require.True(t, ok, "%#08x", c.addr)
		require.Equal(t, c.name, name, "%#08x", c.addr)
	}
	for _, addr := range []uint32{0, 0x21050000, 0x37FFFFFC, 0x38110000, 0xE000E100} {
		_, ok := hw.BlockOf(addr)
		require.False(t, ok, "%#08x", addr)
	}
}

func TestIOGPIORegistersDriveTheBoardsPins(t *testing.T) {
	bn := newBench(t)
	b := bn.board
	const blk2 = 0x38030000 // GPIO 8–11: LED1 red, green, blue; networking LED blue

	ioWr(t, b, blk2+hw.GPIORegDOUTSet, 0xF) // LEDs off (active-low) before driving
	require.Empty(t, bn.rec.Named("gpio.set"), "the latch of an input pin is not visible")
	ioWr(t, b, blk2+hw.GPIORegOESet, 0x1)
	require.EqualValues(t, 1, ioRd(t, b, blk2+hw.GPIORegOE))
	e, ok := bn.rec.First("gpio.set", "gpio", "8")
	require.True(t, ok)
	require.Equal(t, "1", e.Str("value"))
	require.Equal(t, "false", e.Str("lit"))

	ioWr(t, b, blk2+hw.GPIORegDOUTReset, 0x1) // LED1 red on
	e = bn.rec.Named("gpio.set")[1]
	require.Equal(t, "8", e.Str("gpio"))
	require.Equal(t, "0", e.Str("value"))
	require.Equal(t, "LED1 red", e.Str("led"))
	require.Equal(t, "true", e.Str("lit"))
	ioWr(t, b, blk2+hw.GPIORegDOUTReset, 0x1) // no change: no event
	require.Len(t, bn.rec.Named("gpio.set"), 2)
	require.EqualValues(t, 0xE, ioRd(t, b, blk2+hw.GPIORegDOUT))
	require.EqualValues(t, 0xE, ioRd(t, b, blk2+hw.GPIORegDIN), "an output reads its own level; inputs read high")
	v, err := b.GPIO.Get(8)
	require.NoError(t, err)
	require.Zero(t, v)

	ioWr(t, b, blk2+hw.GPIORegDOUT, 0x1) // whole register: pin 8 high again
	require.Len(t, bn.rec.Named("gpio.set"), 3)
	ioWr(t, b, blk2+hw.GPIORegOEReset, 0x1)
	d, err := b.GPIO.Get(8)
	require.NoError(t, err)
	require.EqualValues(t, 1, d, "an input reads the pulled-up pin")
	require.Zero(t, ioRd(t, b, blk2+hw.GPIORegOE))

	// Inputs: button A is GPIO12, bit 0 of block 3.
	const blk3 = 0x38040000
	require.EqualValues(t, 0xF, ioRd(t, b, blk3+hw.GPIORegDIN), "released buttons read high")
	require.NoError(t, b.GPIO.Drive(hw.ButtonA, 0))
	require.EqualValues(t, 0xE, ioRd(t, b, blk3+hw.GPIORegDIN))

	// OE written whole: pins 13 and 15 become outputs driving their latches (0).
	ioWr(t, b, blk3+hw.GPIORegOE, 0xA)
	require.EqualValues(t, 0xA, ioRd(t, b, blk3+hw.GPIORegOE))
	_, ok = bn.rec.First("gpio.set", "gpio", "15", "led", "LED2 red")
	require.True(t, ok)

	// The ADC slot's GPIO registers serve GPIO41–48.
	ioWr(t, b, 0x38000000+hw.GPIORegOESet, 0x80)
	_, ok = bn.rec.First("gpio.set", "gpio", "48")
	require.True(t, ok)
	require.EqualValues(t, 0x7F, ioRd(t, b, 0x38000000+hw.GPIORegDIN))
}

func TestIOGPIOPadRegistersAreStored(t *testing.T) {
	b := newBench(t).board
	const blk0 = 0x38010000
	ioWr(t, b, blk0+hw.GPIORegPU, 0xFFFFFFFF)
	require.EqualValues(t, 0x8000000F, ioRd(t, b, blk0+hw.GPIORegPU))
	ioWr(t, b, blk0+hw.GPIORegPU+8, 0x3)
	require.EqualValues(t, 0x8000000C, ioRd(t, b, blk0+hw.GPIORegPU+4), "SET and RESET read the value")
	ioWr(t, b, blk0+hw.GPIORegPD+4, 0x5)
	require.EqualValues(t, 0x5, ioRd(t, b, blk0+hw.GPIORegPD))
	ioWr(t, b, blk0+hw.GPIORegTDSEL, 0xFFFFFFFF)
	require.EqualValues(t, 0xFFFF, ioRd(t, b, blk0+hw.GPIORegTDSEL))
	ioWr(t, b, 0x38000000+hw.GPIORegPADDRV, 0xFFFFFFFF)
	require.EqualValues(t, 0xFFFF, ioRd(t, b, 0x38000000+hw.GPIORegPADDRV), "8 pins × 2 bits")
	ioWr(t, b, blk0+hw.GPIORegEA+4, 1)
	require.EqualValues(t, 1, ioRd(t, b, blk0+hw.GPIORegEA))
}

func TestIOPWMKickAppliesTheChannel(t *testing.T) {
	bn := newBench(t)
	b := bn.board
	const pwm2 = 0x38031000 // PWM-CONTROLLER-2: GPIO8–11
	require.EqualValues(t, hw.PWMGloCtrlDefault, ioRd(t, b, pwm2+hw.PWMRegGlobalCtrl))
	require.EqualValues(t, hw.PWMCtrlDefault, ioRd(t, b, pwm2+hw.PWMRegCtrl))

	ioWr(t, b, pwm2+hw.PWMRegGlobalCtrl, 1<<hw.PWMGloClockShift) // 2 MHz ticks
	ch1 := uint32(hw.PWMRegCtrl + hw.PWMChannelStride)
	ioWr(t, b, pwm2+ch1+4, 1500<<16|500) // on 250 µs, off 750 µs
	require.Empty(t, bn.rec.Named("pwm.set"), "parameters wait for a kick")
	ioWr(t, b, pwm2+ch1, hw.PWMCtrlClockEn|hw.PWMCtrlKick)
	require.EqualValues(t, hw.PWMCtrlClockEn, ioRd(t, b, pwm2+ch1), "kick clears itself")
	st, err := b.PWM[2].State(1)
	require.NoError(t, err)
	require.Equal(t, hw.PWMState{PeriodNs: 1_000_000, DutyNs: 250_000, Polarity: hw.PWMPolarityNormal, Enabled: true}, st)
	e, ok := bn.rec.First("pwm.set", "controller", "2", "ch", "1")
	require.True(t, ok)
	require.Equal(t, "1000000", e.Str("period_ns"))

	// Global kick applies the channels that opted in.
	ch3 := uint32(hw.PWMRegCtrl + 3*hw.PWMChannelStride)
	ioWr(t, b, pwm2+ch3+4, 10<<16|10)
	ioWr(t, b, pwm2+ch3, hw.PWMCtrlClockEn|hw.PWMCtrlGlobalKick|hw.PWMCtrlPolarity)
	ioWr(t, b, pwm2+hw.PWMRegGlobalCtrl, 1<<hw.PWMGloClockShift|hw.PWMGloKick)
	st, _ = b.PWM[2].State(3)
	require.Equal(t, hw.PWMState{PeriodNs: 10_000, DutyNs: 5_000, Polarity: hw.PWMPolarityInversed, Enabled: true}, st)
	st, _ = b.PWM[2].State(0)
	require.False(t, st.Enabled, "channel 0 did not opt in")

	// Stopping a channel needs no valid waveform.
	ioWr(t, b, pwm2+ch1+4, 0)
	ioWr(t, b, pwm2+ch1, hw.PWMCtrlKick)
	st, _ = b.PWM[2].State(1)
	require.False(t, st.Enabled)

	// A running waveform the PWM model cannot represent is a bus error.
	ioWr(t, b, pwm2+ch1, hw.PWMCtrlClockEn) // no kick: stored
	err = b.IOWrite32(pwm2+ch1, hw.PWMCtrlClockEn|hw.PWMCtrlKick)
	require.True(t, errors.Is(err, hw.ErrInvalid), "%v", err)

	// The 32.768 kHz clock.
	ioWr(t, b, pwm2+hw.PWMRegGlobalCtrl, 0)
	ioWr(t, b, pwm2+ch1+4, 1<<16|1)
	ioWr(t, b, pwm2+ch1, hw.PWMCtrlClockEn|hw.PWMCtrlKick)
	st, _ = b.PWM[2].State(1)
	require.Equal(t, uint32(61035), st.PeriodNs)
	require.Equal(t, uint32(30518), st.DutyNs)

	require.Zero(t, ioRd(t, b, pwm2+ch1+8))
	ioWr(t, b, pwm2+ch1+8, 7)
	require.EqualValues(t, 7, ioRd(t, b, pwm2+ch1+8))
}

func TestIOADCOneShotAsMicrosoftsSample(t *testing.T) {
	bn := newBench(t)
	b := bn.board
	const adc = 0x38000000
	require.NoError(t, b.ADC.SetVoltage(3, 1.25))
	require.NoError(t, b.ADC.SetVoltage(5, 2.5))
	count := func() uint32 {
		d := ioRd(t, b, adc+hw.ADCRegDebug16)
		return (d>>5&31 - d&31) & 31
	}
	require.Zero(t, count())
	require.Zero(t, ioRd(t, b, adc+hw.ADCRegFIFOLSR))

	ctl0 := ioRd(t, b, adc+hw.ADCRegCtl0)
	ctl0 = ctl0&^0xFFFF0000 | 1<<(16+3) | hw.ADCCtl0FSMEn
	ioWr(t, b, adc+hw.ADCRegCtl0, ctl0)
	require.EqualValues(t, 1, count())
	require.EqualValues(t, 1, ioRd(t, b, adc+hw.ADCRegFIFOLSR), "data ready")
	ioWr(t, b, adc+hw.ADCRegCtl0, ctl0&^hw.ADCCtl0FSMEn)
	rbr := ioRd(t, b, adc+hw.ADCRegFIFORBR)
	require.EqualValues(t, 3, rbr&0xF, "channel")
	require.EqualValues(t, 2048, rbr>>4&0xFFF, "sample")
	require.Zero(t, count())
	require.Zero(t, ioRd(t, b, adc+hw.ADCRegFIFORBR), "an empty FIFO reads 0")
	_, ok := bn.rec.First("adc.sample", "ch", "3", "value", "2048")
	require.True(t, ok)

	// Several channels convert in ascending order; enabling again converts again.
	ioWr(t, b, adc+hw.ADCRegCtl0, 1<<(16+5)|1<<(16+3)|hw.ADCCtl0FSMEn)
	ioWr(t, b, adc+hw.ADCRegCtl0, 1<<(16+5)|1<<(16+3)|hw.ADCCtl0FSMEn) // already on: nothing
	require.EqualValues(t, 2, count())
	require.EqualValues(t, 2048<<4|3, ioRd(t, b, adc+hw.ADCRegFIFORBR))
	require.EqualValues(t, 4095<<4|5, ioRd(t, b, adc+hw.ADCRegFIFORBR))

	// The FIFO holds ADCFIFODepth samples; the rest are dropped.
	for range 10 {
		ioWr(t, b, adc+hw.ADCRegCtl0, 0)
		ioWr(t, b, adc+hw.ADCRegCtl0, 1<<(16+5)|1<<(16+3)|hw.ADCCtl0FSMEn)
	}
	require.EqualValues(t, hw.ADCFIFODepth, count())
	ioWr(t, b, adc+hw.ADCRegGlobalCtrl, 0) // software reset empties it
	require.Zero(t, count())
	require.Zero(t, ioRd(t, b, adc+hw.ADCRegCtl0)&hw.ADCCtl0FSMEn)
	ioWr(t, b, adc+hw.ADCRegGlobalCtrl, 1)

	// Periodic mode is not modelled: a bus error, not a silent one-shot.
	err := b.IOWrite32(adc+hw.ADCRegCtl0, 1<<16|hw.ADCCtl0PModeEn|hw.ADCCtl0FSMEn)
	require.True(t, errors.Is(err, hw.ErrInvalid), "%v", err)
	require.Zero(t, ioRd(t, b, adc+hw.ADCRegCtl0)&hw.ADCCtl0FSMEn)

	require.EqualValues(t, hw.ADCTriLvlDefault, ioRd(t, b, adc+hw.ADCRegTriLvl))
	ioWr(t, b, adc+hw.ADCRegCtl3, 0x8000A000)
	require.EqualValues(t, 0x8000A000, ioRd(t, b, adc+hw.ADCRegCtl3))
	require.Zero(t, ioRd(t, b, adc+hw.ADCRegDebug0+4*15))
}

func TestIORejectsWhatIsNotModelled(t *testing.T) {
	b := newBench(t).board
	for _, addr := range []uint32{
		0x38010002,             // unaligned
		0x37FFFFFC, 0x38110000, // outside the peripheral space
		0x380C0000, 0x380C0500, 0x380D0000, // ISU5, ISU5's UART, I2S0: not modelled (ISU0–4: isu_test.go)
		0x38010008, 0x3801001C, 0x380100C0, // reserved GPIO offsets
		0x38010100, 0x38010150, // GPIO event counter
		0x38041000, 0x38011004, 0x38011140, // no PWM in block 3; PWM holes
		0x38000300, 0x380000A0, 0x38000114, // ADC holes; no EA in the ADC slot
	} {
		_, err := b.IORead32(addr)
		require.Truef(t, errors.Is(err, hw.ErrInvalid), "read %#08x: %v", addr, err)
		require.Truef(t, errors.Is(b.IOWrite32(addr, 0), hw.ErrInvalid), "write %#08x", addr)
	}
	_, err := b.IORead32(0x380C0000)
	require.ErrorContains(t, err, "ISU5 is not modelled at register level")
}
