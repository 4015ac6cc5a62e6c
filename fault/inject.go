package fault

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/sphere-emu/sphere-emu/glitch"
	"github.com/sphere-emu/sphere-emu/guestfault"
	"github.com/sphere-emu/sphere-emu/hw"
	"github.com/sphere-emu/sphere-emu/image"
	"github.com/sphere-emu/sphere-emu/mailbox"
	"github.com/sphere-emu/sphere-emu/sim"
	"github.com/sphere-emu/sphere-emu/trace"
)

// Dom is the domain of fault.inject events.
const Dom = "fault"

// FlashOpEvent is the pseudo-event an EventFilter names to count flash
// program and erase operations (they are not trace events).
const FlashOpEvent = "flash.op"

// Target is what faults act on: *device.Device implements it.
type Target interface {
	Sim() *sim.Sim
	Tracer() *trace.Tracer
	Bus() *mailbox.Bus
	Flash() *hw.Flash
	Board() *hw.Board
	// CutPower stops every domain now (it is called from a scheduler
	// event, never from a domain) and emits power.cut with fields; when
	// offFor >= 0 the chip comes out of reset offFor later.
	CutPower(offFor int64, fields ...trace.Field)
	// AddGlitch adds an injector the device's security decisions consult.
	AddGlitch(g glitch.Injector)
	// AddAppFault adds a function the app cores ask at each host call of a guest.
	AddAppFault(f guestfault.Source)
	// AddRegisterFault adds a function the real-time cores ask at each register read.
	AddRegisterFault(f guestfault.RegisterSource)
	// InterceptService puts a man in the middle on the link to the service.
	InterceptService(on bool)
	// JumpClock moves the device's wall clock.
	JumpClock(by time.Duration)
	// ReplayService makes the network replay the service's last answers.
	ReplayService(on bool)
	// PokeRAM changes a byte of modelled RAM at a physical address
	// (device.Device.PokeRAM); ok is false when addr is not RAM.
	PokeRAM(core int, addr uint32, f func(byte) byte) (where string, before, after byte, ok bool)
	// StickRAM makes a bit of modelled RAM a stuck cell (device.Device.StickRAM).
	StickRAM(core int, addr uint32, bit uint8, value bool) (where string, err error)
	// RTLink returns a real-time core's end of its intercore channel: the
	// shared memory holding the rings and its mailbox (nil, nil if none).
	RTLink(core int) (*hw.RAM, *hw.MailboxChannel)
}

// Apply validates p and arms its faults on t: timed triggers are
// scheduled, event triggers watch the trace (and the flash part, for
// flash.op), and one flash hook and one mailbox tap, composed with any
// already installed, carry the flash and message actions. Call it before
// the device runs; device.Config.Faults does so at power-on, before any
// domain starts.
func Apply(p *Plan, t Target) error {
	if err := p.Validate(); err != nil {
		return err
	}
	if p == nil || len(p.Faults) == 0 {
		return nil
	}
	in := &injector{t: t, s: t.Sim(), tr: t.Tracer(), flash: t.Flash()}
	names := in.partitionNames()
	for i := range p.Faults {
		f := &p.Faults[i]
		if err := checkPartitions(fmt.Sprintf("faults[%d].action", i), &f.Action, names); err != nil {
			return err
		}
		st := &state{in: in, i: i, f: f, rng: rand.New(t.Sim().Rand(fmt.Sprintf("fault/%d", i)))}
		in.faults = append(in.faults, st)
		if f.Trigger.At != nil {
			in.s.Schedule(int64(*f.Trigger.At), st.candidate)
		} else {
			in.watch = append(in.watch, st)
		}
	}
	observing := false
	for _, f := range p.Faults {
		if c := f.Action.Compromise; c != nil && (c.Script == ScriptMapCompartment || c.Script == ScriptForgeIntercore) {
			observing = true
		}
	}
	if observing {
		in.rtApps = map[string]string{}
		in.tr.AddSink(trace.SinkFunc(in.observe))
	}
	if len(in.watch) > 0 {
		in.tr.AddSink(trace.SinkFunc(in.event))
	}
	in.prevHook = in.flash.OpHook()
	in.flash.SetOpHook(in.flashOp)
	in.prevTap = t.Bus().Tap()
	t.Bus().SetTap(in.tap)
	return nil
}

