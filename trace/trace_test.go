package trace_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sphere-emu/sphere-emu/trace"
)

func TestJSONLIsValidJSONInFieldOrder(t *testing.T) {
	var buf bytes.Buffer
	jl := trace.NewJSONL(&buf)
	tr := trace.New(func() int64 { return 1234 }, jl)
	tr.Emit(trace.Kernel, "app.log", trace.Str("line", "quote\" back\\ nl\n tab\t esc\x1b bad\xff é"), trace.Int("n", -5), trace.Uint("u", 7), trace.Bool("ok", true))
	require.NoError(t, jl.Flush())
	line := buf.String()
	require.True(t, strings.HasPrefix(line, `{"t":1234,"dom":"kernel","ev":"app.log","line":`), line)
	require.True(t, strings.HasSuffix(line, `,"n":-5,"u":7,"ok":true}`+"\n"), line)
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(line), &m))
	require.Equal(t, "quote\" back\\ nl\n tab\t esc\x1b bad\ufffd é", m["line"])
}

func TestTextEscapesControlCharacters(t *testing.T) {
	var buf bytes.Buffer
	tr := trace.New(func() int64 { return 1_500_000_000 }, trace.NewText(&buf, false))
	tr.Emit(trace.Appcore, "app.log", trace.Str("cid", "c"), trace.Str("line", "red \x1b[31mALERT\x1b[0m\rX"))
	require.Equal(t, `[   1.500000s] appcore  app: red \x1b[31mALERT\x1b[0m\x0dX`+"\n", buf.String())
}

func TestTextHidesChattyEventsUnlessVerbose(t *testing.T) {
	var quiet, loud bytes.Buffer
	tr := trace.New(func() int64 { return 0 }, trace.NewText(&quiet, false), trace.NewText(&loud, true))
	tr.Emit(trace.Kernel, "mbox.send", trace.Str("from", "kernel"))
	tr.Emit(trace.HW, "gpio.set", trace.Int("gpio", 8), trace.Int("value", 0))
	require.Equal(t, 1, strings.Count(quiet.String(), "\n"))
	require.Equal(t, 2, strings.Count(loud.String(), "\n"))
	require.Contains(t, quiet.String(), "GPIO 8 <- low")
}

func TestRecorderFirstMatchesFields(t *testing.T) {
	rec := &trace.Recorder{}
	tr := trace.New(func() int64 { return 0 }, rec)
	tr.Emit(trace.Pluton, "stage.verify", trace.Str("stage", "1bl"), trace.Bool("ok", false))
	tr.Emit(trace.Pluton, "stage.verify", trace.Str("stage", "1bl"), trace.Bool("ok", true))
	e, ok := rec.First("stage.verify", "ok", "true")
	require.True(t, ok)
	require.Equal(t, "1bl", e.Str("stage"))
	_, ok = rec.First("stage.verify", "stage", "kernel")
	require.False(t, ok)
	require.Len(t, rec.Named("stage.verify"), 2)
}

func TestNilTracerIsSafe(t *testing.T) {
	var tr *trace.Tracer
	tr.Emit(trace.HW, "x")
	require.False(t, tr.Enabled())
}
