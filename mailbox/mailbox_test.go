package mailbox_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sphere-emu/sphere-emu/mailbox"
	"github.com/sphere-emu/sphere-emu/sim"
	"github.com/sphere-emu/sphere-emu/trace"
)

func TestMessageRoundTrip(t *testing.T) {
	m := mailbox.Message{From: mailbox.Kernel, To: mailbox.Pluton, Kind: 0x42, Seq: 7, Payload: []byte("hello")}
	b := m.Marshal()
	require.Len(t, b, mailbox.HeaderSize+5)
	got, err := mailbox.Unmarshal(b)
	require.NoError(t, err)
	require.Equal(t, m, got)
}

func TestUnmarshalRejects(t *testing.T) {
	good := (&mailbox.Message{From: mailbox.Kernel, To: mailbox.Pluton, Kind: 1, Seq: 1, Payload: []byte{1, 2}}).Marshal()
	cases := map[string]struct {
		b    []byte
		want string
	}{
		"short":        {good[:5], "shorter than the 12-byte header"},
		"bad source":   {patch(good, 0, 99), "unknown source endpoint 99"},
		"bad dest":     {patch(good, 1, 0), "unknown destination endpoint 0"},
		"long length":  {patch(good, 8, 3), "header says 3 payload bytes, message carries 2"},
		"huge length":  {patch(patch(good, 11, 0x7f), 8, 0), "exceeds"},
		"extra tail":   {append(append([]byte(nil), good...), 0), "header says 2 payload bytes, message carries 3"},
		"empty buffer": {nil, "shorter"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := mailbox.Unmarshal(c.b)
			require.ErrorContains(t, err, c.want)
		})
	}
}

func patch(b []byte, i int, v byte) []byte {
	c := append([]byte(nil), b...)
	c[i] = v
	return c
}

func TestDecoderIsStickyAndBounded(t *testing.T) {
	var e mailbox.Encoder
	e.U32(3)
	e.String("héllo")
	e.Blob([]byte{9, 9})
	e.Bool(true)
	d := mailbox.NewDecoder(e.Bytes())
	require.EqualValues(t, 3, d.U32())
	require.Equal(t, "héllo", d.String())
	require.Equal(t, []byte{9, 9}, d.Blob())
	require.True(t, d.Bool())
	require.NoError(t, d.Finish())

	d = mailbox.NewDecoder([]byte{0xff, 0xff, 0xff, 0x7f, 1})
	require.Nil(t, d.Blob())
	require.Zero(t, d.U64())
	require.ErrorIs(t, d.Finish(), mailbox.ErrShort)

	d = mailbox.NewDecoder([]byte{2})
	d.Bool()
	require.ErrorContains(t, d.Finish(), "neither 0 nor 1")

	d = mailbox.NewDecoder([]byte{1, 0, 0, 0, 0xff})
	_ = d.String()
	require.ErrorContains(t, d.Finish(), "not valid UTF-8")

	d = mailbox.NewDecoder([]byte{1, 2})
	d.U8()
	require.ErrorContains(t, d.Finish(), "1 unexpected trailing bytes")
}

// world is a bus with a server echoing requests at Pluton's address and a
// client at the kernel's, for exercising delivery.
type world struct {
	s   *sim.Sim
	bus *mailbox.Bus
	rec *trace.Recorder
	srv *mailbox.Endpoint
	cli *mailbox.Endpoint
}

func newWorld(depth int) *world {
	s := sim.New(1)
	rec := &trace.Recorder{}
	w := &world{s: s, rec: rec}
	w.bus = mailbox.NewBus(s, trace.New(s.Now, rec))
	w.srv = w.bus.Open(mailbox.Pluton, depth)
	w.cli = w.bus.Open(mailbox.Kernel, 0)
	return w
}

func (w *world) echo() {
	w.s.Spawn("server", func(p *sim.Proc) {
		w.srv.Bind(p)
		for {
			m := w.srv.Recv()
			_ = w.srv.Reply(m, m.Payload)
		}
	})
}

func (w *world) client(f func(p *sim.Proc)) {
	w.s.Spawn("client", func(p *sim.Proc) {
		w.cli.Bind(p)
		f(p)
	})
}

func TestCallGetsItsReply(t *testing.T) {
	w := newWorld(0)
	w.echo()
	var got []byte
	var at int64
	w.client(func(p *sim.Proc) {
		var err error
		got, err = w.cli.Call(mailbox.Pluton, 5, []byte("ping"), sim.Second)
		require.NoError(t, err)
		at = p.Sim().Now()
	})
	w.s.Run(sim.Forever)
	require.Equal(t, []byte("ping"), got)
	require.Greater(t, at, 2*mailbox.LatencyPerMessage, "delivery takes virtual time")
	sends := w.rec.Named("mbox.send")
	require.Len(t, sends, 2)
	require.Equal(t, "kernel", sends[0].Str("from"))
	require.Equal(t, "pluton", sends[0].Str("to"))
	require.Equal(t, "4", sends[0].Str("len"))
	require.Equal(t, sends[0].Str("seq"), sends[1].Str("seq"))
}

func TestNoLinkIsRefused(t *testing.T) {
	s := sim.New(1)
	rec := &trace.Recorder{}
	bus := mailbox.NewBus(s, trace.New(s.Now, rec))
	bus.Open(mailbox.Pluton, 0)
	app := bus.Open(mailbox.Appcore, 0)
	_, err := app.Send(mailbox.Pluton, 1, nil)
	require.ErrorIs(t, err, mailbox.ErrNoLink, "the app core has no channel to Pluton")
	_, ok := rec.First("mbox.nolink", "to", "pluton")
	require.True(t, ok)
}

