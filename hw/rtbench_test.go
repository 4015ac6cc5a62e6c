package hw_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sphere-emu/sphere-emu/hw"
	"github.com/sphere-emu/sphere-emu/sim"
	"github.com/sphere-emu/sphere-emu/trace"
)

// rtBench is a simulated timeline with a trace recorder, for the blocks of
// a real-time core.
type rtBench struct {
	sim *sim.Sim
	rec *trace.Recorder
	tr  *trace.Tracer
}

func newRTBench(t *testing.T) *rtBench {
	t.Helper()
	s := sim.New(1)
	rec := &trace.Recorder{}
	return &rtBench{sim: s, rec: rec, tr: trace.New(s.Now, rec)}
}

// runTo advances the timeline to t, running what is due.
func (b *rtBench) runTo(t int64) {
	b.sim.Schedule(t, func() {})
	b.sim.Run(t)
}

// block is what the core's bus sees of a register block.
type block interface {
	Read32(off uint32) (uint32, error)
	Write32(off, v uint32) error
}

func rd(t *testing.T, b block, off uint32) uint32 {
	t.Helper()
	v, err := b.Read32(off)
	require.NoError(t, err, "read %#x", off)
	return v
}

func wr(t *testing.T, b block, off, v uint32) {
	t.Helper()
	require.NoError(t, b.Write32(off, v), "write %#x", off)
}

// requireBadOffsets checks that every offset answers an error wrapping
// ErrInvalid, for reads and writes.
func requireBadOffsets(t *testing.T, b block, offs ...uint32) {
	t.Helper()
	for _, off := range offs {
		_, err := b.Read32(off)
		require.Truef(t, errors.Is(err, hw.ErrInvalid), "read %#x: %v", off, err)
		require.Truef(t, errors.Is(b.Write32(off, 0), hw.ErrInvalid), "write %#x", off)
	}
}
