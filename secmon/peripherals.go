package secmon

import (
	"fmt"

	"github.com/sphere-emu/sphere-emu/hw"
	"github.com/sphere-emu/sphere-emu/mailbox"
	"github.com/sphere-emu/sphere-emu/secmon/secmonmsg"
)

// gpioBlockSize is the core-mapping granularity of GPIOs: blocks of four
// starting at GPIO 0 (reference §1.5).
const gpioBlockSize = 4

// isuPins are the GPIO pins behind ISU0–ISU4 (reference §1.4).
var isuPins = [hw.ISUCount][2]int{{26, 30}, {31, 35}, {36, 40}, {66, 70}, {71, 75}}

// adcPins are ADC-CONTROLLER-0's channels 0–7.
var adcPins = [2]int{41, 48}

type claim struct {
	owner mailbox.Addr
	cid   string
	what  string // e.g. "ISU2 (i2c)"
}

// peripheralMap records which core (and app) owns each pin, and which core
// each GPIO block is mapped to. A peripheral claims all of its pins, so two
// functions sharing a pin cannot both be claimed.
type peripheralMap struct {
	pins       map[int]claim
	gpioBlocks map[int]mailbox.Addr
	blockUsers map[int]int
}

func newPeripheralMap() *peripheralMap {
	return &peripheralMap{pins: map[int]claim{}, gpioBlocks: map[int]mailbox.Addr{}, blockUsers: map[int]int{}}
}

// pinsOf returns the pins a peripheral instance uses and a name for errors.
func pinsOf(p secmonmsg.Peripheral) ([]int, string, error) {
	span := func(r [2]int) []int {
		var out []int
		for i := r[0]; i <= r[1]; i++ {
			out = append(out, i)
		}
		return out
	}
	i := int(p.Index)
	switch p.Type {
	case secmonmsg.PeripheralGPIO:
		if !hw.GPIOExists(i) {
			return nil, "", fmt.Errorf("GPIO %d does not exist", i)
		}
		return []int{i}, fmt.Sprintf("GPIO %d", i), nil
	case secmonmsg.PeripheralUART, secmonmsg.PeripheralI2C, secmonmsg.PeripheralSPIMaster:
		if i >= hw.ISUCount {
			return nil, "", fmt.Errorf("ISU%d does not exist", i)
		}
		return span(isuPins[i]), fmt.Sprintf("ISU%d (%s)", i, p.Type), nil
	case secmonmsg.PeripheralPWM:
		if i >= hw.PWMControllers {
			return nil, "", fmt.Errorf("PWM-CONTROLLER-%d does not exist", i)
		}
		return span([2]int{4 * i, 4*i + 3}), fmt.Sprintf("PWM-CONTROLLER-%d", i), nil
	case secmonmsg.PeripheralADC:
		if i != 0 {
			return nil, "", fmt.Errorf("ADC-CONTROLLER-%d does not exist", i)
		}
		return span(adcPins), "ADC-CONTROLLER-0", nil
	}
	return nil, "", fmt.Errorf("peripheral type %s is not emulated", p.Type)
}

// acquire claims every pin of a peripheral for its owner, or nothing.
// decide is the compartment check's decision point (fault injection): it
// gets what the check found and returns what the chip acts on.
func (pm *peripheralMap) acquire(p secmonmsg.Peripheral, decide func(what string, ok bool) bool) (uint32, error) {
	pins, what, err := pinsOf(p)
	if err != nil {
		return secmonmsg.ErrNoSuchDevice, err
	}
	var busy error
	for _, pin := range pins {
		if c, ok := pm.pins[pin]; ok && !(c.owner == p.Owner && c.cid == p.ComponentID && c.what == what) {
			busy = fmt.Errorf("%s uses GPIO %d, which is already in use by another application (%s of %s on %s)", what, pin, c.what, c.cid, c.owner)
			break
		}
		blk := pin / gpioBlockSize
		if o, ok := pm.gpioBlocks[blk]; ok && o != p.Owner {
			busy = fmt.Errorf("%s uses GPIO %d, whose block (GPIO %d–%d) is mapped to %s", what, pin, blk*gpioBlockSize, blk*gpioBlockSize+gpioBlockSize-1, o)
			break
		}
	}
	if !decide(what, busy == nil) {
		if busy == nil {
			busy = fmt.Errorf("%s: the compartment check failed (glitched)", what)
		}
		return secmonmsg.ErrPeripheralBusy, busy
	}
	for _, pin := range pins {
		if c, again := pm.pins[pin]; again && c.owner == p.Owner && c.cid == p.ComponentID && c.what == what {
			continue
		}
		pm.pins[pin] = claim{p.Owner, p.ComponentID, what}
		blk := pin / gpioBlockSize
		pm.gpioBlocks[blk] = p.Owner
		pm.blockUsers[blk]++
	}
	return 0, nil
}

// release frees the pins of a peripheral its owner holds.
func (pm *peripheralMap) release(p secmonmsg.Peripheral) {
	pins, what, err := pinsOf(p)
	if err != nil {
		return
	}
	for _, pin := range pins {
		c, ok := pm.pins[pin]
		if !ok || c.owner != p.Owner || c.cid != p.ComponentID || c.what != what {
			continue
		}
		delete(pm.pins, pin)
		blk := pin / gpioBlockSize
		if pm.blockUsers[blk]--; pm.blockUsers[blk] <= 0 {
			delete(pm.blockUsers, blk)
			delete(pm.gpioBlocks, blk)
		}
	}
}

// owns reports whether every pin of a peripheral is claimed by its owner and app.
func (pm *peripheralMap) owns(p secmonmsg.Peripheral) bool {
	pins, what, err := pinsOf(p)
	if err != nil {
		return false
	}
	for _, pin := range pins {
		c, ok := pm.pins[pin]
		if !ok || c.owner != p.Owner || c.cid != p.ComponentID || c.what != what {
			return false
		}
	}
	return true
}
