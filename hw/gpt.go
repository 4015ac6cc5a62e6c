package hw

import (
	"fmt"
	"math"
	"math/bits"

	"github.com/sphere-emu/sphere-emu/trace"
)

// Register offsets of an M4 core's general purpose timers (base 0x21030000;
// reference §1.3, MediaTek's hdl_gpt.c, Codethink's mt3620/gpt.h).
const (
	GPTRegISR      = 0x00 // bit n: GPTn expired (n = 0, 1); write 1 to clear
	GPTRegIER      = 0x04 // bit n: GPTn's expiry raises the GPT interrupt
	GPTRegGPT0Ctrl = 0x10
	GPTRegGPT0ICnt = 0x14
	GPTRegGPT1Ctrl = 0x20
	GPTRegGPT1ICnt = 0x24
	GPTRegGPT2Ctrl = 0x30
	GPTRegGPT2Cnt  = 0x34
	GPTRegGPT0Cnt  = 0x40
	GPTRegGPT1Cnt  = 0x44
	GPTRegGPT3Ctrl = 0x50
	GPTRegGPT3Init = 0x54
	GPTRegGPT3Cnt  = 0x58
	GPTRegGPT3Exp  = 0x5C
)

// GPT control bits and clocks.
const (
	// GPT0_CTRL / GPT1_CTRL.
	GPTCtrlEnable  = 1 << 0 // count; cleared by the hardware model when a one-shot timer expires
	GPTCtrlRepeat  = 1 << 1 // auto-repeat: reload ICNT on expiry
	GPTCtrlFast    = 1 << 2 // clock: 0 = 1 kHz, 1 = 32.768 kHz
	GPTCtrlRestart = 1 << 3 // restart counting from ICNT (self-clearing)

	// GPT2_CTRL.
	GPT2CtrlEnable = 1 << 0
	GPT2CtrlFast   = 1 << 1 // clock: 0 = 1 kHz, 1 = 32.768 kHz

	// GPT3_CTRL.
	GPT3CtrlEnable   = 1 << 0
	GPT3CtrlIClr     = 1 << 15
	GPT3CtrlOscShift = 16
	GPT3CtrlOscMask  = 0x3F << GPT3CtrlOscShift // OSC_CNT_1US: crystal cycles per count, minus 1
	GPT3CtrlDefault  = 25 << GPT3CtrlOscShift   // 26 MHz / (25+1) = 1 MHz

	GPTSlowHz = 1000     // the "1K" clock of GPT0–2 (the real one is about 0.99 kHz)
	GPTFastHz = 32768    // the 32K clock of GPT0–2
	GPTXtalHz = 26000000 // the crystal GPT3 divides
)

// gptTimer is GPT0 or GPT1: a down-counter that expires after ICNT ticks.
type gptTimer struct {
	ctrl, icnt uint32
	running    bool
	start      int64  // virtual time the current run (or last reload) began
	ticks      uint64 // interval of the current run, in ticks
	hz         uint64
	k          uint64 // expiries since start
	gen        uint64 // invalidates scheduled expiries
	held       uint32 // CNT while stopped
}

// gptCounter is GPT2 or GPT3: a free-running up-counter.
type gptCounter struct {
	ctrl    uint32
	running bool
	start   int64  // virtual time counting (re)started from base
	base    uint32 // count at start
	held    uint32 // count while stopped
}

// GPT is the general purpose timer block of one real-time core.
//
//   - GPT0 and GPT1 count down ICNT ticks of a 1 kHz (CTRL bit 2 = 0) or
//     32.768 kHz (bit 2 = 1) clock from the moment they are enabled (or
//     restarted with bit 3), then set their bit in GPT_ISR; with bit 1
//     (auto-repeat) they reload and go on, otherwise they stop and clear
//     their enable bit. An ICNT of 0 counts as 1. The k-th expiry of a run
//     falls exactly at start + ceil(k·ICNT·10⁹/f) ns: periodic timers do
//     not drift. ICNT written while running takes effect at the next start
//     or reload; changing the clock bit while running restarts the count;
//     clearing bit 1 while running makes the next expiry the last.
//     GPTn_CNT (0x40, 0x44) reads the ticks left.
//   - GPT2 counts up at 1 kHz or 32.768 kHz (CTRL bit 1) while enabled,
//     from 0 at each enable.
//   - GPT3 counts up at 26 MHz / (OSC_CNT_1US+1) — 1 MHz with the reset
//     value 25 — from GPT3_INIT at each enable, wrapping at 32 bits.
//
// The GPT interrupt line (NVIC IRQ 1) is high while GPT_ISR & GPT_IER is
// non-zero. Expiries are scheduled in virtual time; nothing polls. GPT3's
// compare interrupt (GPT3_EXPIRE, IRQ 2) and GPT4 are not modelled.
type GPT struct {
	core     int
	tr       *trace.Tracer
	now      func() int64
	schedule func(at int64, f func())

	isr, ier uint32
	t        [2]gptTimer
	gpt2     gptCounter
	gpt3     gptCounter
	init3    uint32
	expire3  uint32

	line  bool
	hooks []func()
}

