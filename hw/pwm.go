package hw

import (
	"fmt"

	"github.com/sphere-emu/sphere-emu/trace"
)

// PWM facts. Each controller drives 4 channels (PWM-CONTROLLER-n drives
// GPIO 4n to 4n+3). The model uses the 2 MHz tick (26 MHz XTAL / 13) of
// Microsoft's MT3620 PWM driver, whose on and off times are 16-bit tick
// counts.
const (
	PWMChannels         = 4                       // channels per controller
	PWMTickNs           = 500                     // one tick of the 2 MHz PWM clock
	PWMMaxTicks         = 65535                   // the largest on time and the largest off time, in ticks
	PWMMaxOnNs          = PWMMaxTicks * PWMTickNs // the largest on time and off time in ns (32.7675 ms)
	PWMPolarityNormal   = 0                       // the output is high for the duty cycle
	PWMPolarityInversed = 1                       // the output is low for the duty cycle
)

// PWMState is a channel's settings, as applibs' PwmState.
type PWMState struct {
	PeriodNs uint32 // the length of one cycle
	DutyNs   uint32 // the time the output is active in each period
	Polarity int    // PWMPolarityNormal or PWMPolarityInversed
	Enabled  bool
}

// PWM is one PWM controller. Apply records a channel's settings; nothing
// models the waveform itself, and the pins it drives are not GPIO outputs.
type PWM struct {
	index int
	tr    *trace.Tracer
	state [PWMChannels]PWMState
}

// NewPWM returns controller index with every channel disabled.
func NewPWM(index int, tr *trace.Tracer) *PWM {
	return &PWM{index: index, tr: tr}
}

// Index returns the controller's number.
func (p *PWM) Index() int { return p.index }

func (p *PWM) check(ch int) error {
	if ch < 0 || ch >= PWMChannels {
		return fmt.Errorf("pwm controller %d: channel %d does not exist (0 to %d): %w", p.index, ch, PWMChannels-1, ErrNoDevice)
	}
	return nil
}

// Apply sets channel ch atomically and emits pwm.set. As Linux's PWM core
// and the MT3620 driver require, the period must be non-zero, the duty
// cycle at most the period, and both the on time (duty) and the off time
// (period − duty) at most PWMMaxTicks ticks of 500 ns, so every duty cycle
// works for periods up to 32.7675 ms; polarity is 0 (normal) or 1
// (inversed). Violations wrap ErrInvalid, and a bad channel ErrNoDevice.
func (p *PWM) Apply(ch int, periodNs, dutyNs uint32, polarity int, enabled bool) error {
	if err := p.check(ch); err != nil {
		return err
	}
	on := dutyNs / PWMTickNs
	off := periodNs/PWMTickNs - min(on, periodNs/PWMTickNs)
	switch {
	case periodNs == 0:
		return fmt.Errorf("pwm controller %d channel %d: period is 0: %w", p.index, ch, ErrInvalid)
	case dutyNs > periodNs:
		return fmt.Errorf("pwm controller %d channel %d: duty cycle %d ns exceeds the period %d ns: %w", p.index, ch, dutyNs, periodNs, ErrInvalid)
	case on > PWMMaxTicks || off > PWMMaxTicks:
		return fmt.Errorf("pwm controller %d channel %d: on time %d ns and off time %d ns must each be at most %d ns: %w",
			p.index, ch, dutyNs, periodNs-dutyNs, PWMMaxOnNs, ErrInvalid)
	case polarity != PWMPolarityNormal && polarity != PWMPolarityInversed:
		return fmt.Errorf("pwm controller %d channel %d: polarity %d: want 0 (normal) or 1 (inversed): %w", p.index, ch, polarity, ErrInvalid)
	}
	p.state[ch] = PWMState{PeriodNs: periodNs, DutyNs: dutyNs, Polarity: polarity, Enabled: enabled}
	p.tr.Emit(trace.HW, "pwm.set", trace.Int("controller", int64(p.index)), trace.Int("ch", int64(ch)),
		trace.Int("period_ns", int64(periodNs)), trace.Int("duty_ns", int64(dutyNs)),
		trace.Int("polarity", int64(polarity)), trace.Bool("enabled", enabled))
	return nil
}

// State returns channel ch's settings.
func (p *PWM) State(ch int) (PWMState, error) {
	if err := p.check(ch); err != nil {
		return PWMState{}, err
	}
	return p.state[ch], nil
}
