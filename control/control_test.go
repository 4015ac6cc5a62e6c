package control

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tetratelabs/wazero"

	"github.com/sphere-emu/sphere-emu/device"
)

var cache = wazero.NewCompilationCache()

// bench is a device behind the control API, served in-process.
type bench struct {
	t    *testing.T
	url  string
	done chan struct{}
}

func start(t *testing.T, img string, opts ...device.Option) *bench {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "images", img))
	require.NoError(t, err)
	d, err := device.Open(b, append([]device.Option{device.WithCache(cache)}, opts...)...)
	require.NoError(t, err)
	c := New(d, Options{})
	srv := httptest.NewServer(c)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.Loop(ctx)
		_ = d.Close()
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		srv.Close()
	})
	return &bench{t: t, url: srv.URL, done: done}
}

// do sends a request and decodes the JSON answer.
func (b *bench) do(method, path, body string) (int, map[string]any) {
	b.t.Helper()
	req, err := http.NewRequest(method, b.url+path, strings.NewReader(body))
	require.NoError(b.t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(b.t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(b.t, err)
	var v map[string]any
	require.NoError(b.t, json.Unmarshal(raw, &v), "answer %q", raw)
	assert.Equal(b.t, "application/json", resp.Header.Get("Content-Type"))
	return resp.StatusCode, v
}

func (b *bench) ok(method, path, body string) map[string]any {
	b.t.Helper()
	st, v := b.do(method, path, body)
	require.Equal(b.t, http.StatusOK, st, "%s %s: %v", method, path, v)
	return v
}

func num(v any) int64 { return int64(v.(float64)) }

func TestControlSession(t *testing.T) {
	b := start(t, "button-blink.bin")
	st := b.ok("GET", "/v1/state", "")
	assert.Equal(t, "paused", st["mode"])
	assert.Equal(t, int64(0), num(st["time_ns"]))

	// Run until the app starts, then until the LED is set.
	r := b.ok("POST", "/v1/run", `{"event":{"event":"app.start"},"for":"5s"}`)
	require.Equal(t, "event", r["stop"])
	ev := r["event"].(map[string]any)
	assert.Equal(t, "app.start", ev["ev"])
	assert.Equal(t, num(ev["t"]), num(r["state"].(map[string]any)["time_ns"]))
	r = b.ok("POST", "/v1/run", `{"event":{"event":"gpio.set","fields":{"gpio":"8"}}}`)
	require.Equal(t, "event", r["stop"])
	pin := b.ok("GET", "/v1/gpio/8", "")
	assert.Equal(t, "output", pin["direction"])
	pins := b.ok("GET", "/v1/gpio", "")
	assert.NotEmpty(t, pins["pins"])

	// A paused device does nothing.
	before := b.ok("GET", "/v1/state", "")
	after := b.ok("GET", "/v1/state", "")
	assert.Equal(t, before["events"], after["events"])
	assert.Equal(t, before["time_ns"], after["time_ns"])

	// Press button A: the app changes its blink period.
	b.ok("POST", "/v1/button/a", `{"action":"click","hold":"50ms"}`)
	r = b.ok("POST", "/v1/run", `{"event":{"event":"app.log","fields":{"line":"Blink period: 250 ms"}},"for":"1s"}`)
	require.Equal(t, "event", r["stop"])
	out := b.ok("GET", "/v1/output?since=0", "")
	assert.Contains(t, out["lines"], "Blink period: 250 ms")

	// A power cut now, then the reboot.
	b.ok("POST", "/v1/fault", `{"name":"cut","action":{"power":{"off_for":"10ms"}}}`)
	r = b.ok("POST", "/v1/run", `{"event":{"event":"power.reset"},"for":"1s"}`)
	require.Equal(t, "event", r["stop"])
	r = b.ok("POST", "/v1/run", `{"event":{"event":"app.start"},"for":"5s"}`)
	require.Equal(t, "event", r["stop"])
	v := r["state"].(map[string]any)["verdict"].(map[string]any)
	assert.Equal(t, true, v["app_running"])
	assert.Equal(t, float64(1), v["power_cuts"])
	assert.Equal(t, float64(1), v["reboots"])

	// Steps are instants; a run for a time stops there.
	s := b.ok("POST", "/v1/step", `{"count":3}`)
	assert.Equal(t, "step", s["stop"])
	now := num(s["state"].(map[string]any)["time_ns"])
	r = b.ok("POST", "/v1/run", `{"for":"250ms"}`)
	assert.Equal(t, "until", r["stop"])
	assert.Equal(t, now+250_000_000, num(r["state"].(map[string]any)["time_ns"]))

	// The trace, in pages, and a filtered read.
	tr := b.ok("GET", "/v1/trace?since=0&limit=5", "")
	assert.Len(t, tr["events"], 5)
	assert.Equal(t, float64(5), tr["next"])
	tr = b.ok("GET", "/v1/trace?since=0&limit=10000&event=fault.inject", "")
	require.Len(t, tr["events"], 1)
	assert.Equal(t, "cut", tr["events"].([]any)[0].(map[string]any)["name"])

	b.ok("POST", "/v1/adc/0", `{"volts":1.5}`)
	b.ok("POST", "/v1/gpio/13", `{"level":0}`)
	b.ok("POST", "/v1/power/cycle", `{"off_for":"5ms"}`)
	s = b.ok("POST", "/v1/step", "")
	assert.Equal(t, float64(2), s["state"].(map[string]any)["verdict"].(map[string]any)["power_cuts"])
	u := b.ok("GET", "/v1/uart/0", "")
	assert.Equal(t, "", u["text"])

	// Resume, pause.
	assert.Equal(t, "resumed", b.ok("POST", "/v1/resume", "")["mode"])
	code, e := b.do("POST", "/v1/run", `{"for":"1s"}`)
	assert.Equal(t, http.StatusConflict, code, "%v", e)
	assert.Equal(t, "paused", b.ok("POST", "/v1/pause", "")["mode"])

	b.ok("POST", "/v1/quit", "")
	<-b.done
	code, e = b.do("GET", "/v1/state", "")
	assert.Equal(t, http.StatusServiceUnavailable, code, "%v", e)
}

// Malformed requests get a clear 4xx and leave the emulator serving.
func TestControlBadRequests(t *testing.T) {
	b := start(t, "blink.bin")
	for _, c := range []struct {
		method, path, body string
		status             int
		msg                string
	}{
		{"GET", "/nope", "", 404, "no route"},
		{"GET", "/v1/nope", "", 404, "no route"},
		{"GET", "/v1/state/x", "", 404, "no route"},
		{"POST", "/v1/state", "", 405, "use GET"},
		{"GET", "/v1/run", "", 405, "use POST"},
		{"POST", "/v1/run", "{", 400, "body"},
		{"POST", "/v1/run", "[]", 400, "want"},
		{"POST", "/v1/run", `{}`, 400, "give until, for or event"},
		{"POST", "/v1/run", `{"for":"1s","until":"2s"}`, 400, "give one"},
		{"POST", "/v1/run", `{"for":"-1s"}`, 400, "negative"},
		{"POST", "/v1/run", `{"for":"soon"}`, 400, "not a duration"},
		{"POST", "/v1/run", `{"for":1.5}`, 400, "nanoseconds"},
		{"POST", "/v1/run", `{"for":"1s","x":1}`, 400, "unknown field"},
		{"POST", "/v1/run", `{"for":"1s"} {}`, 400, "continues"},
		{"POST", "/v1/run", `{"event":{}}`, 400, "event.event"},
		{"POST", "/v1/run", `{"event":{"event":"x","nth":-1}}`, 400, "nth"},
		{"POST", "/v1/step", `{"count":0}`, 400, "count"},
		{"POST", "/v1/step", `{"count":"1"}`, 400, "count"},
		{"POST", "/v1/pause", `{"x":1}`, 400, "unknown field"},
		{"POST", "/v1/fault", ``, 400, "one JSON object"},
		{"POST", "/v1/fault", `{"action":{}}, {"action":{}}`, 400, "one JSON object"},
		{"POST", "/v1/fault", `{"action":{"power":{"off_for":"x"}}}`, 400, "fault"},
		{"POST", "/v1/fault", `{"action":{"bogus":{}}}`, 400, "bogus"},
		{"POST", "/v1/fault", `{"action":{"flash":{"flip":{"partition":"nope","offset":0}}}}`, 422, "nope"},
		{"GET", "/v1/gpio/99", "", 404, "no GPIO"},
		{"GET", "/v1/gpio/x", "", 404, "no GPIO"},
		{"POST", "/v1/gpio/12", `{"level":2}`, 400, "level"},
		{"POST", "/v1/gpio/12", ``, 400, "level"},
		{"DELETE", "/v1/gpio/12", ``, 405, "use GET or POST"},
		{"POST", "/v1/button/c", ``, 404, "no button"},
		{"POST", "/v1/button/a", `{"action":"smash"}`, 400, "action"},
		{"POST", "/v1/button/a", `{"action":"press","hold":"1s"}`, 400, "hold"},
		{"POST", "/v1/adc/8", `{"volts":1}`, 404, "ADC channel"},
		{"POST", "/v1/adc/0", `{}`, 400, "volts"},
		{"POST", "/v1/adc/0", `{"volts":-1}`, 400, "volts"},
		{"GET", "/v1/uart/5", "", 404, "ISU"},
		{"GET", "/v1/trace?since=-1", "", 400, "since"},
		{"GET", "/v1/trace?limit=0", "", 400, "limit"},
		{"POST", "/v1/power/off", `{"off_for":"1s"}`, 400, "power/cycle"},
		{"POST", "/v1/power/on", ``, 404, "power/cycle"},
		{"POST", "/v1/run", strings.Repeat(" ", MaxBody+1), 413, "bytes"},
	} {
		t.Run(c.method+" "+c.path+" "+c.body[:min(len(c.body), 40)], func(t *testing.T) {
			st, v := b.do(c.method, c.path, c.body)
			assert.Equal(t, c.status, st, "%v", v)
			assert.Contains(t, v["error"], c.msg)
		})
	}
	// Still serving, still at time 0: nothing ran.
	st := b.ok("GET", "/v1/state", "")
	assert.Equal(t, int64(0), num(st["time_ns"]))
	assert.Equal(t, "paused", st["mode"])
}

func TestControlHaltedDevice(t *testing.T) {
	b := start(t, "blink.bin")
	b.ok("POST", "/v1/fault", `{"action":{"flash":{"flip":{"partition":"kernel","offset":64,"bit":2}}}}`)
	r := b.ok("POST", "/v1/run", `{"for":"5s"}`)
	assert.Equal(t, "halt", r["stop"])
	v := r["state"].(map[string]any)["verdict"].(map[string]any)
	assert.Equal(t, true, v["halted"])
	assert.Equal(t, "kernel", v["halt_stage"])
	for _, p := range []string{"/v1/resume", "/v1/power/cycle", "/v1/button/a"} {
		st, e := b.do("POST", p, "")
		assert.Equal(t, http.StatusConflict, st, "%s: %v", p, e)
	}
	assert.Equal(t, "halt", b.ok("POST", "/v1/step", "")["stop"])
}

// The same control calls at the same virtual times give the same trace.
func TestControlDeterministic(t *testing.T) {
	session := func() []byte {
		b := start(t, "button-blink.bin", device.WithSeed(3))
		b.ok("POST", "/v1/run", `{"until":"1200ms"}`)
		b.ok("POST", "/v1/button/a", `{"hold":"30ms"}`)
		b.ok("POST", "/v1/fault", `{"action":{"message":{"from":"appcore","to":"kernel","op":"flip"}}}`)
		b.ok("POST", "/v1/run", `{"event":{"event":"gpio.set","nth":4},"for":"2s"}`)
		b.ok("POST", "/v1/power/cycle", `{}`)
		b.ok("POST", "/v1/run", `{"for":"1s"}`)
		tr := b.ok("GET", "/v1/trace?limit=10000", "")
		raw, err := json.Marshal(tr["events"])
		require.NoError(t, err)
		return raw
	}
	first, second := session(), session()
	assert.True(t, bytes.Equal(first, second), "two sessions differ")
	assert.Greater(t, len(first), 1000)
}
