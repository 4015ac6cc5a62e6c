// Package scenario drives a device's inputs on the virtual timeline and
// checks what it did: a scenario file lists inputs (button presses, GPIO
// levels, ADC voltages and waveforms, UART bytes, accelerometer, gyroscope
// and temperature readings, and plants: physical processes that react to
// the app's outputs, such as a heated water tank) at virtual times, and
// expectations about the trace (GPIO toggles, UART output, log lines and
// the numbers in them, PWM settings, any event).
//
// Inputs act on an hw.Board through the simulation's scheduler, so a run
// with a scenario is as deterministic as one without. Expectations read
// only the trace, so they can also judge a recorded JSON-lines trace (see
// ReadJSONL). The file format is documented in docs/scenarios.md.
package scenario

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/sphere-emu/sphere-emu/hw"
)

// Limits that keep a hostile scenario from exhausting memory.
const (
	MaxRepeat = 100_000   // the largest repeat count of one input
	MaxSteps  = 1_000_000 // the most board changes one scenario may schedule
)

// DefaultHold is how long a button click holds the button down.
const DefaultHold = 100 * time.Millisecond

// Scenario is a parsed scenario file: inputs to apply and expectations to check.
type Scenario struct {
	// Description is the file's free-text description.
	Description string
	// Duration is how long a run of the scenario should last, in virtual
	// nanoseconds from power-on; 0 when the file does not say.
	Duration int64

	inputs  []input
	expects []expectation
}

// input is one entry of "inputs": an action at a time, possibly repeated.
type input struct {
	path  string
	at    int64
	every int64
	count int64
	act   action
}

// action is what an input does to the board.
type action interface {
	// needs reports a part of the board the action drives that is missing.
	needs(b *hw.Board) error
	// steps returns the board changes of one occurrence starting at at.
	steps(at int64) []step
}

// step is one change to the board at one virtual time.
type step struct {
	at int64
	do func(b *hw.Board)
}

// runner is an action that goes on acting after it starts, scheduling its
// own steps (a plant's ticks). Its steps method returns only its start, for
// counting and Horizon.
type runner interface {
	run(at int64, b *hw.Board, schedule func(at int64, f func()))
}

// Parse reads a scenario from JSON (when the first non-blank character is
// '{') or YAML. It is strict: unknown keys, duplicate keys, values of the
// wrong type or out of range are errors naming their path and line. The
// error is an *Error listing every problem found.
func Parse(data []byte) (*Scenario, error) {
	if isJSON(data) {
		return parseAs(data, true)
	}
	return parseAs(data, false)
}

// Load reads and parses the scenario file at path: as JSON when its name
// ends in .json, as YAML when it ends in .yaml or .yml, and by content
// otherwise. Problems are reported with the file name.
func Load(path string) (*Scenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("scenario: %w", err)
	}
	var s *Scenario
	switch strings.ToLower(filepath.Ext(path)) {
	case ".json":
		s, err = parseAs(data, true)
	case ".yaml", ".yml":
		s, err = parseAs(data, false)
	default:
		s, err = Parse(data)
	}
	if e, ok := err.(*Error); ok {
		e.File = path
	}
	return s, err
}

func parseAs(data []byte, asJSON bool) (*Scenario, error) {
	var root *node
	var prob *Problem
	if asJSON {
		root, prob = parseJSON(data)
	} else {
		root, prob = parseYAML(data)
	}
	if prob != nil {
		return nil, &Error{Problems: []Problem{*prob}}
	}
	d := &decoder{}
	s := d.scenario(root)
	if len(d.problems) > 0 {
		return nil, &Error{Problems: d.problems, More: d.more}
	}
	return s, nil
}

