package device

import (
	"encoding/hex"
	"fmt"
	"math"
	"sync"

	"github.com/sphere-emu/sphere-emu/fault"
	"github.com/sphere-emu/sphere-emu/hw"
	"github.com/sphere-emu/sphere-emu/trace"
)

// The test bench: helpers that make a fault test a few lines. They run the
// simulation one virtual instant at a time (every event scheduled for the
// next time on the clock), so a run can stop right after an event without
// touching the scheduler, and they read the device only between runs. Each
// input (a pin driven, an ADC voltage, a fault, a power cycle) is scheduled
// at the current virtual time and happens when the device next runs, after
// the events already due at that time: the same calls at the same virtual
// times give the same trace.

// Log is the trace a device records from power-on when it was made by Open
// (or from the first call of Device.Log otherwise). It is safe for use from
// any goroutine; the events are copies.
type Log struct {
	mu     sync.Mutex
	events []trace.Event
}

// Event stores a copy of e (Log is a trace.Sink).
func (l *Log) Event(e *trace.Event) {
	c := *e
	c.Fields = append([]trace.Field(nil), e.Fields...)
	l.mu.Lock()
	l.events = append(l.events, c)
	l.mu.Unlock()
}

// Len returns how many events were recorded.
func (l *Log) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.events)
}

// Since returns the events from index i on (none when i is past the end).
func (l *Log) Since(i int) []trace.Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	if i < 0 {
		i = 0
	}
	if i >= len(l.events) {
		return nil
	}
	return append([]trace.Event(nil), l.events[i:]...)
}

// Events returns every recorded event.
func (l *Log) Events() []trace.Event { return l.Since(0) }

// Find returns the events matching f (its Nth is ignored), in order.
func (l *Log) Find(f fault.EventFilter) []trace.Event {
	var out []trace.Event
	for _, e := range l.Events() {
		if Match(f, &e) {
			out = append(out, e)
		}
	}
	return out
}

// Ev returns a filter for events called name whose fields equal the
// key, value pairs in kv (compared as text), e.g.
// Ev("stage.verify", "stage", "kernel", "ok", "false").
func Ev(name string, kv ...string) fault.EventFilter {
	f := fault.EventFilter{Event: name}
	for i := 0; i+1 < len(kv); i += 2 {
		if f.Fields == nil {
			f.Fields = map[string]string{}
		}
		f.Fields[kv[i]] = kv[i+1]
	}
	return f
}

// Match reports whether e matches f's name (empty: any), domain (empty:
// any) and fields (compared as text), as a fault plan's event trigger does;
// f.Nth is not looked at.
func Match(f fault.EventFilter, e *trace.Event) bool {
	if (f.Event != "" && f.Event != e.Ev) || (f.Dom != "" && f.Dom != e.Dom) {
		return false
	}
	for k, v := range f.Fields {
		if _, ok := e.Get(k); !ok || e.Str(k) != v {
			return false
		}
	}
	return true
}

// Log returns the device's recorded trace. A device made by Open records
// from power-on; one made by New records from this call on.
func (d *Device) Log() *Log {
	for _, s := range d.cfg.Sinks {
		if l, ok := s.(*Log); ok {
			return l
		}
	}
	l := &Log{}
	d.cfg.Sinks = append(d.cfg.Sinks, l)
	d.tr.AddSink(l)
	return l
}

// Events returns the recorded trace (Log().Events()).
func (d *Device) Events() []trace.Event { return d.Log().Events() }

// Now returns the device's virtual time.
func (d *Device) Now() int64 { return d.sim.Now() }

// Stopped reports whether the run has ended for good (a halt, the app's
// exit without restart, or an emulator panic), and why.
func (d *Device) Stopped() (bool, string) { return d.sim.Stopped() }

// Step runs every event of the next virtual instant and reports whether
// there was one: false when nothing is scheduled or the run has ended.
func (d *Device) Step() (Result, bool) {
	if stopped, _ := d.sim.Stopped(); stopped {
		return d.Run(d.sim.Now()), false
	}
	t, ok := d.sim.NextEvent()
	if !ok {
		return d.Run(d.sim.Now()), false
	}
	return d.Run(t), true
}

// RunFor runs the device for dt of virtual time from now (Run(Now()+dt)).
func (d *Device) RunFor(dt int64) Result { return d.Run(d.sim.Now() + dt) }

