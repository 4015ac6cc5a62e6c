package hw

import (
	"fmt"

	"github.com/sphere-emu/sphere-emu/trace"
)

// rdbLEDs names the LEDs of the MT3620 reference development board by GPIO
// (reference §1.6); all are active-low.
var rdbLEDs = map[int]string{
	8: "LED1 red", 9: "LED1 green", 10: "LED1 blue",
	15: "LED2 red", 16: "LED2 green", 17: "LED2 blue",
	18: "LED3 red", 19: "LED3 green", 20: "LED3 blue",
	21: "LED4 red", 22: "LED4 green", 23: "LED4 blue",
	45: "status LED red", 46: "status LED green", 47: "status LED blue",
	48: "networking LED red", 14: "networking LED green", 11: "networking LED blue",
}

// RDBLED returns the name of the RDB LED on GPIO n, if there is one.
func RDBLED(n int) (string, bool) {
	l, ok := rdbLEDs[n]
	return l, ok
}

// GPIOCount is one past the highest GPIO number on the MT3620 (GPIO 0–80).
const GPIOCount = 81

// gpioExists lists the GPIOs a hardware definition exposes: 0–23, 26–48,
// 56–75 and 80 (reference §1.4).
func gpioExists(n int) bool {
	switch {
	case n >= 0 && n <= 23, n >= 26 && n <= 48, n >= 56 && n <= 75, n == 80:
		return true
	}
	return false
}

// GPIOExists reports whether GPIO n exists on the MT3620.
func GPIOExists(n int) bool { return gpioExists(n) }

// Direction of a pin.
type Direction uint8

// Pin directions.
const (
	Unconfigured Direction = iota
	Input
	Output
)

// GPIO is the bank of GPIO pins with their levels. Inputs read an external
// level that tests (and button models) set with Drive; unconnected inputs
// read high (pulled up, like the RDB's buttons).
type GPIO struct {
	tr       *trace.Tracer
	dir      [GPIOCount]Direction
	out      [GPIOCount]uint8
	external [GPIOCount]uint8
	notify   func() // the board's input line, called after every Drive
}

// NewGPIO returns a bank with every pin unconfigured and inputs pulled high.
func NewGPIO(tr *trace.Tracer) *GPIO {
	g := &GPIO{tr: tr}
	for i := range g.external {
		g.external[i] = 1
	}
	return g
}

func (g *GPIO) check(n int) error {
	if !gpioExists(n) {
		return fmt.Errorf("gpio: GPIO %d does not exist", n)
	}
	return nil
}

// ConfigureOutput makes pin n an output driving value.
func (g *GPIO) ConfigureOutput(n int, value uint8) error {
	if err := g.check(n); err != nil {
		return err
	}
	g.dir[n] = Output
	return g.Set(n, value)
}

// ConfigureInput makes pin n an input.
func (g *GPIO) ConfigureInput(n int) error {
	if err := g.check(n); err != nil {
		return err
	}
	g.dir[n] = Input
	return nil
}

// Set drives output pin n to value (0 or 1) and emits gpio.set.
func (g *GPIO) Set(n int, value uint8) error {
	if err := g.check(n); err != nil {
		return err
	}
	if g.dir[n] != Output {
		return fmt.Errorf("gpio: GPIO %d is not an output", n)
	}
	g.out[n] = value & 1
	if label, ok := rdbLEDs[n]; ok {
		// RDB LEDs are active-low: driving the pin low lights them.
		g.tr.Emit(trace.HW, "gpio.set", trace.Int("gpio", int64(n)), trace.Int("value", int64(value&1)),
			trace.Str("led", label), trace.Bool("lit", value&1 == 0))
		return nil
	}
	g.tr.Emit(trace.HW, "gpio.set", trace.Int("gpio", int64(n)), trace.Int("value", int64(value&1)))
	return nil
}

// Direction returns how pin n is configured (Unconfigured for a pin that
// does not exist).
func (g *GPIO) Direction(n int) Direction {
	if !gpioExists(n) {
		return Unconfigured
	}
	return g.dir[n]
}

// Get returns the level of pin n: the driven value for outputs, the external
// level otherwise.
func (g *GPIO) Get(n int) (uint8, error) {
	if err := g.check(n); err != nil {
		return 0, err
	}
	if g.dir[n] == Output {
		return g.out[n], nil
	}
	return g.external[n], nil
}

// Drive sets the external level seen by input pin n (a button press, a wire)
// and then raises the board's input line, if the bank belongs to a Board.
func (g *GPIO) Drive(n int, level uint8) error {
	if err := g.check(n); err != nil {
		return err
	}
	g.external[n] = level & 1
	g.tr.Emit(trace.HW, "gpio.drive", trace.Int("gpio", int64(n)), trace.Int("level", int64(level&1)))
	if g.notify != nil {
		g.notify()
	}
	return nil
}