func (d *decoder) scenario(root *node) *Scenario {
	if root.kind == kindNull {
		d.fail(root, "", "the scenario is empty")
		return nil
	}
	o := d.object(root, "")
	if o == nil {
		return nil
	}
	s := &Scenario{}
	s.Description, _ = o.str("description", false)
	s.Duration, _ = o.duration("duration", false)
	inputs, path := o.list("inputs")
	steps := int64(0)
	for i, n := range inputs {
		if in, ok := d.input(n, index(path, i)); ok {
			steps += in.count * int64(len(in.act.steps(in.at)))
			s.inputs = append(s.inputs, in)
		}
	}
	if steps > MaxSteps {
		d.fail(root, "inputs", "the inputs make %d board changes; at most %d are allowed", steps, MaxSteps)
	}
	expects, path := o.list("expect")
	for i, n := range expects {
		if e, ok := d.expectation(n, index(path, i)); ok {
			s.expects = append(s.expects, e)
		}
	}
	o.finish()
	return s
}

var inputKinds = []string{"button", "gpio", "adc", "uart", "accel", "gyro", "temperature", "plant", "network"}

func (d *decoder) input(n *node, path string) (input, bool) {
	o := d.object(n, path)
	if o == nil {
		return input{}, false
	}
	in := input{path: path, count: 1}
	var ok bool
	in.at, ok = o.duration("at", true)
	if rn, rpath := o.get("repeat"); rn != nil {
		if r := d.object(rn, rpath); r != nil {
			every, eok := r.duration("every", true)
			count, cok := r.integer("count", true, 1, MaxRepeat)
			r.finish()
			switch {
			case eok && every == 0:
				d.fail(rn, field(rpath, "every"), "must be longer than 0s")
				ok = false
			case eok && cok && (count-1) > (math.MaxInt64-in.at)/every:
				d.fail(rn, rpath, "the last repetition lies beyond the end of time")
				ok = false
			case eok && cok:
				in.every, in.count = every, count
			default:
				ok = false
			}
		} else {
			ok = false
		}
	}
	var act action
	switch k := o.one("the input", inputKinds...); k {
	case "button":
		act = d.button(o)
	case "gpio":
		act = d.gpioInput(o)
	case "adc":
		act = d.adcInput(o)
	case "uart":
		act = d.uartInput(o)
	case "accel", "gyro":
		act = d.vector(o, k)
	case "temperature":
		if v, vok := o.number("temperature", true); vok {
			act = temperature(v)
		}
	case "network":
		if v, vok := o.str("network", true); vok {
			switch v {
			case "up", "down":
				act = networkLink(v == "up")
			default:
				n, path := o.get("network")
				d.fail(n, path, `%q: want "up" or "down"`, v)
			}
		}
	case "plant":
		act = d.plantInput(o)
		if act != nil && o.has("repeat") {
			n, path := o.get("repeat")
			d.fail(n, path, "a plant runs from its start to the end of the run; it cannot repeat")
			ok = false
		}
		if t, isTank := act.(tankPlant); isTank && t.hasRefill && in.at > t.refillAt {
			n, path := o.get("plant")
			d.fail(n, field(path, "refill_at"), "%s is before the tank starts (%s)", fmtTime(t.refillAt), fmtTime(in.at))
			ok = false
		}
	}
	o.finish()
	if act == nil {
		return input{}, false
	}
	in.act = act
	return in, ok
}

// button presses, releases or clicks button A or B.
type button struct {
	pin    int
	action string // press, release, click
	hold   int64
}

func (d *decoder) button(o *object) action {
	name, ok := o.str("button", true)
	b := button{action: "click", hold: int64(DefaultHold)}
	switch strings.ToUpper(name) {
	case "A":
		b.pin = hw.ButtonA
	case "B":
		b.pin = hw.ButtonB
	default:
		if ok {
			n, path := o.get("button")
			d.fail(n, path, `%q is not a button of the RDB: want "A" or "B"`, name)
		}
		ok = false
	}
	if a, aok := o.str("action", false); aok {
		switch a {
		case "press", "release", "click":
			b.action = a
		default:
			n, path := o.get("action")
			d.fail(n, path, `%q: want "press", "release" or "click"`, a)
			ok = false
		}
	}
	if o.has("hold") {
		hold, hok := o.duration("hold", false)
		switch {
		case !hok:
			ok = false
		case b.action != "click":
			n, path := o.get("hold")
			d.fail(n, path, `only a click has a hold time`)
			ok = false
		case hold == 0:
			n, path := o.get("hold")
			d.fail(n, path, "must be longer than 0s")
			ok = false
		default:
			b.hold = hold
		}
	}
	if !ok {
		return nil
	}
	return b
}