func TestCallTimesOutWhenNobodyAnswers(t *testing.T) {
	w := newWorld(0) // no server process
	var err error
	var at int64
	w.client(func(p *sim.Proc) {
		_, err = w.cli.Call(mailbox.Pluton, 5, nil, 10*sim.Millisecond)
		at = p.Sim().Now()
	})
	w.s.Run(sim.Forever)
	require.ErrorIs(t, err, mailbox.ErrTimeout)
	require.Equal(t, 10*sim.Millisecond, at)
}

func TestCorruptedMessageGetsAnErrorReply(t *testing.T) {
	w := newWorld(0)
	w.echo()
	w.bus.SetTap(func(from, to mailbox.Addr, b []byte) ([]byte, bool) {
		if from == mailbox.Kernel {
			b = append([]byte(nil), b...)
			b[8] ^= 0x10 // corrupt the length field in flight
		}
		return b, false
	})
	var err error
	w.client(func(p *sim.Proc) {
		_, err = w.cli.Call(mailbox.Pluton, 5, []byte("data"), sim.Second)
	})
	w.s.Run(sim.Forever)
	var re *mailbox.RemoteError
	require.ErrorAs(t, err, &re)
	require.Equal(t, mailbox.ErrCodeMalformed, re.Code)
	e, ok := w.rec.First("mbox.malformed")
	require.True(t, ok)
	require.Contains(t, e.Str("error"), "header says")
}

func TestSpoofedSourceIsCaught(t *testing.T) {
	w := newWorld(0)
	w.echo()
	w.bus.SetTap(func(from, to mailbox.Addr, b []byte) ([]byte, bool) {
		if from == mailbox.Kernel {
			b = append([]byte(nil), b...)
			b[0] = byte(mailbox.Secmon) // claim to be the Security Monitor
		}
		return b, false
	})
	var err error
	w.client(func(p *sim.Proc) { _, err = w.cli.Call(mailbox.Pluton, 5, nil, sim.Second) })
	w.s.Run(sim.Forever)
	require.Error(t, err)
	e, ok := w.rec.First("mbox.malformed")
	require.True(t, ok)
	require.Contains(t, e.Str("error"), "claims source secmon but the message arrived on the link from kernel")
}

func TestDroppedMessageTimesOut(t *testing.T) {
	w := newWorld(0)
	w.echo()
	w.bus.SetTap(func(from, to mailbox.Addr, b []byte) ([]byte, bool) { return b, true })
	var err error
	w.client(func(p *sim.Proc) { _, err = w.cli.Call(mailbox.Pluton, 5, nil, sim.Millisecond) })
	w.s.Run(sim.Forever)
	require.ErrorIs(t, err, mailbox.ErrTimeout)
	require.Len(t, w.rec.Named("mbox.drop"), 1)
}

// TestFIFOIsBoundedAndOrdered fills a depth-3 FIFO from a sender that
// outpaces a slow receiver: the sender blocks, nothing is lost or reordered.
func TestFIFOIsBoundedAndOrdered(t *testing.T) {
	w := newWorld(3)
	var got []byte
	maxPending := 0
	w.s.Spawn("server", func(p *sim.Proc) {
		w.srv.Bind(p)
		for i := 0; i < 10; i++ {
			p.Sleep(sim.Millisecond)
			maxPending = max(maxPending, w.srv.Pending())
			m := w.srv.Recv()
			got = append(got, m.Payload[0])
		}
	})
	w.client(func(p *sim.Proc) {
		for i := byte(0); i < 10; i++ {
			payload := make([]byte, int(10-i)*100) // shorter messages must not overtake longer ones
			payload[0] = i
			_, err := w.cli.Send(mailbox.Pluton, 1, payload)
			require.NoError(t, err)
		}
	})
	w.s.Run(sim.Forever)
	require.Equal(t, []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, got)
	require.LessOrEqual(t, maxPending, 3)
}

func TestRequestsArrivingDuringCallAreKept(t *testing.T) {
	s := sim.New(1)
	bus := mailbox.NewBus(s, nil)
	pl := bus.Open(mailbox.Pluton, 0)
	k := bus.Open(mailbox.Kernel, 0)
	app := bus.Open(mailbox.Appcore, 0)
	var order []string
	s.Spawn("pluton", func(p *sim.Proc) {
		pl.Bind(p)
		m := pl.Recv()
		p.Sleep(sim.Millisecond) // slow answer
		_ = pl.Reply(m, []byte("verdict"))
	})
	s.Spawn("app", func(p *sim.Proc) {
		app.Bind(p)
		p.Sleep(10 * sim.Microsecond)
		_, _ = app.Send(mailbox.Kernel, 0x10, []byte("syscall"))
	})
	s.Spawn("kernel", func(p *sim.Proc) {
		k.Bind(p)
		r, err := k.Call(mailbox.Pluton, 0x42, nil, sim.Second)
		require.NoError(t, err)
		order = append(order, string(r))
		m := k.Recv()
		order = append(order, string(m.Payload))
	})
	s.Run(sim.Forever)
	require.Equal(t, []string{"verdict", "syscall"}, order)
}
