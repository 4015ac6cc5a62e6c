package rtcore

import (
	"context"
	"errors"
	"fmt"
	"math/bits"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/sys"

	"github.com/sphere-emu/sphere-emu/glitch"
	"github.com/sphere-emu/sphere-emu/guestfault"
	"github.com/sphere-emu/sphere-emu/hw"
	"github.com/sphere-emu/sphere-emu/rtcore/rtcoremsg"
	"github.com/sphere-emu/sphere-emu/sim"
	"github.com/sphere-emu/sphere-emu/trace"
)

// faultExit is the exit code a bus fault ends the guest with.
const faultExit = 0xB05F

// hostModule defines the `mt3620` imports of docs/rt-abi (sdk/rt). The
// functions act for the core in cell, whose app is the one running.
func hostModule(rt wazero.Runtime, cell *hostCell) wazero.HostModuleBuilder {
	b := rt.NewHostModuleBuilder(importModule)
	i32 := api.ValueTypeI32
	def := func(name string, params, results int, f api.GoModuleFunc) {
		ps, rs := make([]api.ValueType, params), make([]api.ValueType, results)
		for i := range ps {
			ps[i] = i32
		}
		for i := range rs {
			rs[i] = i32
		}
		b.NewFunctionBuilder().WithGoModuleFunction(f, ps, rs).Export(name)
	}
	def("mmio_read32", 1, 1, func(ctx context.Context, m api.Module, st []uint64) {
		c := cell.c
		c.enter()
		defer c.leave()
		st[0] = uint64(c.read32(api.DecodeU32(st[0])))
	})
	def("mmio_write32", 2, 0, func(ctx context.Context, m api.Module, st []uint64) {
		c := cell.c
		c.enter()
		defer c.leave()
		c.write32(api.DecodeU32(st[0]), api.DecodeU32(st[1]))
	})
	def("phys_read", 3, 0, func(ctx context.Context, m api.Module, st []uint64) {
		c := cell.c
		c.enter()
		defer c.leave()
		c.physCopy(m, api.DecodeU32(st[0]), api.DecodeU32(st[1]), api.DecodeU32(st[2]), false)
	})
	def("phys_write", 3, 0, func(ctx context.Context, m api.Module, st []uint64) {
		c := cell.c
		c.enter()
		defer c.leave()
		c.physCopy(m, api.DecodeU32(st[0]), api.DecodeU32(st[1]), api.DecodeU32(st[2]), true)
	})
	def("wfi", 0, 0, func(ctx context.Context, m api.Module, st []uint64) {
		c := cell.c
		c.enter()
		defer c.leave()
		c.wfi()
	})
	def("irq_disable", 0, 1, func(ctx context.Context, m api.Module, st []uint64) {
		c := cell.c
		c.enter()
		defer c.leave()
		prev := uint64(0)
		if c.masked {
			prev = 1
		}
		c.masked = true
		st[0] = prev
	})
	def("irq_restore", 1, 0, func(ctx context.Context, m api.Module, st []uint64) {
		c := cell.c
		c.enter()
		defer c.leave()
		c.masked = api.DecodeU32(st[0]) != 0
		c.dispatch()
	})
	return b
}

// enter and leave bracket every host call: they count activity for the
// runaway watchdog, pay the access cost, deliver interrupts, and end the
// app when a stop was requested.
func (c *Core) enter() {
	c.checkStop()
	c.debt += c.takeFuel() // the computation since the last host call
	if f := c.cfg.AppFault; f != nil && c.app != nil {
		if af := f(c.dom, c.app.ComponentID); af.Op != "" {
			c.injectFault(af)
		}
	}
}