func (b button) needs(hb *hw.Board) error { return needGPIO(hb) }

func (b button) steps(at int64) []step {
	drive := func(level uint8) func(*hw.Board) {
		return func(hb *hw.Board) { hb.GPIO.Drive(b.pin, level) } // the pin was checked at parse time
	}
	switch b.action {
	case "press":
		return []step{{at, drive(0)}}
	case "release":
		return []step{{at, drive(1)}}
	}
	return []step{{at, drive(0)}, {sat(at, b.hold), drive(1)}}
}

// sat adds without overflowing.
func sat(a, b int64) int64 {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

func needGPIO(b *hw.Board) error {
	if b.GPIO == nil {
		return fmt.Errorf("the board has no GPIO bank")
	}
	return nil
}

// gpioLevel drives a pin's external level.
type gpioLevel struct {
	pin   int
	level uint8
}

func (d *decoder) gpioInput(o *object) action {
	pin, ok := d.gpioNumber(o)
	level, lok := o.integer("level", true, 0, 1)
	if !ok || !lok {
		return nil
	}
	return gpioLevel{pin: pin, level: uint8(level)}
}

// gpioNumber reads the "gpio" key: a GPIO that exists on the MT3620.
func (d *decoder) gpioNumber(o *object) (int, bool) {
	v, ok := o.integer("gpio", true, 0, hw.GPIOCount-1)
	if ok && !hw.GPIOExists(int(v)) {
		n, path := o.get("gpio")
		d.fail(n, path, "GPIO %d does not exist on the MT3620", v)
		ok = false
	}
	return int(v), ok
}

func (g gpioLevel) needs(b *hw.Board) error { return needGPIO(b) }

func (g gpioLevel) steps(at int64) []step {
	return []step{{at, func(b *hw.Board) { b.GPIO.Drive(g.pin, g.level) }}}
}

// adcSource sets an ADC channel's input.
type adcSource struct {
	ch   int
	kind string // volts, sine, ramp
	v    float64
	// sine: offset + amplitude·sin(2π(t−start)/period + phase)
	offset, amplitude, phase float64
	// ramp: from, to over span
	from, to float64
	period   int64 // the sine's period or the ramp's duration
}

func (d *decoder) adcInput(o *object) action {
	n, path := o.get("adc")
	a := d.object(n, path)
	if a == nil {
		return nil
	}
	defer a.finish()
	ch, ok := a.integer("channel", true, 0, hw.ADCChannels-1)
	src := adcSource{ch: int(ch)}
	switch src.kind = a.one("the input voltage", "volts", "sine", "ramp"); src.kind {
	case "volts":
		var vok bool
		src.v, vok = a.number("volts", true)
		ok = ok && vok
	case "sine":
		sn, spath := a.get("sine")
		s := d.object(sn, spath)
		if s == nil {
			return nil
		}
		var ook, aok, pok bool
		src.offset, ook = s.number("offset", true)
		src.amplitude, aok = s.number("amplitude", true)
		src.period, pok = s.duration("period", true)
		deg, _ := s.number("phase", false)
		src.phase = deg * math.Pi / 180
		if pok && src.period == 0 {
			d.fail(sn, field(spath, "period"), "must be longer than 0s")
			pok = false
		}
		s.finish()
		ok = ok && ook && aok && pok
	case "ramp":
		rn, rpath := a.get("ramp")
		r := d.object(rn, rpath)
		if r == nil {
			return nil
		}
		var fok, tok, sok bool
		src.from, fok = r.number("from", true)
		src.to, tok = r.number("to", true)
		src.period, sok = r.duration("over", true)
		if sok && src.period == 0 {
			d.fail(rn, field(rpath, "over"), "must be longer than 0s")
			sok = false
		}
		r.finish()
		ok = ok && fok && tok && sok
	default:
		ok = false
	}
	if !ok {
		return nil
	}
	return src
}

func (a adcSource) needs(b *hw.Board) error {
	if b.ADC == nil {
		return fmt.Errorf("the board has no ADC")
	}
	return nil
}

func (a adcSource) steps(at int64) []step {
	var f func(t int64) float64
	switch a.kind {
	case "volts":
		return []step{{at, func(b *hw.Board) { b.ADC.SetVoltage(a.ch, a.v) }}}
	case "sine":
		f = func(t int64) float64 {
			cycles := float64(t-at) / float64(a.period)
			return a.offset + a.amplitude*math.Sin(2*math.Pi*cycles+a.phase)
		}
	case "ramp":
		f = func(t int64) float64 {
			switch {
			case t <= at:
				return a.from
			case t-at >= a.period:
				return a.to
			}
			return a.from + (a.to-a.from)*float64(t-at)/float64(a.period)
		}
	}
	return []step{{at, func(b *hw.Board) { b.ADC.SetSource(a.ch, f) }}}
}

// uartBytes arrive at a UART from outside.
type uartBytes struct {
	isu  int
	data []byte
}

func (d *decoder) uartInput(o *object) action {
	n, path := o.get("uart")
	u := d.object(n, path)
	if u == nil {
		return nil
	}
	defer u.finish()
	isu, ok := u.integer("isu", true, 0, hw.ISUCount-1)
	in := uartBytes{isu: int(isu)}
	switch k := u.one("the bytes", "text", "hex"); k {
	case "text":
		s, sok := u.str("text", true)
		in.data, ok = []byte(s), ok && sok
	case "hex":
		var hok bool
		in.data, hok = d.hexBytes(u, "hex")
		ok = ok && hok
	default:
		ok = false
	}
	if ok && len(in.data) == 0 {
		d.fail(n, path, "sends no bytes")
		ok = false
	}
	if !ok {
		return nil
	}
	return in
}

// hexBytes reads a string of hex digit pairs, allowing spaces between bytes.
func (d *decoder) hexBytes(o *object, key string) ([]byte, bool) {
	s, ok := o.str(key, true)
	if !ok {
		return nil, false
	}
	b, err := decodeHex(s)
	if err != nil {
		n, path := o.get(key)
		d.fail(n, path, "%v", err)
		return nil, false
	}
	return b, true
}

func decodeHex(s string) ([]byte, error) {
	s = strings.Join(strings.Fields(s), "")
	if len(s)%2 != 0 {
		return nil, fmt.Errorf("%d hex digits: want pairs, one per byte", len(s))
	}
	out := make([]byte, len(s)/2)
	for i := range out {
		hi, lo := unhex(s[2*i]), unhex(s[2*i+1])
		if hi < 0 || lo < 0 {
			return nil, fmt.Errorf("%q is not a hex byte", s[2*i:2*i+2])
		}
		out[i] = byte(hi<<4 | lo)
	}
	return out, nil
}

func unhex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

func (u uartBytes) needs(b *hw.Board) error {
	if b.UART[u.isu] == nil {
		return fmt.Errorf("the board has no UART on ISU%d", u.isu)
	}
	return nil
}

func (u uartBytes) steps(at int64) []step {
	return []step{{at, func(b *hw.Board) { b.UART[u.isu].Inject(u.data) }}}
}

// motion sets the LSM6DS3's acceleration (g) or angular rate (dps).
type motion struct {
	gyro    bool
	x, y, z float64
}

func (d *decoder) vector(o *object, key string) action {
	n, path := o.get(key)
	v := d.object(n, path)
	if v == nil {
		return nil
	}
	x, xok := v.number("x", true)
	y, yok := v.number("y", true)
	z, zok := v.number("z", true)
	v.finish()
	if !xok || !yok || !zok {
		return nil
	}
	return motion{gyro: key == "gyro", x: x, y: y, z: z}
}

func needAccel(b *hw.Board) error {
	if b.Accel == nil {
		return fmt.Errorf("the board has no LSM6DS3")
	}
	return nil
}

func (m motion) needs(b *hw.Board) error { return needAccel(b) }

func (m motion) steps(at int64) []step {
	if m.gyro {
		return []step{{at, func(b *hw.Board) { b.Accel.SetAngularRate(m.x, m.y, m.z) }}}
	}
	return []step{{at, func(b *hw.Board) { b.Accel.SetAcceleration(m.x, m.y, m.z) }}}
}

// temperature sets the LSM6DS3's temperature in °C.
type temperature float64

func (t temperature) needs(b *hw.Board) error { return needAccel(b) }

func (t temperature) steps(at int64) []step {
	return []step{{at, func(b *hw.Board) { b.Accel.SetTemperature(float64(t)) }}}
}

// networkLink takes the network around the device up or down (the access
// point appears or vanishes).
type networkLink bool

func (networkLink) needs(*hw.Board) error { return nil }

func (n networkLink) steps(at int64) []step {
	return []step{{at, func(b *hw.Board) { b.SetNetworkUp(bool(n)) }}}
}

// Apply schedules every input on b: schedule(at, f) must run f at virtual
// time at, in the order scheduled for equal times (sim.Sim.Schedule does).
// It checks first that the board has every part the inputs drive, and
// schedules nothing if not.
func (s *Scenario) Apply(schedule func(at int64, f func()), b *hw.Board) error {
	if s == nil || schedule == nil || b == nil {
		return fmt.Errorf("scenario: Apply needs a scenario, a scheduler and a board")
	}
	for _, in := range s.inputs {
		if err := in.act.needs(b); err != nil {
			return fmt.Errorf("scenario: %s: %w", in.path, err)
		}
	}
	for _, in := range s.inputs {
		for k := range in.count {
			at := in.at + k*in.every
			if r, ok := in.act.(runner); ok {
				schedule(at, func() { r.run(at, b, schedule) })
				continue
			}
			for _, st := range in.act.steps(at) {
				schedule(st.at, func() { st.do(b) })
			}
		}
	}
	return nil
}

// Horizon returns the latest virtual time the scenario mentions: its
// duration, its last input change, or its last expectation deadline. A run
// that ends earlier cannot exercise all of it.
func (s *Scenario) Horizon() int64 {
	if s == nil {
		return 0
	}
	h := s.Duration
	for _, in := range s.inputs {
		last := in.at + (in.count-1)*in.every
		for _, st := range in.act.steps(last) {
			h = max(h, st.at)
		}
	}
	for _, e := range s.expects {
		h = max(h, e.after)
		if e.hasBy {
			h = max(h, e.by)
		}
	}
	return h
}

// Expectations returns the description of each expectation, in file order.
func (s *Scenario) Expectations() []string {
	if s == nil {
		return nil
	}
	out := make([]string, len(s.expects))
	for i, e := range s.expects {
		out[i] = e.describe()
	}
	return out
}

// pattern compiles a user's regular expression (RE2 syntax: linear time).
func (d *decoder) pattern(o *object, key string) (*regexp.Regexp, bool) {
	s, ok := o.str(key, true)
	if !ok {
		return nil, false
	}
	re, err := regexp.Compile(s)
	if err != nil {
		n, path := o.get(key)
		d.fail(n, path, "invalid regular expression: %v", strings.TrimPrefix(err.Error(), "error parsing regexp: "))
		return nil, false
	}
	return re, true
}