// RunUntilEvent runs the device until the f.Nth (default 1st) event from
// now matching f (Match), at most until virtual time limit. It stops at the
// end of the virtual instant of the matching event and returns that event
// and true; otherwise, at limit, a halt or when nothing is left to do, the
// zero event and false.
func (d *Device) RunUntilEvent(f fault.EventFilter, limit int64) (trace.Event, Result, bool) {
	log := d.Log()
	from, seen := log.Len(), 0
	for {
		if stopped, _ := d.sim.Stopped(); stopped {
			return trace.Event{}, d.Run(d.sim.Now()), false
		}
		t, ok := d.sim.NextEvent()
		if !ok || t > limit {
			return trace.Event{}, d.Run(max(limit, d.sim.Now())), false
		}
		res := d.Run(t)
		for _, e := range log.Since(from) {
			if Match(f, &e) {
				if seen++; seen >= max(f.Nth, 1) {
					return e, res, true
				}
			}
		}
		from = log.Len()
	}
}

// Verdict is how a run stands, read from the device and its trace.
type Verdict struct {
	Time       int64  `json:"time_ns"`
	Stopped    bool   `json:"stopped"`               // the run has ended for good
	StopReason string `json:"stop_reason,omitempty"` // "halt", "app-exit", "panic"
	Halted     bool   `json:"halted"`
	HaltStage  string `json:"halt_stage,omitempty"`
	HaltReason string `json:"halt_reason,omitempty"`
	// AppStarted: a high-level app reached its first instruction (in any boot).
	AppStarted bool `json:"app_started"`
	// AppRunning: a high-level app started in the current boot and has not
	// ended (crash, exit, termination, power cut or reboot), by the trace.
	AppRunning bool     `json:"app_running"`
	AppExited  bool     `json:"app_exited"`
	ExitCode   int32    `json:"exit_code"`
	Signal     int32    `json:"signal"`
	AppCrashes int      `json:"app_crashes"` // app.crash events
	Reboots    int      `json:"reboots"`     // reboots and power-ups after a cut or power-down
	PowerCuts  int      `json:"power_cuts"`
	Powered    bool     `json:"powered"`          // false after a power cut, until it is powered again
	Faults     int      `json:"faults"`           // fault.inject events
	Panics     []string `json:"panics,omitempty"` // emulator bugs: a domain's Go code panicked
}

// Verdict reads how the run stands now.
func (d *Device) Verdict() Verdict {
	stopped, why := d.sim.Stopped()
	r := d.result
	v := Verdict{Time: d.sim.Now(), Stopped: stopped, StopReason: why, Halted: r.Halted, HaltStage: r.HaltStage,
		HaltReason: r.HaltReason, AppStarted: r.AppStarted, AppExited: r.AppExited, ExitCode: r.ExitCode,
		Signal: r.Signal, Reboots: r.Reboots, Powered: true}
	for _, e := range d.Log().Events() {
		switch e.Ev {
		case "app.start":
			v.AppRunning = true
		case "app.crash":
			v.AppCrashes++
			v.AppRunning = false
		case "app.exit", "app.terminated", "app.stopped", "boot.halt", "power.reboot", "power.down":
			v.AppRunning = false
		case "power.cut":
			v.PowerCuts++
			v.AppRunning, v.Powered = false, false
		case "power.reset":
			v.Powered = true
		case "fault.inject":
			v.Faults++
		case "domain.panic":
			v.Panics = append(v.Panics, e.Str("domain")+": "+e.Str("value"))
		}
	}
	if stopped {
		v.AppRunning = false
	}
	return v
}

// Pin is the state of one GPIO.
type Pin struct {
	GPIO      int    `json:"gpio"`
	Direction string `json:"direction"` // "input", "output" or "unconfigured"
	Level     uint8  `json:"level"`     // driven value (output) or external level (input)
	LED       string `json:"led,omitempty"`
	Lit       *bool  `json:"lit,omitempty"` // RDB LEDs are active-low
}

// Pin reads GPIO n.
func (d *Device) Pin(n int) (Pin, error) {
	g := d.board.GPIO
	level, err := g.Get(n)
	if err != nil {
		return Pin{}, err
	}
	p := Pin{GPIO: n, Level: level, Direction: "unconfigured"}
	switch g.Direction(n) {
	case hw.Input:
		p.Direction = "input"
	case hw.Output:
		p.Direction = "output"
	}
	if led, ok := hw.RDBLED(n); ok {
		p.LED = led
		if p.Direction == "output" {
			lit := level == 0
			p.Lit = &lit
		}
	}
	return p, nil
}