// NewGPT returns core's timer block in its reset state: every timer
// stopped, GPT3_CTRL = 0x00190000. now reads virtual time (nil reads 0);
// schedule runs a function at a virtual time (sim.Sim's Schedule) and must
// be set for GPT0 and GPT1 to expire.
func NewGPT(core int, tr *trace.Tracer, now func() int64, schedule func(at int64, f func())) *GPT {
	if now == nil {
		now = func() int64 { return 0 }
	}
	g := &GPT{core: core, tr: tr, now: now, schedule: schedule}
	g.Reset()
	return g
}

// Reset stops every timer and returns the registers to their reset values
// (hooks stay registered). Expiries already scheduled are ignored.
func (g *GPT) Reset() {
	for i := range g.t {
		gen := g.t[i].gen + 1
		g.t[i] = gptTimer{gen: gen}
	}
	g.isr, g.ier = 0, 0
	g.gpt2 = gptCounter{}
	g.gpt3 = gptCounter{ctrl: GPT3CtrlDefault}
	g.init3, g.expire3 = 0, 0
	g.line = false
}

// OnIRQ adds f to the functions called, synchronously and in the order
// added, when the GPT interrupt line may have risen: at every expiry that
// leaves it high, and when a GPT_IER write takes it from low to high.
func (g *GPT) OnIRQ(f func()) {
	if f != nil {
		g.hooks = append(g.hooks, f)
	}
}

// IRQ reports the level of the GPT interrupt line (NVIC IRQ 1).
func (g *GPT) IRQ() bool { return g.isr&g.ier != 0 }

func (g *GPT) update(event bool) {
	was := g.line
	g.line = g.IRQ()
	if g.line && (event || !was) {
		for _, f := range g.hooks {
			f()
		}
	}
}

// mulDiv returns floor(a·b/c), saturating at MaxUint64.
func mulDiv(a, b, c uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	if hi >= c {
		return math.MaxUint64
	}
	q, _ := bits.Div64(hi, lo, c)
	return q
}

// mulDivCeil returns ceil(a·b/c), saturating at MaxUint64.
func mulDivCeil(a, b, c uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	if hi >= c {
		return math.MaxUint64
	}
	q, r := bits.Div64(hi, lo, c)
	if r != 0 && q < math.MaxUint64 {
		q++
	}
	return q
}

func (g *GPT) elapsed(start int64) uint64 {
	if d := g.now() - start; d > 0 {
		return uint64(d)
	}
	return 0
}

func timerHz(ctrl, fastBit uint32) uint64 {
	if ctrl&fastBit != 0 {
		return GPTFastHz
	}
	return GPTSlowHz
}

// expiryAt is the virtual time of expiry k of timer t's current run.
func (t *gptTimer) expiryAt(k uint64) int64 {
	d := mulDivCeil(k*t.ticks, 1e9, t.hz)
	if d > uint64(math.MaxInt64-t.start) {
		return math.MaxInt64
	}
	return t.start + int64(d)
}

func (g *GPT) startTimer(n int) {
	t := &g.t[n]
	t.gen++
	t.running = true
	t.start = g.now()
	t.ticks = uint64(max(t.icnt, 1))
	t.hz = timerHz(t.ctrl, GPTCtrlFast)
	t.k = 0
	g.arm(n)
}

func (g *GPT) arm(n int) {
	t := &g.t[n]
	at := t.expiryAt(t.k + 1)
	if g.schedule == nil || at == math.MaxInt64 {
		return
	}
	gen := t.gen
	g.schedule(at, func() { g.expire(n, gen, at) })
}

func (g *GPT) stopTimer(n int) {
	t := &g.t[n]
	t.held = g.count(n)
	t.running = false
	t.gen++
}

// count is GPTn_CNT: the ticks left until the next expiry.
func (g *GPT) count(n int) uint32 {
	t := &g.t[n]
	if !t.running {
		return t.held
	}
	done := mulDiv(g.elapsed(t.start), t.hz, 1e9)
	left := int64(t.ticks) - int64(done-min(done, t.k*t.ticks))
	return uint32(max(left, 0))
}

func (g *GPT) expire(n int, gen uint64, at int64) {
	t := &g.t[n]
	if t.gen != gen || !t.running {
		return
	}
	t.k++
	g.isr |= 1 << n
	if t.ctrl&GPTCtrlRepeat != 0 {
		if newTicks := uint64(max(t.icnt, 1)); newTicks != t.ticks {
			t.start, t.ticks, t.k = at, newTicks, 0
		}
		g.arm(n)
	} else {
		t.running = false
		t.held = 0
		t.ctrl &^= GPTCtrlEnable
		t.gen++
	}
	g.update(true)
}

// counterValue is GPT2_CNT or GPT3_CNT.
func (g *GPT) counterValue(c *gptCounter, hzNum, hzDen uint64) uint32 {
	if !c.running {
		return c.held
	}
	return c.base + uint32(mulDiv(g.elapsed(c.start), hzNum, hzDen*1e9))
}

