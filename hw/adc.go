package hw

import (
	"fmt"
	"math"

	"github.com/sphere-emu/sphere-emu/trace"
)

// ADC facts: ADC-CONTROLLER-0 has 8 channels (GPIO41–48) with 12-bit samples.
const (
	ADCChannels = 8              // channels of ADC-CONTROLLER-0
	ADCBits     = 12             // bits per sample
	ADCMax      = 1<<ADCBits - 1 // the code for an input at or above the reference
)

// The reference voltages the MT3620's ADC accepts: its two V_ref bands
// (1.8 V and 2.5 V, ±10 %) and the gap between them, as MediaTek's driver
// for the M4 cores checks. The RDB and the samples use 2.5 V.
const (
	ADCMinReference     = 1.62 // volts: the bottom of the 1.8 V band
	ADCMaxReference     = 2.75 // volts: the top of the 2.5 V band
	ADCDefaultReference = 2.5  // volts: the RDB's reference
)

// ADC is ADC-CONTROLLER-0. Each channel reads a source: a voltage as a
// function of virtual time, 0 V until set.
type ADC struct {
	tr     *trace.Tracer
	now    func() int64
	notify func()
	ref    [ADCChannels]float64
	src    [ADCChannels]func(t int64) float64
}

// NewADC returns the controller with every channel at 0 V and a 2.5 V reference.
func NewADC(tr *trace.Tracer, now func() int64) *ADC {
	if now == nil {
		now = func() int64 { return 0 }
	}
	a := &ADC{tr: tr, now: now}
	for i := range a.ref {
		a.ref[i] = ADCDefaultReference
	}
	return a
}

// Channels returns the number of channels.
func (a *ADC) Channels() int { return ADCChannels }

// BitCount returns the sample width in bits (ADC_GetSampleBitCount).
func (a *ADC) BitCount() int { return ADCBits }

func (a *ADC) check(ch int) error {
	if ch < 0 || ch >= ADCChannels {
		return fmt.Errorf("adc: channel %d does not exist (0 to %d): %w", ch, ADCChannels-1, ErrNoDevice)
	}
	return nil
}

// Reference returns channel ch's reference voltage (0 for a channel that does not exist).
func (a *ADC) Reference(ch int) float64 {
	if a.check(ch) != nil {
		return 0
	}
	return a.ref[ch]
}

// SetReference sets channel ch's reference voltage, which must lie in
// ADCMinReference..ADCMaxReference; otherwise the error wraps ErrInvalid
// (ErrNoDevice for a bad channel).
func (a *ADC) SetReference(ch int, volts float64) error {
	if err := a.check(ch); err != nil {
		return err
	}
	if !(volts >= ADCMinReference && volts <= ADCMaxReference) {
		return fmt.Errorf("adc: reference %g V on channel %d: want %g to %g V: %w", volts, ch, ADCMinReference, ADCMaxReference, ErrInvalid)
	}
	a.ref[ch] = volts
	return nil
}

// Sample converts channel ch's input at the current virtual time,
// round(v / reference × 4095) clamped to 0..4095, and emits adc.sample.
func (a *ADC) Sample(ch int) (uint32, error) {
	if err := a.check(ch); err != nil {
		return 0, err
	}
	var v float64
	if f := a.src[ch]; f != nil {
		v = f(a.now())
	}
	code := uint32(0)
	switch x := v / a.ref[ch] * ADCMax; {
	case math.IsNaN(x) || x <= 0:
	case x >= ADCMax:
		code = ADCMax
	default:
		code = uint32(math.Round(x))
	}
	a.tr.Emit(trace.HW, "adc.sample", trace.Int("ch", int64(ch)), trace.Int("value", int64(code)))
	return code, nil
}

// SetSource makes channel ch read f(t) volts at virtual time t (nil means
// 0 V), emits adc.input and raises the board's input line.
func (a *ADC) SetSource(ch int, f func(t int64) float64) error {
	if err := a.check(ch); err != nil {
		return err
	}
	a.src[ch] = f
	a.tr.Emit(trace.HW, "adc.input", trace.Int("ch", int64(ch)), trace.Str("source", "function"))
	a.raise()
	return nil
}

// Source returns channel ch's input as a function of virtual time (nil
// for 0 V or a channel that does not exist).
func (a *ADC) Source(ch int) func(t int64) float64 {
	if a.check(ch) != nil {
		return nil
	}
	return a.src[ch]
}

// SetVoltage makes channel ch read a constant v volts, emits adc.input and
// raises the board's input line.
func (a *ADC) SetVoltage(ch int, v float64) error {
	if err := a.check(ch); err != nil {
		return err
	}
	a.src[ch] = func(int64) float64 { return v }
	a.tr.Emit(trace.HW, "adc.input", trace.Int("ch", int64(ch)), trace.Str("volts", ftoa(v)))
	a.raise()
	return nil
}

func (a *ADC) raise() {
	if a.notify != nil {
		a.notify()
	}
}
