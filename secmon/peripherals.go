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

type claim struct {
	owner mailbox.Addr
	cid   string
}

// peripheralMap records which core (and app) owns each peripheral instance.
type peripheralMap struct {
	owners     map[[2]uint16]claim // (type, index) → claim
	gpioBlocks map[uint16]mailbox.Addr
	blockUsers map[uint16]int
}

func newPeripheralMap() *peripheralMap {
	return &peripheralMap{owners: map[[2]uint16]claim{}, gpioBlocks: map[uint16]mailbox.Addr{}, blockUsers: map[uint16]int{}}
}

func (pm *peripheralMap) acquire(p secmonmsg.Peripheral) (uint32, error) {
	if p.Type != secmonmsg.PeripheralGPIO {
		return secmonmsg.ErrNoSuchDevice, fmt.Errorf("peripheral type %s is not emulated yet", p.Type)
	}
	if !hw.GPIOExists(int(p.Index)) {
		return secmonmsg.ErrNoSuchDevice, fmt.Errorf("GPIO %d does not exist", p.Index)
	}
	key := [2]uint16{uint16(p.Type), p.Index}
	if c, ok := pm.owners[key]; ok {
		if c.owner == p.Owner && c.cid == p.ComponentID {
			return 0, nil
		}
		return secmonmsg.ErrPeripheralBusy, fmt.Errorf("GPIO %d is already in use by another application (%s on %s)", p.Index, c.cid, c.owner)
	}
	blk := p.Index / gpioBlockSize
	if o, ok := pm.gpioBlocks[blk]; ok && o != p.Owner {
		return secmonmsg.ErrPeripheralBusy, fmt.Errorf("GPIO %d: its block (GPIO %d–%d) is mapped to %s", p.Index, blk*gpioBlockSize, blk*gpioBlockSize+gpioBlockSize-1, o)
	}
	pm.owners[key] = claim{p.Owner, p.ComponentID}
	pm.gpioBlocks[blk] = p.Owner
	pm.blockUsers[blk]++
	return 0, nil
}

func (pm *peripheralMap) release(p secmonmsg.Peripheral) {
	key := [2]uint16{uint16(p.Type), p.Index}
	c, ok := pm.owners[key]
	if !ok || c.owner != p.Owner {
		return
	}
	delete(pm.owners, key)
	blk := p.Index / gpioBlockSize
	if pm.blockUsers[blk]--; pm.blockUsers[blk] <= 0 {
		delete(pm.blockUsers, blk)
		delete(pm.gpioBlocks, blk)
	}
}