type injector struct {
	t        Target
	s        *sim.Sim
	tr       *trace.Tracer
	flash    *hw.Flash
	faults   []*state
	watch    []*state // faults with an event trigger
	prevHook func(hw.FlashOp) hw.FlashOutcome
	prevTap  mailbox.Tap
	cuts     []*flashCut
	fails    []*failing
	msgs     []*msgArm
	// What compromise scripts aim at (observe).
	claims     []observedClaim
	rtApps     map[string]string // real-time core → the app it runs
	hostileSeq uint32
	heldSeq    uint64
}

// state is one fault's progress.
type state struct {
	in    *injector
	i     int
	f     *Fault
	rng   *rand.Rand
	seen  int
	fired bool
}

type flashCut struct {
	st     *state
	target uint64 // the flash operation number to tear
	off    bool   // cut, not yet acted on by the scheduler
	done   bool
}

type failing struct {
	from, to uint64 // [from, to)
	ops      string
}

type msgArm struct {
	st   *state
	from mailbox.Addr
	to   mailbox.Addr
	left int
	held []heldMsg // op reorder: messages waiting for the next one on their link
}

// heldMsg is a message op reorder holds back.
type heldMsg struct {
	from, to mailbox.Addr
	b        []byte
	seq      uint64
}

// event is the trace sink of event triggers. It runs inside the tracer, so
// it only schedules: the action runs right after the current step.
func (in *injector) event(e *trace.Event) {
	in.match(e)
}

