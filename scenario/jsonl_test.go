package scenario_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sphere-emu/sphere-emu/scenario"
	"github.com/sphere-emu/sphere-emu/trace"
)

func encode(t *testing.T, events []trace.Event) []byte {
	t.Helper()
	var buf bytes.Buffer
	j := trace.NewJSONL(&buf)
	for i := range events {
		j.Event(&events[i])
	}
	require.NoError(t, j.Flush())
	return buf.Bytes()
}

func TestReadJSONLRoundTrips(t *testing.T) {
	events := append([]trace.Event{
		ev(0, trace.Device, "power.on", trace.Uint("seed", 1<<63+5), trace.Int("flash_bytes", -1)),
		ev(7, trace.Appcore, "app.log", trace.Str("line", "quote\" nl\n esc\x1b é"), trace.Bool("ok", false)),
	}, blinky...)
	data := encode(t, events)
	got, err := scenario.ReadJSONL(bytes.NewReader(data))
	require.NoError(t, err)
	require.Len(t, got, len(events))
	require.Equal(t, string(data), string(encode(t, got)), "re-encoding gives the same bytes")
	require.Equal(t, "quote\" nl\n esc\x1b é", got[1].Str("line"))
	require.Equal(t, uint64(1<<63+5), got[0].Fields[0].Val)

	s, err := scenario.Parse([]byte(`{"expect":[{"gpio":8,"toggles":{"min":3}}]}`))
	require.NoError(t, err)
	require.True(t, scenario.AllOK(s.Check(got, 4000*ms)), "expectations work on a recorded trace")
}

func TestReadJSONLReadsReplacedBytes(t *testing.T) {
	data := encode(t, []trace.Event{ev(1, trace.Appcore, "app.log", trace.Str("line", "bad\xff"))})
	require.Contains(t, string(data), `bad\ufffd`)
	got, err := scenario.ReadJSONL(bytes.NewReader(data))
	require.NoError(t, err)
	require.Equal(t, "bad\ufffd", got[0].Str("line"))
}

func TestReadJSONLSkipsBlankLinesAndNeedsNoFinalNewline(t *testing.T) {
	got, err := scenario.ReadJSONL(strings.NewReader("\n{\"t\":1,\"dom\":\"hw\",\"ev\":\"a\"}\r\n  \n{\"ev\":\"b\",\"t\":2,\"dom\":\"hw\",\"x\":3}"))
	require.NoError(t, err)
	require.Equal(t, []trace.Event{
		{T: 1, Dom: "hw", Ev: "a"},
		{T: 2, Dom: "hw", Ev: "b", Fields: []trace.Field{trace.Int("x", 3)}},
	}, got)
	got, err = scenario.ReadJSONL(strings.NewReader(""))
	require.NoError(t, err)
	require.Empty(t, got)
}

func TestReadJSONLErrorsNameTheLine(t *testing.T) {
	cases := []struct{ in, want string }{
		{`[1]`, "trace line 1: want a JSON object"},
		{"{\"t\":1,\"dom\":\"hw\",\"ev\":\"a\"}\nnot json", "trace line 2: want a JSON object"},
		{`{"dom":"hw","ev":"a"}`, `trace line 1: missing "t"`},
		{`{"t":1,"ev":"a"}`, `trace line 1: missing "dom"`},
		{`{"t":1,"dom":"hw"}`, `trace line 1: missing "ev"`},
		{`{"t":1.5,"dom":"hw","ev":"a"}`, `trace line 1: "t" must be an integer number of nanoseconds, got 1.5`},
		{`{"t":"1","dom":"hw","ev":"a"}`, `"t" must be an integer`},
		{`{"t":1,"dom":2,"ev":"a"}`, `"dom" must be a string, got 2`},
		{`{"t":1,"dom":"hw","ev":"a","x":1.5}`, `field "x": 1.5 is not an integer`},
		{`{"t":1,"dom":"hw","ev":"a","x":99999999999999999999}`, `field "x": 99999999999999999999 is not an integer`},
		{`{"t":1,"dom":"hw","ev":"a","x":null}`, `field "x": null is not part of the trace format`},
		{`{"t":1,"dom":"hw","ev":"a","x":{"y":1}}`, `field "x": nested values are not part of the trace format`},
		{`{"t":1,"dom":"hw","ev":"a","x":[1]}`, `field "x": nested values`},
		{`{"t":1,"dom":"hw","ev":"a","t":2}`, `duplicate key "t"`},
		{`{"t":1,"dom":"hw","ev":"a"} {}`, "unexpected data after the event object"},
		{`{"t":1,"dom":"hw","ev":"a"`, "invalid JSON"},
		{`{"t":1,"dom":"hw",}`, "invalid JSON"},
	}
	for _, tc := range cases {
		_, err := scenario.ReadJSONL(strings.NewReader(tc.in))
		require.ErrorContains(t, err, tc.want, tc.in)
	}
}
