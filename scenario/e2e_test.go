package scenario_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sphere-emu/sphere-emu/hw"
	"github.com/sphere-emu/sphere-emu/scenario"
	"github.com/sphere-emu/sphere-emu/sim"
	"github.com/sphere-emu/sphere-emu/trace"
)

// runFirmware runs a stand-in for an app on a simulated board: on each
// press of button A it toggles LED1 red (GPIO 8), logs a count and writes
// to ISU0 (wired in loopback); button B sets PWM 2/0 to full brightness.
// It returns the trace as JSON lines and the recorded events.
func runFirmware(t *testing.T, s *scenario.Scenario, until int64) ([]byte, []trace.Event) {
	t.Helper()
	w := sim.New(1)
	rec := &trace.Recorder{}
	var out bytes.Buffer
	jsonl := trace.NewJSONL(&out)
	tr := trace.New(w.Now, rec, jsonl)
	b := hw.NewBoard(tr, w.Now, w.Schedule)
	require.NoError(t, b.GPIO.ConfigureInput(hw.ButtonA))
	require.NoError(t, b.GPIO.ConfigureInput(hw.ButtonB))
	require.NoError(t, b.GPIO.ConfigureOutput(8, 1))
	led, count := uint8(1), 0
	lastA, lastB := uint8(1), uint8(1)
	b.OnInput(func() {
		a, _ := b.GPIO.Get(hw.ButtonA)
		bb, _ := b.GPIO.Get(hw.ButtonB)
		if a == 0 && lastA == 1 {
			count++
			led ^= 1
			b.GPIO.Set(8, led)
			tr.Emit(trace.Appcore, "app.log", trace.Str("cid", "fw"), trace.Str("line", fmt.Sprintf("count=%d", count)))
			b.UART[0].Write([]byte(fmt.Sprintf("Hello %d\r\n", count)))
		}
		if bb == 0 && lastB == 1 {
			b.PWM[2].Apply(0, 1_000_000, 1_000_000, 0, true)
		}
		lastA, lastB = a, bb
	})
	require.NoError(t, s.Apply(w.Schedule, b))
	w.Schedule(until, func() { tr.Emit(trace.Kernel, "app.exit", trace.Str("cid", "fw"), trace.Int("code", 0)) })
	w.Run(until)
	require.NoError(t, jsonl.Flush())
	return out.Bytes(), rec.Events()
}

func TestScenarioDrivesARunAndJudgesItsTrace(t *testing.T) {
	s, err := scenario.Load("testdata/blink.json")
	require.NoError(t, err)
	data, events := runFirmware(t, s, s.Duration)
	results := s.Check(events, s.Duration)
	for _, r := range results {
		t.Log(r)
	}
	require.True(t, scenario.AllOK(results))
	require.Equal(t, "GPIO 8 toggled 3 times by 5s", results[0].Detail)
	require.Equal(t, `3 of 3 log lines matched "^count=\\d+$" by the end (5s)`, results[2].Detail)

	// The same scenario gives the same trace, and the recorded trace gives the same verdicts.
	again, _ := runFirmware(t, s, s.Duration)
	require.Equal(t, string(data), string(again))
	read, err := scenario.ReadJSONL(bytes.NewReader(data))
	require.NoError(t, err)
	require.Equal(t, results, s.Check(read, s.Duration))

	more, err := scenario.Parse([]byte(`{
		"inputs": [{"at": "1s", "button": "A"}, {"at": "2s", "button": "B", "action": "press"}],
		"expect": [
			{"uart_tx": {"isu": 0, "contains": "Hello 1\r\n"}, "by": "1001ms"},
			{"pwm": {"controller": 2, "channel": 0}, "duty_ns": 1000000, "enabled": true, "by": "2s"},
			{"event": "gpio.drive", "fields": {"gpio": 13}, "name": "button B was pressed"},
			{"event": "uart.tx", "count": 1}
		]}`))
	require.NoError(t, err)
	_, events = runFirmware(t, more, 3*sim.Second)
	results = more.Check(events, 3*sim.Second)
	require.Equal(t, []bool{true, true, true, true}, []bool{results[0].OK, results[1].OK, results[2].OK, results[3].OK}, "%v", results)
	require.Equal(t, "PWM 2 channel 0 at 2s: period 1000000 ns, duty 1000000 ns, polarity 0, enabled (applied at 2s)", results[1].Detail)
}