func (in *injector) match(e *trace.Event) {
	for _, st := range in.watch {
		if st.fired {
			continue
		}
		o := st.f.Trigger.On
		if o.Event != e.Ev || (o.Dom != "" && o.Dom != e.Dom) {
			continue
		}
		ok := true
		for k, v := range o.Fields {
			if e.Str(k) != v {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		st.seen++
		if st.seen >= max(o.Nth, 1) {
			in.s.Schedule(in.s.Now(), st.candidate)
			if st.f.Trigger.Probability == 0 {
				st.fired = true // no more candidates needed
			}
		}
	}
}

// candidate is one chance for the fault to fire: always, or with the
// trigger's probability.
func (st *state) candidate() {
	if st.fired && st.f.Trigger.Probability != 0 {
		return
	}
	if p := st.f.Trigger.Probability; p != 0 && st.rng.Float64() >= p {
		return
	}
	st.fired = true
	st.act()
}

// inject emits fault.inject.
func (st *state) inject(action string, details ...trace.Field) {
	fields := []trace.Field{trace.Int("fault", int64(st.i))}
	if st.f.Name != "" {
		fields = append(fields, trace.Str("name", st.f.Name))
	}
	fields = append(fields, trace.Str("trigger", st.f.Trigger.describe()), trace.Str("action", action))
	st.in.tr.Emit(Dom, "fault.inject", append(fields, details...)...)
}

func (st *state) act() {
	in, a := st.in, &st.f.Action
	switch {
	case a.Power != nil:
		off := int64(-1)
		if a.Power.OffFor != nil {
			off = int64(*a.Power.OffFor)
		}
		if a.Power.FlashOp == 0 {
			st.inject("power.cut", trace.Int("off_for", off))
			in.t.CutPower(off, trace.Int("fault", int64(st.i)))
			return
		}
		in.cuts = append(in.cuts, &flashCut{st: st, target: in.flash.Ops() + a.Power.FlashOp})
	case a.Flash != nil && a.Flash.Flip != nil:
		st.flip(a.Flash.Flip)
	case a.Flash != nil:
		st.fail(a.Flash.Fail)
	case a.Message != nil:
		m := a.Message
		arm := &msgArm{st: st, left: max(m.Count, 1)}
		arm.from, _ = parseAddr(m.From)
		arm.to, _ = parseAddr(m.To)
		in.msgs = append(in.msgs, arm)
	case a.Peripheral != nil && a.Peripheral.ADC != nil:
		c := a.Peripheral.ADC
		st.inject("adc.stuck", trace.Int("ch", int64(c.Channel)), trace.Str("volts", fmt.Sprint(c.Volts)))
		if err := in.t.Board().ADC.SetVoltage(c.Channel, c.Volts); err != nil {
			in.tr.Emit(Dom, "fault.error", trace.Int("fault", int64(st.i)), trace.Str("error", err.Error()))
		}
	case a.Peripheral != nil && a.Peripheral.ADCNoise != nil:
		c := a.Peripheral.ADCNoise
		st.inject("adc.noise", trace.Int("ch", int64(c.Channel)), trace.Str("volts", fmt.Sprint(c.Volts)))
		adc := in.t.Board().ADC
		under := adc.Source(c.Channel)
		if err := adc.SetSource(c.Channel, func(t int64) float64 {
			v := 0.0
			if under != nil {
				v = under(t)
			}
			return v + st.rng.NormFloat64()*c.Volts
		}); err != nil {
			in.tr.Emit(Dom, "fault.error", trace.Int("fault", int64(st.i)), trace.Str("error", err.Error()))
		}
	case a.Peripheral != nil && a.Peripheral.Accel != nil:
		ac := a.Peripheral.Accel
		st.inject("accel.stuck", trace.Str("x", fmt.Sprint(ac.X)), trace.Str("y", fmt.Sprint(ac.Y)), trace.Str("z", fmt.Sprint(ac.Z)))
		in.t.Board().Accel.SetAcceleration(ac.X, ac.Y, ac.Z)
	case a.Peripheral != nil && a.Peripheral.AccelNoise != nil:
		g := a.Peripheral.AccelNoise.G
		st.inject("accel.noise", trace.Str("g", fmt.Sprint(g)))
		in.t.Board().Accel.SetAccelNoise(func() float64 { return st.rng.NormFloat64() * g })
	case a.Peripheral != nil && a.Peripheral.Register != nil:
		r := a.Peripheral.Register
		bit := uint32(st.pick(r.Bit, 32))
		mode := r.Mode
		if mode == "" {
			mode = ModeToggle
		}
		st.inject("register.flip", trace.Str("core", r.Core), trace.Str("addr", fmt.Sprintf("%#08x", uint32(r.Addr))),
			trace.Int("bit", int64(bit)), trace.Str("mode", mode), trace.Bool("permanent", r.Permanent))
		armed := true
		in.t.AddRegisterFault(func(dom string, addr, v uint32) uint32 {
			if !armed || dom != r.Core || addr != uint32(r.Addr) {
				return v
			}
			armed = r.Permanent
			return applyMode(v, uint(bit), mode)
		})
	case a.Peripheral != nil && a.Peripheral.UARTGarbage != nil:
		g := a.Peripheral.UARTGarbage
		b := make([]byte, g.Bytes)
		for i := range b {
			b[i] = byte(st.rng.Uint32())
		}
		st.inject("uart.garbage", trace.Int("isu", int64(g.ISU)), trace.Int("bytes", int64(g.Bytes)))
		if u := in.t.Board().UART[g.ISU]; u != nil {
			u.Inject(b)
		}
	case a.Peripheral != nil && a.Peripheral.I2CNack != nil:
		n := a.Peripheral.I2CNack
		st.inject("i2c.nack", trace.Int("isu", int64(n.ISU)), trace.Int("addr", int64(n.Addr)), trace.Int("count", int64(n.Count)))
		if bus := in.t.Board().I2C[n.ISU]; bus != nil {
			bus.FailNext(uint8(n.Addr), n.Count)
		}
	case a.Peripheral != nil && a.Peripheral.Bounce != nil:
		bo := a.Peripheral.Bounce
		pin := hw.ButtonA
		if bo.Button == "B" {
			pin = hw.ButtonB
		}
		every := int64(sim.Millisecond)
		if bo.Every != nil {
			every = int64(*bo.Every)
		}
		st.inject("button.bounce", trace.Str("button", bo.Button), trace.Int("count", int64(bo.Count)))
		s := in.t.Sim()
		for i := 0; i < bo.Count; i++ {
			level := uint8(i % 2) // pressed (0), released (1), …
			if i == bo.Count-1 {
				level = 1 // it settles released
			}
			s.Schedule(s.Now()+int64(i)*every, func() { _ = in.t.Board().GPIO.Drive(pin, level) })
		}
	case a.Peripheral != nil:
		up := a.Peripheral.Network == NetUp
		st.inject("net." + a.Peripheral.Network)
		in.t.Board().SetNetworkUp(up)
	case a.Compromise != nil:
		st.compromise(a.Compromise)
	case a.RAM != nil:
		r := a.RAM
		bit := uint(st.pick(r.Bit, 8))
		core, _ := rtIndex(r.Core)
		fields := []trace.Field{trace.Str("addr", fmt.Sprintf("%#08x", uint32(r.Addr))), trace.Int("bit", int64(bit))}
		if r.Permanent {
			where, err := in.t.StickRAM(core, uint32(r.Addr), uint8(bit), r.Mode == ModeSet1)
			if err != nil {
				st.inject("ram.flip", append(fields, trace.Bool("permanent", true), trace.Str("error", err.Error()))...)
				break
			}
			st.inject("ram.flip", append(fields, trace.Bool("permanent", true), trace.Str("mode", r.Mode), trace.Str("ram", where))...)
			break
		}
		where, before, after, ok := in.t.PokeRAM(core, uint32(r.Addr), func(b byte) byte { return applyMode(b, bit, r.Mode) })
		if !ok {
			st.inject("ram.flip", append(fields, trace.Str("error", "no modelled RAM at this address (core "+orNone(r.Core)+")"))...)
			break
		}
		st.inject("ram.flip", append(fields, trace.Str("ram", where), trace.Uint("before", uint64(before)), trace.Uint("after", uint64(after)))...)
	case a.Network != nil && a.Network.Replay != "":
		st.inject("net.replay." + a.Network.Replay)
		in.t.ReplayService(a.Network.Replay == "on")
	case a.Network != nil && a.Network.MITM != "":
		st.inject("net.mitm." + a.Network.MITM)
		in.t.InterceptService(a.Network.MITM == "on")
	case a.Network != nil:
		st.inject("clock.jump", trace.Int("by_ns", int64(*a.Network.ClockJump)))
		in.t.JumpClock(time.Duration(*a.Network.ClockJump))
	case a.App != nil:
		cid, armed := a.App.CID, true
		af := guestfault.Fault{Op: a.App.Op, Offset: a.App.Offset, Mode: a.App.Mode}
		if a.App.Bit != nil {
			af.Bit = uint8(*a.App.Bit)
		} else {
			af.Bit = uint8(st.rng.IntN(8))
		}
		core := a.App.Core
		if core == "" {
			core = trace.Appcore
		}
		st.inject("app."+af.Op, trace.Str("cid", cid), trace.Str("core", core))
		in.t.AddAppFault(func(dom, c string) guestfault.Fault {
			if !armed || dom != core || !strings.Contains(c, cid) {
				return guestfault.Fault{}
			}
			out := af
			if a.App.Permanent {
				af.Again = true // stuck: strike again at every host call, quietly
			} else {
				armed = false
			}
			return out
		})
	case a.Glitch != nil:
		g := a.Glitch
		left := max(g.Count, 1)
		effect := glitch.Invert
		if g.Effect == "skip" {
			effect = glitch.Skip
		}
		st.inject("glitch.arm", trace.Str("point", g.Point), trace.Str("effect", g.Effect), trace.Str("detail", g.Detail), trace.Int("count", int64(left)))
		skip := g.After
		in.t.AddGlitch(func(p glitch.Point, detail string) glitch.Effect {
			if left == 0 || string(p) != g.Point || !strings.Contains(detail, g.Detail) {
				return glitch.None
			}
			if skip > 0 {
				skip--
				return glitch.None
			}
			left--
			return effect
		})
	}
}

// layout reads the locator table the flash holds now.
func (in *injector) layout() (*image.Locator, error) {
	p, err1 := in.flash.Read(image.LocatorOffset, image.EraseBlockSize)
	b, err2 := in.flash.Read(image.LocatorBackupOffset, image.EraseBlockSize)
	if err1 != nil || err2 != nil {
		return nil, fmt.Errorf("reading the locator tables: %v %v", err1, err2)
	}
	l, err := image.ReadLayouts(p, b)
	if err != nil {
		return nil, err
	}
	return l.Current, nil
}

func (in *injector) partitionNames() []string {
	l, err := in.layout()
	if err != nil {
		return nil
	}
	return image.PartitionNames(l)
}

func checkPartitions(path string, a *Action, names []string) error {
	var name, p string
	switch {
	case a.Flash != nil && a.Flash.Flip != nil:
		name, p = a.Flash.Flip.Partition, path+".flash.flip.partition"
	case a.Flash != nil && a.Flash.Fail != nil:
		name, p = a.Flash.Fail.Partition, path+".flash.fail.partition"
	}
	if name == "" {
		return nil
	}
	for _, n := range names {
		if n == name {
			return nil
		}
	}
	return pathErr(p, "%q is not a partition of this image (%s)", name, strings.Join(names, ", "))
}

// region resolves a partition-relative or absolute region to flash offsets.
func (in *injector) region(partition string, off, length uint32) (from, to uint64, err error) {
	end := uint64(in.flash.Size())
	base := uint64(0)
	if partition != "" {
		l, err := in.layout()
		if err != nil {
			return 0, 0, err
		}
		p, ok := image.FindPartition(l, partition)
		if !ok {
			return 0, 0, fmt.Errorf("no partition %q in the current layout", partition)
		}
		base, end = uint64(p.Offset), p.End()
	}
	from = base + uint64(off)
	to = end
	if length != 0 {
		to = from + uint64(length)
	}
	if from >= end || to > end {
		return 0, 0, fmt.Errorf("offset %#x+%#x is outside %s (%#x bytes)", off, length, orPart(partition), end-base)
	}
	return from, to, nil
}

func orPart(p string) string {
	if p == "" {
		return "the flash part"
	}
	return "partition " + p
}

func (st *state) fail(fr *FailRegion) {
	from, to, err := st.in.region(fr.Partition, fr.Offset, fr.Length)
	if err != nil {
		st.inject("flash.fail", trace.Str("error", err.Error()))
		return
	}
	ops := fr.Ops
	if ops == "" {
		ops = OpsBoth
	}
	st.in.fails = append(st.in.fails, &failing{from: from, to: to, ops: ops})
	st.inject("flash.fail", trace.Str("partition", fr.Partition), trace.Uint("from", from), trace.Uint("to", to), trace.Str("ops", ops))
}

func (st *state) flip(bf *BitFlip) {
	from, _, err := st.in.region(bf.Partition, bf.Offset, 1)
	if err != nil {
		st.inject("flash.flip", trace.Str("error", err.Error()))
		return
	}
	bit := st.pick(bf.Bit, 8)
	mode := bf.Mode
	if mode == "" {
		mode = ModeToggle
	}
	fl := st.in.flash
	b, err := fl.Read(uint32(from), 1)
	if err != nil {
		st.inject("flash.flip", trace.Str("error", err.Error()))
		return
	}
	before := b[0]
	set := before&(1<<bit) != 0
	switch {
	case bf.Permanent:
		_ = fl.StickBit(uint32(from), uint8(bit), mode == ModeSet1) // in range: region checked it
	case mode == ModeToggle || (mode == ModeSet0 && set) || (mode == ModeSet1 && !set):
		_ = fl.FlipBit(uint32(from), uint8(bit))
	}
	after, _ := fl.Read(uint32(from), 1)
	st.inject("flash.flip", trace.Str("partition", bf.Partition), trace.Uint("offset", from), trace.Int("bit", int64(bit)),
		trace.Str("mode", mode), trace.Bool("permanent", bf.Permanent), trace.Uint("before", uint64(before)), trace.Uint("after", uint64(after[0])))
}

// pick returns *v, or a number below n drawn from the fault's stream.
func (st *state) pick(v *int, n int) int {
	if v != nil {
		return *v
	}
	return st.rng.IntN(n)
}

// flashOp is the flash part's hook: it feeds flash.op triggers, tears the
// operation a power cut chose, refuses operations on failing regions, and
// then asks any hook installed before.
func (in *injector) flashOp(op hw.FlashOp) hw.FlashOutcome {
	if len(in.watch) > 0 {
		in.match(&trace.Event{T: in.s.Now(), Dom: trace.HW, Ev: FlashOpEvent, Fields: []trace.Field{
			trace.Uint("n", op.N), trace.Bool("erase", op.Erase), trace.Uint("offset", uint64(op.Offset)), trace.Int("length", int64(op.Length))}})
	}
	for _, c := range in.cuts {
		switch {
		case c.off:
			return hw.FlashFail // the power is off: nothing writes
		case !c.done && op.N == c.target:
			c.done, c.off = true, true
			st := c.st
			off := int64(-1)
			if d := st.f.Action.Power.OffFor; d != nil {
				off = int64(*d)
			}
			st.inject("power.cut", trace.Uint("flash_op", op.N), trace.Bool("erase", op.Erase), trace.Uint("offset", uint64(op.Offset)), trace.Int("off_for", off))
			in.s.Schedule(in.s.Now(), func() {
				in.t.CutPower(off, trace.Int("fault", int64(st.i)), trace.Uint("flash_op", op.N), trace.Bool("erase", op.Erase), trace.Uint("offset", uint64(op.Offset)))
				c.off = false // every domain is stopped; the next boot writes again
			})
			return hw.FlashTear
		}
	}
	end := uint64(op.Offset) + uint64(max(op.Length, 1))
	if op.Erase {
		end = uint64(op.Offset) + hw.FlashBlockSize
	}
	for _, f := range in.fails {
		if f.ops == OpsProgram && op.Erase || f.ops == OpsErase && !op.Erase {
			continue
		}
		if uint64(op.Offset) < f.to && end > f.from {
			return hw.FlashFail
		}
	}
	if in.prevHook != nil {
		return in.prevHook(op)
	}
	return hw.FlashProceed
}

// tap is the mailbox tap of message actions, after any tap installed before.
func (in *injector) tap(from, to mailbox.Addr, b []byte) ([]byte, bool) {
	if in.prevTap != nil {
		var drop bool
		if b, drop = in.prevTap(from, to, b); drop {
			return b, true
		}
	}
	in.releaseHeld(from, to)
	for _, arm := range in.msgs {
		if arm.left == 0 {
			continue
		}
		m := arm.st.f.Action.Message
		if arm.from != 0 && arm.from != from || arm.to != 0 && arm.to != to {
			continue
		}
		msg, err := mailbox.Unmarshal(b)
		kind := mailbox.KindName(msg)
		if err != nil {
			kind = "malformed"
		}
		if m.Kind != "" && m.Kind != kind {
			continue
		}
		arm.left--
		st := arm.st
		base := []trace.Field{trace.Str("from", from.String()), trace.Str("to", to.String()), trace.Str("kind", kind), trace.Uint("seq", uint64(msg.Seq))}
		switch m.Op {
		case MsgDrop:
			st.inject("message.drop", base...)
			return b, true
		case MsgDuplicate:
			st.inject("message.duplicate", base...)
			dup := append([]byte(nil), b...)
			in.s.Schedule(in.s.Now(), func() { in.deliver(st, from, to, dup) })
			return b, false
		case MsgDelay:
			st.inject("message.delay", append(base, trace.Int("delay", int64(*m.Delay)))...)
			late := append([]byte(nil), b...)
			in.s.Schedule(in.s.Now()+int64(*m.Delay), func() { in.deliver(st, from, to, late) })
			return b, true
		case MsgTruncate:
			n := len(b) / 2
			if m.Length != nil {
				n = min(*m.Length, len(b))
			}
			st.inject("message.truncate", append(base, trace.Int("len", int64(len(b))), trace.Int("kept", int64(n)))...)
			return append([]byte(nil), b[:n]...), false
		case MsgReorder:
			wait := 100 * sim.Millisecond
			if m.Delay != nil {
				wait = int64(*m.Delay)
			}
			h := heldMsg{from: from, to: to, b: append([]byte(nil), b...), seq: in.heldSeq}
			in.heldSeq++
			arm.held = append(arm.held, h)
			st.inject("message.reorder", base...)
			in.s.Schedule(in.s.Now()+wait, func() { // nothing came to swap with
				if arm.take(h.seq) {
					in.tr.Emit(Dom, "fault.note", trace.Int("fault", int64(st.i)), trace.Str("note", "reorder: no later message on the link; delivered late"))
					in.deliver(st, from, to, h.b)
				}
			})
			return b, true
		case MsgFlip:
			out := append([]byte(nil), b...)
			if len(out) == 0 {
				return out, false
			}
			off := st.pick(m.Offset, len(out)) % len(out)
			bit := st.pick(m.Bit, 8)
			out[off] = applyMode(out[off], uint(bit), m.Mode)
			fields := append(base, trace.Int("offset", int64(off)), trace.Int("bit", int64(bit)))
			if m.Mode != "" {
				fields = append(fields, trace.Str("mode", m.Mode))
			}
			st.inject("message.flip", fields...)
			return out, false
		}
	}
	return b, false
}

// deliver hands a duplicated or delayed message to its receiver.
// releaseHeld delivers, right after a message on the link from→to, the
// messages op reorder held back on that link: they arrive after it.
func (in *injector) releaseHeld(from, to mailbox.Addr) {
	for _, arm := range in.msgs {
		var keep []heldMsg
		for _, h := range arm.held {
			if h.from != from || h.to != to {
				keep = append(keep, h)
				continue
			}
			st, b := arm.st, h.b
			in.s.Schedule(in.s.Now(), func() { in.deliver(st, from, to, b) })
		}
		arm.held = keep
	}
}

// take removes a held message, reporting whether it was still held.
func (arm *msgArm) take(seq uint64) bool {
	for i, h := range arm.held {
		if h.seq == seq {
			arm.held = append(arm.held[:i], arm.held[i+1:]...)
			return true
		}
	}
	return false
}

func (in *injector) deliver(st *state, from, to mailbox.Addr, b []byte) {
	if err := in.t.Bus().Deliver(from, to, b); err != nil {
		in.tr.Emit(Dom, "fault.error", trace.Int("fault", int64(st.i)), trace.Str("error", err.Error()))
	}
}

// applyMode applies a bit-flip mode to bit of b.
func applyMode[T uint8 | uint32](b T, bit uint, mode string) T {
	switch mode {
	case ModeSet0:
		return b &^ (1 << bit)
	case ModeSet1:
		return b | 1<<bit
	}
	return b ^ 1<<bit
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