// injectFault makes a fault strike the app at this host call (fault
// injection: package fault's app actions with a core).
func (c *Core) injectFault(af guestfault.Fault) {
	fields := []trace.Field{trace.Str("cid", c.app.ComponentID), trace.Str("op", af.Op)}
	switch af.Op {
	case guestfault.Trap:
		c.tr.Emit(c.dom, "app.fault", fields...)
		panic(errors.New("wasm error: unreachable (injected fault)"))
	case guestfault.Hang:
		// The core spins where it is: no host call, no interrupt, no
		// watchdog kick. Only its watchdog (if the app started it) or a
		// stop ends it; virtual time runs on for the rest of the device.
		c.tr.Emit(c.dom, "app.fault", fields...)
		for {
			c.debt += hangSlice
			c.pay() // panics once the watchdog or the Security Monitor stopped the core
		}
	case guestfault.Exhaust:
		pages := guestfault.Grow(c.mod.Memory())
		c.tr.Emit(c.dom, "app.fault", append(fields, trace.Uint("pages_grown", uint64(pages)))...)
	case guestfault.Flip:
		if details, emit := af.StrikeMemory(c.mod.Memory()); emit {
			c.tr.Emit(c.dom, "app.fault", append(fields, details...)...)
		}
	}
}

// hangSlice is how much virtual time a hung core burns between looks at
// whether it was stopped.
const hangSlice = 10 * sim.Millisecond

func (c *Core) leave() {
	c.debt += costAccess
	if c.debt >= payDebtOver {
		c.pay()
	}
	c.dispatch()
}

// pay advances virtual time by what the core owes, letting the rest of
// the device run meanwhile.
func (c *Core) pay() {
	d := c.debt
	c.debt = 0
	if d > 0 {
		c.proc.Sleep(d)
	}
	c.checkStop()
}

// checkStop ends the guest when the core was killed, stopped, or reset.
func (c *Core) checkStop() {
	if c.proc.Killed() {
		panic(errKilled)
	}
	if c.ep.Pending() > 0 { // cheaper than TryRecv on every import
		if m, ok := c.ep.TryRecv(); ok && m.Kind == rtcoremsg.KindStop {
			c.requestStop("stop", "stopped by the Security Monitor")
		}
	}
	if c.stopReason != "" {
		panic(sys.NewExitError(1))
	}
}

var errKilled = fmt.Errorf("rtcore: powered off")

// fault reports a bus fault and ends the app: the firewall refused an access.
func (c *Core) fault(addr uint32, access, why string) {
	c.tr.Emit(c.dom, "rt.fault", trace.Str("cid", c.app.ComponentID), trace.Str("addr", fmt.Sprintf("%#08x", addr)),
		trace.Str("access", access), trace.Str("reason", why))
	c.requestStop("fault", fmt.Sprintf("bus fault: %s of %#08x: %s", access, addr, why))
	panic(sys.NewExitError(faultExit))
}

// Maps reports whether the firewall of the app now running maps the word at
// addr for reading: the device routes a peripheral's interrupt lines only to
// the core that owns the peripheral.
func (c *Core) Maps(addr uint32) bool {
	_, ok := c.allowed(addr, 4, rtcoremsg.AccessRead)
	return ok
}

// allowed checks [addr, addr+n) against the firewall regions.
func (c *Core) allowed(addr, n uint32, access uint8) (string, bool) {
	for _, r := range c.regions {
		if addr >= r.Base && uint64(addr-r.Base)+uint64(n) <= uint64(r.Size) {
			return r.Name, r.Access&access == access
		}
	}
	return "", false
}

func (c *Core) check(addr, n uint32, access uint8, verb string) {
	region, ok := c.allowed(addr, n, access)
	if g := c.cfg.Glitch; g != nil {
		if e := g.At(glitch.RTFirewall, fmt.Sprintf("%s %#08x", verb, addr)); e != glitch.None {
			found := region != "" && ok
			acted := e.Passes(found)
			c.tr.Emit(c.dom, "glitch.apply", trace.Str("point", string(glitch.RTFirewall)), trace.Str("effect", e.String()),
				trace.Str("detail", fmt.Sprintf("%s %#08x", verb, addr)), trace.Bool("found_ok", found), trace.Bool("acted_ok", acted))
			if acted {
				return
			}
			if found {
				c.fault(addr, verb, "the firewall check failed (glitched)")
			}
		}
	}
	switch {
	case region == "":
		c.fault(addr, verb, "no region of this core's firewall maps it")
	case !ok:
		c.fault(addr, verb, "region "+region+" does not allow it")
	}
}

