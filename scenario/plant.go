package scenario

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/sphere-emu/sphere-emu/hw"
)

// A plant is the physical process around the device, simulated in closed
// loop on the virtual timeline: it reads what the app drives (a heater's
// GPIO) and feeds what the app senses (an ADC channel's voltage). Plants
// are inputs like any other ("plant": {"kind": …}); they start at their
// "at" time and run until the end of the run. docs/scenarios.md describes
// them.

// MinPlantTick is the shortest tick a thermal plant may have: a plant costs
// one scheduled event per tick, for as long as the run lasts.
const MinPlantTick = int64(time.Millisecond)

// DefaultPlantTick is a thermal plant's tick when the file gives none.
const DefaultPlantTick = 100 * int64(time.Millisecond)

var plantKinds = []string{"thermal", "tank"}

func (d *decoder) plantInput(o *object) action {
	n, path := o.get("plant")
	p := d.object(n, path)
	if p == nil {
		return nil
	}
	defer p.finish()
	kind, ok := p.str("kind", true)
	if !ok {
		return nil
	}
	switch kind {
	case "thermal":
		return d.thermal(p)
	case "tank":
		return d.tank(p)
	}
	kn, kpath := p.get("kind")
	msg := fmt.Sprintf("%q is not a plant: want %s", kind, quoteAll(plantKinds))
	if s := nearest(kind, plantKinds); s != "" {
		msg = fmt.Sprintf("%q is not a plant; did you mean %q?", kind, s)
	}
	d.fail(kn, kpath, "%s", msg)
	for i := range p.used { // the other keys cannot be judged without a kind
		p.used[i] = true
	}
	return nil
}

// thermalPlant is a mass of water with a heater and a temperature sensor:
//
//	dT/dt = heat_rate·u − cool_rate·(T − ambient)
//
// T in °C, t in seconds, u = 1 while the heater GPIO is an output at its
// active level and 0 otherwise. The plant samples u once per tick and
// holds it until the next tick; between ticks T follows the exact solution
// of the equation, so the sensor reads the same whenever the app samples it.
// The sensor outputs volts_offset + volts_per_degree·T.
type thermalPlant struct {
	heaterPin      int
	activeLow      bool
	ch             int
	voltsPerDegree float64
	voltsOffset    float64
	start          float64
	ambient        float64
	heatRate       float64 // °C/s while heating
	coolRate       float64 // 1/s: the fraction of (T − ambient) lost per second
	tick           int64
}

func (d *decoder) thermal(p *object) action {
	t := thermalPlant{tick: DefaultPlantTick}
	ok := true
	pin, pok := p.integer("heater_gpio", true, 0, hw.GPIOCount-1)
	if pok {
		if _, _, rok := outputEnable(int(pin)); !rok {
			n, path := p.get("heater_gpio")
			d.fail(n, path, "the plant cannot see whether GPIO %d is driven: want a GPIO of 0–23 or 41–48 (the register blocks sphere-emu models)", pin)
			pok = false
		}
	}
	t.heaterPin, ok = int(pin), ok && pok
	if a, has := p.str("heater_active", false); has {
		switch a {
		case "high":
		case "low":
			t.activeLow = true
		default:
			n, path := p.get("heater_active")
			d.fail(n, path, `%q: want "high" (the heater runs while the pin drives 1) or "low"`, a)
			ok = false
		}
	} else if p.has("heater_active") {
		ok = false
	}
	ch, cok := p.integer("adc_channel", true, 0, hw.ADCChannels-1)
	t.ch, ok = int(ch), ok && cok
	var vok bool
	t.voltsPerDegree, vok = p.number("volts_per_degree", true)
	if vok && t.voltsPerDegree == 0 {
		n, path := p.get("volts_per_degree")
		d.fail(n, path, "must not be 0: the sensor would not sense anything")
		vok = false
	}
	ok = ok && vok
	if p.has("volts_offset") {
		var ook bool
		t.voltsOffset, ook = p.number("volts_offset", false)
		ok = ok && ook
	}
	var aok bool
	t.ambient, aok = p.number("ambient", true)
	ok = ok && aok
	t.start = t.ambient
	if p.has("start") {
		var sok bool
		t.start, sok = p.number("start", false)
		ok = ok && sok
	}
	t.heatRate, ok = d.nonNegative(p, "heat_rate", ok)
	t.coolRate, ok = d.nonNegative(p, "cool_rate", ok)
	if p.has("tick") {
		tick, tok := p.duration("tick", false)
		if tok && tick < MinPlantTick {
			n, path := p.get("tick")
			d.fail(n, path, "%s is too short: want at least %s", fmtTime(tick), fmtTime(MinPlantTick))
			tok = false
		}
		if tok {
			t.tick = tick
		}
		ok = ok && tok
	}
	if !ok {
		return nil
	}
	return t
}