// Pins reads every GPIO configured as an input or output.
func (d *Device) Pins() []Pin {
	var out []Pin
	for n := range hw.GPIOCount {
		if d.board.GPIO.Direction(n) == hw.Unconfigured {
			continue
		}
		if p, err := d.Pin(n); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// DriveGPIO drives the external level of GPIO n (a wire, a button) at the
// current virtual time, when the device next runs.
func (d *Device) DriveGPIO(n int, level uint8) error {
	if !hw.GPIOExists(n) {
		return fmt.Errorf("device: GPIO %d does not exist", n)
	}
	if level > 1 {
		return fmt.Errorf("device: GPIO level %d is not 0 or 1", level)
	}
	d.sim.Schedule(d.sim.Now(), func() { _ = d.board.GPIO.Drive(n, level) })
	return nil
}

// PressButton presses the button on GPIO n (hw.ButtonA, hw.ButtonB: they
// read 0 while pressed) at the current virtual time and releases it hold
// later; hold < 0 keeps it pressed.
func (d *Device) PressButton(n int, hold int64) error {
	if err := d.DriveGPIO(n, 0); err != nil {
		return err
	}
	if hold >= 0 {
		d.sim.Schedule(d.sim.Now()+hold, func() { _ = d.board.GPIO.Drive(n, 1) })
	}
	return nil
}

// SetADC makes ADC channel ch read a constant voltage from the current
// virtual time on.
func (d *Device) SetADC(ch int, volts float64) error {
	if ch < 0 || ch >= hw.ADCChannels {
		return fmt.Errorf("device: ADC channel %d is not 0–%d", ch, hw.ADCChannels-1)
	}
	if math.IsNaN(volts) || math.IsInf(volts, 0) || volts < 0 || volts > 100 {
		return fmt.Errorf("device: ADC input %v V is not a voltage between 0 and 100", volts)
	}
	d.sim.Schedule(d.sim.Now(), func() { _ = d.board.ADC.SetVoltage(ch, volts) })
	return nil
}

// InjectFault arms one fault now, through fault.Apply on a plan of that
// one fault: without a trigger it fires at the current virtual time, when
// the device next runs; with one, its trigger counts from now (an `at` in
// the past fires at once). Its fault.inject event says fault 0.
func (d *Device) InjectFault(f fault.Fault) error {
	if f.Trigger.At == nil && f.Trigger.On == nil {
		f.Trigger.At = fault.D(d.sim.Now())
	}
	return fault.Apply(&fault.Plan{Faults: []fault.Fault{f}}, d)
}

// PowerCycle cuts the power at the current virtual time, when the device
// next runs (power.cut with fields), and powers it on again offFor later;
// offFor < 0 leaves it off.
func (d *Device) PowerCycle(offFor int64, fields ...trace.Field) {
	d.sim.Schedule(d.sim.Now(), func() { d.CutPower(offFor, fields...) })
}

// UARTOutput returns the bytes the device sent on ISU isu's UART (its
// uart.tx events) from trace index since on, and the index to ask from next.
func (d *Device) UARTOutput(isu int, since int) ([]byte, int) {
	log := d.Log()
	var out []byte
	evs := log.Since(since)
	for _, e := range evs {
		if e.Ev != "uart.tx" || e.Str("isu") != fmt.Sprint(isu) {
			continue
		}
		if h, ok := e.Get("hex"); ok {
			b, _ := hex.DecodeString(fmt.Sprint(h))
			out = append(out, b...)
		} else {
			out = append(out, e.Str("text")...)
		}
	}
	return out, max(since, 0) + len(evs)
}

// AppOutput returns the lines apps wrote (app.log, app.output and rt.uart
// events) from trace index since on, and the index to ask from next.
func (d *Device) AppOutput(since int) ([]string, int) {
	evs := d.Log().Since(since)
	var out []string
	for _, e := range evs {
		switch e.Ev {
		case "app.log", "app.output", "rt.uart":
			out = append(out, e.Str("line"))
		}
	}
	return out, max(since, 0) + len(evs)
}