// block decodes an address of the core's own register space.
func (c *Core) block(addr uint32) (Block, uint32) {
	switch base := addr &^ (blockSize - 1); base {
	case WDTBase:
		return c.cfg.WDT, addr - base
	case GPTBase:
		return c.cfg.GPT, addr - base
	case UARTBase:
		return c.cfg.UART, addr - base
	case MailboxBase:
		return c.cfg.Mailbox, addr - base
	}
	return nil, 0
}

func (c *Core) read32(addr uint32) uint32 {
	if addr&3 != 0 {
		c.fault(addr, "read", "unaligned 32-bit access")
	}
	c.check(addr, 4, rtcoremsg.AccessRead, "read")
	var v uint32
	var err error
	switch {
	case addr >= NVICISER && addr < NVICEnd:
		v = c.nvicRead(addr)
	case addr >= IOBase && addr < IOEnd:
		v, err = c.cfg.IO.IORead32(addr)
	default:
		blk, off := c.block(addr)
		if blk == nil {
			c.fault(addr, "read", "no device answers at this address")
		}
		v, err = blk.Read32(off)
	}
	if err != nil {
		c.fault(addr, "read", err.Error())
	}
	if f := c.cfg.RegisterFault; f != nil {
		if got := f(c.dom, addr, v); got != v {
			c.tr.Emit(c.dom, "reg.fault", trace.Str("addr", fmt.Sprintf("%#08x", addr)),
				trace.Str("held", fmt.Sprintf("%#08x", v)), trace.Str("read", fmt.Sprintf("%#08x", got)))
			v = got
		}
	}
	return v
}

func (c *Core) write32(addr, v uint32) {
	if addr&3 != 0 {
		c.fault(addr, "write", "unaligned 32-bit access")
	}
	c.check(addr, 4, rtcoremsg.AccessWrite, "write")
	// A write can be seen outside the core (a doorbell, a pin, a UART): pay
	// the time owed first so that nobody sees it early.
	if c.debt > 0 {
		c.pay()
	}
	var err error
	switch {
	case addr >= NVICISER && addr < NVICEnd:
		c.nvicWrite(addr, v)
	case addr >= IOBase && addr < IOEnd:
		err = c.cfg.IO.IOWrite32(addr, v)
	default:
		blk, off := c.block(addr)
		if blk == nil {
			c.fault(addr, "write", "no device answers at this address")
		}
		err = blk.Write32(off, v)
	}
	if err != nil {
		c.fault(addr, "write", err.Error())
	}
}

// physCopy copies between physical memory and the guest's linear memory.
func (c *Core) physCopy(m api.Module, addr, ptr, n uint32, write bool) {
	verb, access := "read", uint8(rtcoremsg.AccessRead)
	if write {
		verb, access = "write", rtcoremsg.AccessWrite
	}
	if n == 0 {
		return
	}
	c.check(addr, n, access, verb)
	buf, ok := m.Memory().Read(ptr, n)
	if !ok {
		c.fault(addr, verb, fmt.Sprintf("the buffer [%#x, +%d) is outside the app's memory", ptr, n))
	}
	c.debt += int64(n/4+1) * costAccess
	if write {
		c.pay() // visible to the other side of the shared buffers
	}
	switch {
	case addr >= TCMBase && uint64(addr)+uint64(n) <= TCMBase+TCMSize:
		tcm, ok := m.Memory().Read(addr-TCMBase, n)
		if !ok {
			c.fault(addr, verb, "beyond the TCM the app's memory covers")
		}
		if write {
			copy(tcm, buf)
		} else {
			copy(buf, tcm)
		}
	case addr >= SYSRAMBase && uint64(addr)+uint64(n) <= SYSRAMBase+SYSRAMSize:
		if write {
			_ = c.sysram.Write(addr, buf) // in range: checked above
		} else {
			_ = c.sysram.Read(addr, buf)
		}
	case c.cfg.Shared != nil && c.cfg.Shared.Contains(addr, n):
		var err error
		if write {
			err = c.cfg.Shared.Write(addr, buf)
		} else {
			err = c.cfg.Shared.Read(addr, buf)
		}
		if err != nil {
			c.fault(addr, verb, err.Error())
		}
	default:
		c.fault(addr, verb, "not memory")
	}
}