func (g *GPT) gpt2Rate() (uint64, uint64) { return timerHz(g.gpt2.ctrl, GPT2CtrlFast), 1 }

func (g *GPT) gpt3Rate() (uint64, uint64) {
	return GPTXtalHz, uint64(g.gpt3.ctrl&GPT3CtrlOscMask>>GPT3CtrlOscShift) + 1
}

// setCounterCtrl writes the control register of GPT2 or GPT3: enabling
// starts from base0; disabling holds the count; a rate change while running
// keeps the count and goes on at the new rate.
func (g *GPT) setCounterCtrl(c *gptCounter, v, enable uint32, base0 uint32, rate func() (uint64, uint64)) {
	wasOn := c.ctrl&enable != 0
	num, den := rate()
	cur := g.counterValue(c, num, den)
	c.ctrl = v
	switch on := v&enable != 0; {
	case on && !wasOn:
		c.running, c.start, c.base = true, g.now(), base0
	case !on && wasOn:
		c.running, c.held = false, cur
	case on:
		if n2, d2 := rate(); n2 != num || d2 != den {
			c.start, c.base = g.now(), cur
		}
	}
}

func (g *GPT) writeTimerCtrl(n int, v uint32) {
	t := &g.t[n]
	old := t.ctrl
	t.ctrl = v & (GPTCtrlEnable | GPTCtrlRepeat | GPTCtrlFast)
	switch {
	case t.ctrl&GPTCtrlEnable == 0:
		if t.running {
			g.stopTimer(n)
		}
	case old&GPTCtrlEnable == 0, !t.running, v&GPTCtrlRestart != 0, (old^t.ctrl)&GPTCtrlFast != 0:
		g.startTimer(n)
	}
}

func (g *GPT) badOffset(verb string, off uint32) error {
	return fmt.Errorf("gpt IO%d: %s of offset %#x: no such register: %w", g.core, verb, off, ErrInvalid)
}

// Read32 reads the register at off (relative to 0x21030000). Unknown or
// unaligned offsets wrap ErrInvalid.
func (g *GPT) Read32(off uint32) (uint32, error) {
	switch off {
	case GPTRegISR:
		return g.isr, nil
	case GPTRegIER:
		return g.ier, nil
	case GPTRegGPT0Ctrl:
		return g.t[0].ctrl, nil
	case GPTRegGPT0ICnt:
		return g.t[0].icnt, nil
	case GPTRegGPT1Ctrl:
		return g.t[1].ctrl, nil
	case GPTRegGPT1ICnt:
		return g.t[1].icnt, nil
	case GPTRegGPT0Cnt:
		return g.count(0), nil
	case GPTRegGPT1Cnt:
		return g.count(1), nil
	case GPTRegGPT2Ctrl:
		return g.gpt2.ctrl, nil
	case GPTRegGPT2Cnt:
		num, den := g.gpt2Rate()
		return g.counterValue(&g.gpt2, num, den), nil
	case GPTRegGPT3Ctrl:
		return g.gpt3.ctrl, nil
	case GPTRegGPT3Init:
		return g.init3, nil
	case GPTRegGPT3Cnt:
		num, den := g.gpt3Rate()
		return g.counterValue(&g.gpt3, num, den), nil
	case GPTRegGPT3Exp:
		return g.expire3, nil
	}
	return 0, g.badOffset("read", off)
}

// Write32 writes v to the register at off. Writes to the counters are
// ignored. Unknown or unaligned offsets wrap ErrInvalid.
func (g *GPT) Write32(off, v uint32) error {
	switch off {
	case GPTRegISR:
		g.isr &^= v
	case GPTRegIER:
		g.ier = v & 3
	case GPTRegGPT0Ctrl:
		g.writeTimerCtrl(0, v)
	case GPTRegGPT0ICnt:
		g.t[0].icnt = v
	case GPTRegGPT1Ctrl:
		g.writeTimerCtrl(1, v)
	case GPTRegGPT1ICnt:
		g.t[1].icnt = v
	case GPTRegGPT0Cnt, GPTRegGPT1Cnt, GPTRegGPT2Cnt, GPTRegGPT3Cnt:
	case GPTRegGPT2Ctrl:
		g.setCounterCtrl(&g.gpt2, v&(GPT2CtrlEnable|GPT2CtrlFast), GPT2CtrlEnable, 0, g.gpt2Rate)
	case GPTRegGPT3Ctrl:
		g.setCounterCtrl(&g.gpt3, v&(GPT3CtrlEnable|GPT3CtrlIClr|GPT3CtrlOscMask), GPT3CtrlEnable, g.init3, g.gpt3Rate)
	case GPTRegGPT3Init:
		g.init3 = v
	case GPTRegGPT3Exp:
		g.expire3 = v
	default:
		return g.badOffset("write", off)
	}
	g.update(false)
	return nil
}