// nonNegative reads a required number that must not be negative.
func (d *decoder) nonNegative(o *object, key string, ok bool) (float64, bool) {
	v, vok := o.number(key, true)
	if vok && v < 0 {
		n, path := o.get(key)
		d.fail(n, path, "%s is negative", strconv.FormatFloat(v, 'g', -1, 64))
		vok = false
	}
	return v, ok && vok
}

// outputEnable returns the address of the OE register of pin's GPIO group
// and the pin's bit in it, for the pins whose registers sphere-emu models.
func outputEnable(pin int) (addr uint32, bit uint, ok bool) {
	switch {
	case pin >= 0 && pin <= 23:
		return hw.IOGPIOBase + uint32(pin/4)*hw.IOBlockSize + hw.GPIORegOE, uint(pin % 4), true
	case pin >= 41 && pin <= 48:
		return hw.IOADCBase + hw.GPIORegOE, uint(pin - 41), true
	}
	return 0, 0, false
}

func (t thermalPlant) needs(b *hw.Board) error {
	if err := needGPIO(b); err != nil {
		return err
	}
	if b.ADC == nil {
		return fmt.Errorf("the board has no ADC")
	}
	return nil
}

func (t thermalPlant) steps(at int64) []step {
	return []step{{at: at}} // the start; run schedules the rest

}

// heating reports whether the heater runs: its GPIO is an output (whoever
// drives it, a real-time core or the high-level app) at the active level.
// An input or unconfigured pin does not heat.
func (t thermalPlant) heating(b *hw.Board) bool {
	addr, bit, _ := outputEnable(t.heaterPin)
	oe, err := b.IORead32(addr)
	if err != nil || oe>>bit&1 == 0 {
		return false
	}
	level, err := b.GPIO.Get(t.heaterPin)
	if err != nil {
		return false
	}
	return (level == 1) != t.activeLow
}

// evolve returns the temperature dt nanoseconds after it was temp, with the
// heater on or off throughout.
func (t thermalPlant) evolve(temp float64, heating bool, dt int64) float64 {
	if dt <= 0 {
		return temp
	}
	s := float64(dt) / float64(time.Second)
	h := 0.0
	if heating {
		h = t.heatRate
	}
	eq := t.ambient + h/t.coolRate // where the temperature settles
	if t.coolRate == 0 || math.IsInf(eq, 0) {
		return temp + h*s // no losses (or too small to matter)
	}
	return eq + (temp-eq)*math.Exp(-t.coolRate*s)
}

// thermalState is one running thermal plant: the temperature at the last
// tick and whether the heater has been on since.
type thermalState struct {
	plant   thermalPlant
	last    int64
	temp    float64
	heating bool
}

// at returns the temperature at virtual time now (not before the last tick).
func (s *thermalState) at(now int64) float64 {
	return s.plant.evolve(s.temp, s.heating, now-s.last)
}

