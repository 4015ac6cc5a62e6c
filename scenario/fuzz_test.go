package scenario_test

import (
	"bytes"
	"errors"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sphere-emu/sphere-emu/hw"
	"github.com/sphere-emu/sphere-emu/scenario"
	"github.com/sphere-emu/sphere-emu/sim"
	"github.com/sphere-emu/sphere-emu/trace"
)

// FuzzParse checks that any input either parses into a scenario that can
// be applied, run and checked, or fails with problems that say something;
// it never panics. The seed corpus is in testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"testdata/blink.json", "testdata/sensors.yaml"} {
		data, err := os.ReadFile(name)
		require.NoError(f, err)
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		s, err := scenario.Parse(in)
		if err != nil {
			require.Nil(t, s)
			var e *scenario.Error
			require.True(t, errors.As(err, &e), "%v", err)
			require.NotEmpty(t, e.Problems)
			for _, p := range e.Problems {
				require.NotEmpty(t, p.Msg)
				require.GreaterOrEqual(t, p.Line, 0)
			}
			require.NotEmpty(t, err.Error())
			return
		}
		require.NotNil(t, s)
		again, err := scenario.Parse(in)
		require.NoError(t, err, "parsing is deterministic")
		require.Equal(t, s.Expectations(), again.Expectations())
		require.Equal(t, s.Horizon(), again.Horizon())
		require.GreaterOrEqual(t, s.Horizon(), s.Duration)

		w := sim.New(1)
		rec := &trace.Recorder{}
		b := hw.NewBoard(trace.New(w.Now, rec), w.Now, w.Schedule)
		require.NoError(t, s.Apply(w.Schedule, b))
		end := s.Horizon()
		// A plant ticks until the run ends: bound the work a fuzzed horizon asks for.
		w.Run(min(end, 10*60*sim.Second))
		for _, events := range [][]trace.Event{nil, rec.Events()} {
			results := s.Check(events, end)
			require.Len(t, results, len(s.Expectations()))
			for _, r := range results {
				require.NotEmpty(t, r.Expectation)
				require.NotEmpty(t, r.Detail)
			}
		}
	})
}

// FuzzReadJSONL checks that reading a trace never panics, and that what it
// reads survives a round trip through the trace writer. The seed corpus
// is in testdata/fuzz/FuzzReadJSONL.
func FuzzReadJSONL(f *testing.F) {
	f.Add([]byte(`{"t":0,"dom":"device","ev":"power.on","seed":1,"flash_bytes":4096}` + "\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		events, err := scenario.ReadJSONL(bytes.NewReader(in))
		if err != nil {
			require.Nil(t, events)
			require.Contains(t, err.Error(), "trace line ")
			return
		}
		data := encode(t, events)
		back, err := scenario.ReadJSONL(bytes.NewReader(data))
		require.NoError(t, err)
		require.Equal(t, string(data), string(encode(t, back)))
	})
}