// NVIC: enable set/clear registers; priorities are stored and ignored.
func (c *Core) nvicRead(addr uint32) uint32 {
	switch {
	case addr >= NVICISER && addr < NVICISER+16:
		return c.nvic[(addr-NVICISER)/4]
	case addr >= NVICICER && addr < NVICICER+16:
		return c.nvic[(addr-NVICICER)/4]
	}
	return 0
}

func (c *Core) nvicWrite(addr, v uint32) {
	switch {
	case addr >= NVICISER && addr < NVICISER+16:
		c.nvic[(addr-NVICISER)/4] |= v
	case addr >= NVICICER && addr < NVICICER+16:
		c.nvic[(addr-NVICICER)/4] &^= v
	}
}

// pending returns the lowest enabled interrupt whose line is high, or −1.
func (c *Core) pending() int {
	for w, enabled := range c.nvic {
		for ; enabled != 0; enabled &= enabled - 1 {
			n := w*32 + bits.TrailingZeros32(enabled)
			if line := c.lines[n]; line != nil && line() {
				return n
			}
		}
	}
	return -1
}

// dispatch calls the app's rt_irq for each pending interrupt, one at a time
// (no nesting), unless interrupts are masked.
func (c *Core) dispatch() {
	if c.inIRQ || c.masked || c.irqFn == nil {
		return
	}
	for i := 0; i < maxIRQBurst; i++ {
		n := c.pending()
		if n < 0 {
			return
		}
		c.inIRQ = true
		_, err := c.irqFn.Call(c.ctx, uint64(n))
		c.inIRQ = false
		if err != nil {
			panic(err)
		}
	}
	c.tr.Emit(c.dom, "rt.irq-storm", trace.Str("cid", c.app.ComponentID), trace.Int("irq", int64(c.pending())))
}

// wfi sleeps until an enabled interrupt is pending (even if masked, as on
// the M4), then delivers it unless masked.
func (c *Core) wfi() {
	if c.debt > 0 {
		c.pay()
	}
	for c.pending() < 0 {
		c.proc.Park()
		c.checkStop()
	}
	c.dispatch()
}

// PokeTCM changes the byte of the core's TCM (the running app's memory) at
// physical address addr to f(the byte), for fault injection (a bit flip in
// RAM). It reports false, and changes nothing, when addr is not in the TCM,
// the byte lies beyond the app's memory, or no app runs.
func (c *Core) PokeTCM(addr uint32, f func(byte) byte) (before, after byte, ok bool) {
	if addr < TCMBase || uint64(addr) >= TCMBase+TCMSize || c.mod == nil {
		return 0, 0, false
	}
	mem := c.mod.Memory()
	before, ok = mem.ReadByte(addr - TCMBase)
	if !ok {
		return 0, 0, false
	}
	after = f(before)
	mem.WriteByte(addr-TCMBase, after)
	return before, after, true
}

// SYSRAM is the core's own SYSRAM (fault injection: stuck cells).
func (c *Core) SYSRAM() *hw.RAM { return c.sysram }