// run starts the plant at virtual time at: the sensor's channel reads the
// plant from now on, and every tick samples the heater.
func (t thermalPlant) run(at int64, b *hw.Board, schedule func(int64, func())) {
	s := &thermalState{plant: t, last: at, temp: t.start, heating: t.heating(b)}
	b.ADC.SetSource(t.ch, func(now int64) float64 { // the channel was checked at parse time
		return t.voltsOffset + t.voltsPerDegree*s.at(now)
	})
	var tick func(k int64)
	tick = func(k int64) {
		if k > (math.MaxInt64-at)/t.tick {
			return // beyond the end of time
		}
		next := at + k*t.tick // not accumulated: no drift
		schedule(next, func() {
			s.temp, s.last = s.at(next), next
			s.heating = t.heating(b)
			tick(k + 1)
		})
	}
	tick(1)
}

// tankPlant is a tank of liquid whose level sensor reads volts_empty at 0 %
// and volts_full at 100 %, linearly. It starts at start_percent and drains
// at a constant rate, down to 0 %; at refill_at it is filled to
// refill_percent and drains again.
type tankPlant struct {
	ch                    int
	voltsEmpty, voltsFull float64
	start                 float64 // percent
	drain                 float64 // percent per minute
	refillAt              int64
	hasRefill             bool
	refillTo              float64 // percent
}

func (d *decoder) tank(p *object) action {
	t := tankPlant{refillTo: 100}
	ch, ok := p.integer("adc_channel", true, 0, hw.ADCChannels-1)
	t.ch = int(ch)
	var fok bool
	t.voltsFull, fok = p.number("volts_full", true)
	ok = ok && fok
	if p.has("volts_empty") {
		var eok bool
		t.voltsEmpty, eok = p.number("volts_empty", false)
		ok = ok && eok
	}
	if fok && t.voltsFull == t.voltsEmpty {
		n, path := p.get("volts_full")
		d.fail(n, path, "equals volts_empty (%s V): the sensor would not sense the level", strconv.FormatFloat(t.voltsEmpty, 'g', -1, 64))
		ok = false
	}
	t.start, ok = d.percent(p, "start_percent", true, ok)
	t.drain, ok = d.nonNegative(p, "drain_percent_per_minute", ok)
	if p.has("refill_at") {
		var rok bool
		t.refillAt, rok = p.duration("refill_at", false)
		t.hasRefill, ok = rok, ok && rok
	}
	if p.has("refill_percent") {
		if !p.has("refill_at") {
			n, path := p.get("refill_percent")
			d.fail(n, path, "only a tank with refill_at is refilled")
			ok = false
		} else {
			t.refillTo, ok = d.percent(p, "refill_percent", false, ok)
		}
	}
	if !ok {
		return nil
	}
	return t
}

// percent reads a number in 0..100.
func (d *decoder) percent(o *object, key string, required, ok bool) (float64, bool) {
	v, vok := o.number(key, required)
	if vok && (v < 0 || v > 100) {
		n, path := o.get(key)
		d.fail(n, path, "%s %% is out of range: want 0 to 100", strconv.FormatFloat(v, 'g', -1, 64))
		vok = false
	}
	return v, ok && vok
}

func (t tankPlant) needs(b *hw.Board) error {
	if b.ADC == nil {
		return fmt.Errorf("the board has no ADC")
	}
	return nil
}

// level returns the tank's level in percent dt nanoseconds after it was from.
func (t tankPlant) level(from float64, dt int64) float64 {
	if dt <= 0 {
		return from
	}
	return max(0, from-t.drain*float64(dt)/float64(time.Minute))
}

// volts returns the sensor's output at a level in percent.
func (t tankPlant) volts(level float64) float64 {
	return t.voltsEmpty + (t.voltsFull-t.voltsEmpty)*level/100
}

// source is the sensor's output over time, for a tank at level from at virtual time since.
func (t tankPlant) source(from float64, since int64) func(int64) float64 {
	return func(now int64) float64 { return t.volts(t.level(from, now-since)) }
}

func (t tankPlant) steps(at int64) []step {
	st := []step{{at, func(b *hw.Board) { b.ADC.SetSource(t.ch, t.source(t.start, at)) }}}
	if t.hasRefill { // refillAt ≥ at: checked at parse time
		st = append(st, step{t.refillAt, func(b *hw.Board) { b.ADC.SetSource(t.ch, t.source(t.refillTo, t.refillAt)) }})
	}
	return st
}
