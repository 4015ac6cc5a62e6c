package fault_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sphere-emu/sphere-emu/fault"
	"github.com/sphere-emu/sphere-emu/glitch"
	"github.com/sphere-emu/sphere-emu/guestfault"
	"github.com/sphere-emu/sphere-emu/hw"
	"github.com/sphere-emu/sphere-emu/mailbox"
	"github.com/sphere-emu/sphere-emu/secmon/secmonmsg"
	"github.com/sphere-emu/sphere-emu/sim"
	"github.com/sphere-emu/sphere-emu/trace"
)

// bench is a Target with a bus and nothing else: two endpoints whose
// traffic a test drives by hand.
type bench struct {
	s     *sim.Sim
	tr    *trace.Tracer
	bus   *mailbox.Bus
	flash *hw.Flash
	board *hw.Board
}

func newBench(t *testing.T, rec *trace.Recorder) *bench {
	s := sim.New(1)
	tr := trace.New(s.Now, rec)
	f, err := hw.NewFlash(1<<20, nil)
	require.NoError(t, err)
	return &bench{s: s, tr: tr, bus: mailbox.NewBus(s, tr), flash: f, board: hw.NewBoard(tr, s.Now, s.Schedule)}
}

func (b *bench) Sim() *sim.Sim                              { return b.s }
func (b *bench) Tracer() *trace.Tracer                      { return b.tr }
func (b *bench) Bus() *mailbox.Bus                          { return b.bus }
func (b *bench) Flash() *hw.Flash                           { return b.flash }
func (b *bench) Board() *hw.Board                           { return b.board }
func (b *bench) CutPower(int64, ...trace.Field)             {}
func (b *bench) AddGlitch(glitch.Injector)                  {}
func (b *bench) AddAppFault(guestfault.Source)              {}
func (b *bench) InterceptService(bool)                      {}
func (b *bench) JumpClock(time.Duration)                    {}
func (b *bench) ReplayService(bool)                         {}
func (b *bench) AddRegisterFault(guestfault.RegisterSource) {}
func (b *bench) PokeRAM(int, uint32, func(byte) byte) (string, byte, byte, bool) {
	return "", 0, 0, false
}
func (b *bench) StickRAM(int, uint32, uint8, bool) (string, error) { return "", nil }
func (b *bench) RTLink(int) (*hw.RAM, *hw.MailboxChannel)          { return nil, nil }

// TestMessageReorder: a reordered message arrives right after the next one
// on its link; with none coming, it arrives when its wait runs out. The
// domains' links are request/reply, so on a device a reorder mostly turns
// into that wait; pipelined traffic (here, by hand) swaps.
func TestMessageReorder(t *testing.T) {
	rec := &trace.Recorder{}
	b := newBench(t, rec)
	wait := fault.Duration(50 * sim.Millisecond)
	p := plan(at(0, fault.Action{Message: &fault.MessageAction{From: "kernel", To: "secmon", Op: fault.MsgReorder, Delay: &wait}}))
	require.NoError(t, fault.Apply(p, b))
	kernel, secmon := b.bus.Open(mailbox.Kernel, 15), b.bus.Open(mailbox.Secmon, 15)
	send := func(at int64, kind mailbox.Kind) {
		b.s.Schedule(at, func() { _, err := kernel.Send(mailbox.Secmon, kind, nil); require.NoError(t, err) })
	}
	send(sim.Millisecond, secmonmsg.KindGetApplicationImageCount) // held
	send(2*sim.Millisecond, secmonmsg.KindTelemetryRead)          // passes, then the held one
	send(10*sim.Millisecond, secmonmsg.KindTelemetryAck)          // untouched (count 1)
	b.s.Run(sim.Second)
	var got []mailbox.Kind
	for {
		m, ok := secmon.TryRecv()
		if !ok {
			break
		}
		got = append(got, m.Kind)
	}
	require.Equal(t, []mailbox.Kind{secmonmsg.KindTelemetryRead, secmonmsg.KindGetApplicationImageCount, secmonmsg.KindTelemetryAck}, got)
	_, late := rec.First("fault.note")
	require.False(t, late)

	// Nothing follows: it arrives when the wait runs out.
	rec = &trace.Recorder{}
	b = newBench(t, rec)
	require.NoError(t, fault.Apply(p, b))
	kernel, secmon = b.bus.Open(mailbox.Kernel, 15), b.bus.Open(mailbox.Secmon, 15)
	send(sim.Millisecond, secmonmsg.KindGetApplicationImageCount)
	b.s.Run(40 * sim.Millisecond)
	_, ok := secmon.TryRecv()
	require.False(t, ok, "held")
	b.s.Schedule(sim.Second, func() {}) // let time pass the delivery
	b.s.Run(sim.Second)
	m, ok := secmon.TryRecv()
	require.True(t, ok)
	require.Equal(t, secmonmsg.KindGetApplicationImageCount, m.Kind)
	note, ok := rec.First("fault.note")
	require.True(t, ok)
	require.Contains(t, note.Str("note"), "delivered late")

	_, err := fault.ParseJSON([]byte(`{"faults":[{"trigger":{"at":0},"action":{"message":{"op":"reorder","length":3}}}]}`))
	require.ErrorContains(t, err, "not used by op reorder")
}
