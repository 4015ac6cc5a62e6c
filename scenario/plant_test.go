package scenario_test

import (
	"bytes"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sphere-emu/sphere-emu/hw"
	"github.com/sphere-emu/sphere-emu/scenario"
	"github.com/sphere-emu/sphere-emu/sim"
	"github.com/sphere-emu/sphere-emu/trace"
)

const sec = 1000 * ms

// code is what the ADC converts v volts to with the 2.5 V reference.
func code(v float64) uint32 { return uint32(math.Round(v / 2.5 * 4095)) }

// heat is the closed-form temperature of the thermal plant used below
// (ambient 20 °C, heat_rate 0.5 °C/s, cool_rate 0.004/s) after dt ns.
func heat(temp float64, on bool, dt int64) float64 {
	eq := 20.0
	if on {
		eq += 0.5 / 0.004
	}
	return eq + (temp-eq)*math.Exp(-0.004*float64(dt)/1e9)
}

const thermalJSON = `{"kind":"thermal","heater_gpio":4,"adc_channel":0,"volts_per_degree":0.01,` +
	`"start":20,"ambient":20,"heat_rate":0.5,"cool_rate":0.004,"tick":"100ms"}`

func TestThermalPlantSamplesTheHeaterEachTick(t *testing.T) {
	r := newRig(t, `{"inputs":[{"at":"1s","plant":`+thermalJSON+`}]}`)
	sample := func() uint32 {
		v, err := r.board.ADC.Sample(0)
		require.NoError(t, err)
		return v
	}
	r.clock.runTo(999 * ms)
	require.Zero(t, sample(), "the plant has not started")
	r.clock.runTo(1 * sec)
	require.Equal(t, code(0.2), sample(), "20 °C at 10 mV/°C")

	// An input pin (even one pulled high) is not a heater that runs.
	require.NoError(t, r.board.GPIO.ConfigureInput(4))
	r.clock.runTo(2050 * ms)
	require.Equal(t, code(0.2), sample())
	// The app drives the heater on between two ticks: the plant sees it at the next one, 2.1 s.
	require.NoError(t, r.board.GPIO.ConfigureOutput(4, 1))
	r.clock.runTo(2100 * ms)
	require.Equal(t, code(0.2), sample())
	r.clock.runTo(7150 * ms) // between ticks the temperature follows the exact solution
	require.Equal(t, code(0.01*heat(20, true, 5050*ms)), sample())
	r.clock.runTo(12100 * ms)
	hot := heat(20, true, 10*sec)
	require.Equal(t, code(0.01*hot), sample())
	require.InDelta(t, 24.9, hot, 0.01)

	// Off at 12.15 s: the heater still counts until the tick at 12.2 s, then the water cools.
	r.clock.runTo(12150 * ms)
	require.NoError(t, r.board.GPIO.Set(4, 0))
	r.clock.runTo(12200 * ms)
	top := heat(20, true, 10100*ms)
	require.Equal(t, code(0.01*top), sample())
	r.clock.runTo(62200 * ms)
	require.Equal(t, code(0.01*heat(top, false, 50*sec)), sample())
	require.Len(t, r.clock.queue, 1, "one tick is pending at a time")
	require.Equal(t, 62300*ms, r.clock.queue[0].at, "ticks fall on start + k·tick")

	inputs := r.rec.Named("adc.input")
	require.Len(t, inputs, 1, "the plant sets its channel's source once")
	require.Equal(t, "function", inputs[0].Str("source"))
	require.Equal(t, 1*sec, inputs[0].T)
}

func TestThermalPlantActiveLowHeater(t *testing.T) {
	r := newRig(t, `{"inputs":[{"at":"0s","plant":{"kind":"thermal","heater_gpio":9,"heater_active":"low",
		"adc_channel":3,"volts_per_degree":0.02,"volts_offset":0.5,"ambient":20,"heat_rate":0.5,"cool_rate":0.004,"tick":"1s"}}]}`)
	sample := func() uint32 {
		v, err := r.board.ADC.Sample(3)
		require.NoError(t, err)
		return v
	}
	require.NoError(t, r.board.GPIO.ConfigureOutput(9, 1)) // high: off
	r.clock.runTo(10 * sec)
	require.Equal(t, code(0.5+0.02*20), sample(), "start defaults to ambient; the offset is added")
	require.NoError(t, r.board.GPIO.Set(9, 0)) // low: on, seen at the tick at 10 s? no: it already ran
	r.clock.runTo(20 * sec)
	require.Equal(t, code(0.5+0.02*heat(20, true, 9*sec)), sample(), "on from the tick at 11 s")
}

// closedLoop runs a bang-bang controller on the simulation's clock against
// the thermal plant: every 100 ms it samples ADC channel 0 and switches the
// heater (GPIO 4) on below 58 °C and off above 62 °C. It returns the trace as
// JSON lines, the temperatures it read and the heater's switch count.
func closedLoop(t *testing.T, s *scenario.Scenario, until int64) ([]byte, []float64, int) {
	t.Helper()
	w := sim.New(1)
	var out bytes.Buffer
	jsonl := trace.NewJSONL(&out)
	b := hw.NewBoard(trace.New(w.Now, jsonl), w.Now, w.Schedule)
	require.NoError(t, s.Apply(w.Schedule, b))
	require.NoError(t, b.GPIO.ConfigureOutput(4, 0))
	var temps []float64
	heater, switches := uint8(0), 0
	var control func()
	control = func() {
		c, err := b.ADC.Sample(0)
		require.NoError(t, err)
		temp := float64(c) * 2.5 / 4095 / 0.01
		temps = append(temps, temp)
		next := heater
		switch {
		case temp < 58:
			next = 1
		case temp > 62:
			next = 0
		}
		if next != heater {
			heater = next
			switches++
			require.NoError(t, b.GPIO.Set(4, heater))
		}
		w.After(100*ms, control)
	}
	w.Schedule(60*ms, control)
	w.Run(until)
	require.NoError(t, jsonl.Flush())
	return out.Bytes(), temps, switches
}

func TestThermalPlantInAClosedLoop(t *testing.T) {
	s, err := scenario.Parse([]byte(`{"inputs":[{"at":"0s","plant":` + thermalJSON + `}]}`))
	require.NoError(t, err)
	data, temps, switches := closedLoop(t, s, 600*sec)
	require.Len(t, temps, 6000)
	require.InDelta(t, 20, temps[0], 0.1)
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range temps[1200:] { // from minute 2
		lo, hi = min(lo, v), max(hi, v)
	}
	t.Logf("from 2 min: %.2f to %.2f °C, %d heater switches", lo, hi, switches)
	require.Greater(t, lo, 57.8)
	require.Less(t, hi, 62.2)
	require.Greater(t, switches, 20, "the controller regulates")

	again, _, _ := closedLoop(t, s, 600*sec)
	require.Equal(t, string(data), string(again), "the same run gives the same trace")
}

func TestTankPlantDrainsAndIsRefilled(t *testing.T) {
	r := newRig(t, `{"inputs":[{"at":"1s","plant":{"kind":"tank","adc_channel":1,"volts_full":2.0,
		"start_percent":30,"drain_percent_per_minute":5,"refill_at":"3m","refill_percent":90}}]}`)
	sample := func() uint32 {
		v, err := r.board.ADC.Sample(1)
		require.NoError(t, err)
		return v
	}
	steps := []struct {
		at   int64
		want float64 // volts
	}{
		{500 * ms, 0},
		{1 * sec, 0.6},   // 30 %
		{61 * sec, 0.5},  // 25 %
		{121 * sec, 0.4}, // 20 %
		{180*sec - 1, 2.0 * (30 - 5*(180-1-1e-9)/60.0) / 100}, // just before the refill
		{180 * sec, 1.8}, // 90 %
		{240 * sec, 1.7}, // 85 %
		{1800 * sec, 0},  // empty stays empty
	}
	for _, st := range steps {
		r.clock.runTo(st.at)
		require.Equal(t, code(st.want), sample(), "at %s", fmtT(st.at))
	}
	var when []string
	for _, e := range r.rec.Named("adc.input") {
		when = append(when, fmtT(e.T))
	}
	require.Equal(t, []string{"1s", "3m0s"}, when, "the plant sets its source at the start and at the refill")
	require.Empty(t, r.clock.queue, "a tank needs no ticks")
}

func TestPlantsInTheHorizonAndTheBoardCheck(t *testing.T) {
	s, err := scenario.Parse([]byte(`{"inputs":[
		{"at":"2s","plant":` + thermalJSON + `},
		{"at":"1s","plant":{"kind":"tank","adc_channel":1,"volts_full":2,"start_percent":50,"drain_percent_per_minute":1,"refill_at":"8m"}}]}`))
	require.NoError(t, err)
	require.EqualValues(t, 480*sec, s.Horizon())
	c := &fakeClock{}
	require.ErrorContains(t, s.Apply(c.Schedule, &hw.Board{}), "inputs[0]: the board has no GPIO bank")
	require.ErrorContains(t, s.Apply(c.Schedule, &hw.Board{GPIO: hw.NewGPIO(nil)}), "inputs[0]: the board has no ADC")
	require.Empty(t, c.queue)
}

func TestPlantProblems(t *testing.T) {
	thermal := func(extra string) string {
		return `{"inputs":[{"at":"0s","plant":{"kind":"thermal","heater_gpio":4,"adc_channel":0,"volts_per_degree":0.01,` +
			`"ambient":20,"heat_rate":0.5,"cool_rate":0.004` + extra + `}}]}`
	}
	tank := func(extra string) string {
		return `{"inputs":[{"at":"1m","plant":{"kind":"tank","adc_channel":1,"volts_full":2,"start_percent":30,` +
			`"drain_percent_per_minute":5` + extra + `}}]}`
	}
	cases := []struct{ src, want string }{
		{`{"inputs":[{"at":"0s","plant":{"kind":"thermos"}}]}`, `inputs[0].plant.kind: "thermos" is not a plant; did you mean "thermal"?`},
		{`{"inputs":[{"at":"0s","plant":{"kind":"boiler","x":1}}]}`, `inputs[0].plant.kind: "boiler" is not a plant: want "thermal", "tank"`},
		{`{"inputs":[{"at":"0s","plant":{"heater_gpio":4}}]}`, `inputs[0].plant.kind: missing; it is required`},
		{strings.Replace(thermal(""), `"heater_gpio":4`, `"heater_gpio":30`, 1), `inputs[0].plant.heater_gpio: the plant cannot see whether GPIO 30 is driven: want a GPIO of 0–23 or 41–48`},
		{thermal(`,"heater_active":"on"`), `inputs[0].plant.heater_active: "on": want "high"`},
		{thermal(`,"tick":"10us"`), `inputs[0].plant.tick: 10µs is too short: want at least 1ms`},
		{thermal(`,"cool_rate":-1`), `duplicate key "cool_rate"`},
		{strings.Replace(thermal(""), `0.004`, `-0.1`, 1), `inputs[0].plant.cool_rate: -0.1 is negative`},
		{strings.Replace(thermal(""), `"volts_per_degree":0.01`, `"volts_per_degree":0`, 1), `inputs[0].plant.volts_per_degree: must not be 0`},
		{strings.Replace(thermal(""), `"ambient":20,`, ``, 1), `inputs[0].plant.ambient: missing; it is required`},
		{thermal(`,"volts_full":2`), `inputs[0].plant.volts_full: unknown key`},
		{tank(`,"refill_at":"30s"`), `inputs[0].plant.refill_at: 30s is before the tank starts (1m0s)`},
		{tank(`,"refill_percent":80`), `inputs[0].plant.refill_percent: only a tank with refill_at is refilled`},
		{tank(`,"refill_at":"2m","refill_percent":101`), `inputs[0].plant.refill_percent: 101 % is out of range: want 0 to 100`},
		{strings.Replace(tank(""), `"start_percent":30`, `"start_percent":-3`, 1), `inputs[0].plant.start_percent: -3 % is out of range`},
		{tank(`,"volts_empty":2`), `inputs[0].plant.volts_full: equals volts_empty (2 V)`},
		{tank(`,"tick":"1s"`), `inputs[0].plant.tick: unknown key`},
		{strings.Replace(tank(""), `}}]}`, `},"repeat":{"every":"1s","count":2}}]}`, 1), `inputs[0].repeat: a plant runs from its start to the end of the run; it cannot repeat`},
	}
	for _, tc := range cases {
		_, err := scenario.Parse([]byte(tc.src))
		require.Error(t, err, tc.src)
		require.Contains(t, err.Error(), tc.want, tc.src)
	}
	// The valid ones parse, in YAML too.
	for _, src := range []string{thermal(""), thermal(`,"heater_active":"low","tick":"1ms","start":80,"volts_offset":0.5`), tank(`,"refill_at":"1m"`),
		"inputs:\n- at: 0s\n  plant: {kind: tank, adc_channel: 7, volts_full: 1.8, volts_empty: 0.2, start_percent: 100, drain_percent_per_minute: 0}\n"} {
		_, err := scenario.Parse([]byte(src))
		require.NoError(t, err, src)
	}
}

func TestLogValue(t *testing.T) {
	tele := func(at int64, temp string) trace.Event {
		return logLine(at, fmt.Sprintf("telemetry: temp=%s C rinse=27 %% heater=on setpoint=60 C", temp))
	}
	events := []trace.Event{
		logLine(0, "starting"),
		tele(1*sec, "20.0"),
		tele(2*sec, "58.5"),
		tele(3*sec, "61.9"),
		tele(4*sec, "63.2"),
		tele(5*sec, "60.0"),
		ev(5*sec, trace.HW, "rt.uart", trace.Str("core", "0"), trace.Str("line", "dw100-rt: temp=60.1 heater=off")),
	}
	cases := []struct {
		src    string
		ok     bool
		desc   string
		detail string
	}{
		{`{"log_value":{"matches":"temp=(\\d+\\.\\d)","min":57,"max":63},"after":"2s"}`, false,
			`log_value "temp=(\\d+\\.\\d)" in [57, 63] after 2s`,
			`4 values from log lines matching "temp=(\\d+\\.\\d)" between 2s and the end (10s): 58.5 to 63.2, the last 60; 1 not in [57, 63], the first "63.2" at 4s: "telemetry: temp=63.2 C rinse=27 % heater=on setpoint=60 C"`},
		{`{"log_value":{"matches":"temp=(\\d+\\.\\d)","min":57,"max":63},"after":"2s","by":"3s","count":2}`, true,
			`log_value "temp=(\\d+\\.\\d)" in [57, 63] count 2 between 2s and 3s`,
			`2 values from log lines matching "temp=(\\d+\\.\\d)" between 2s and 3s: 58.5 to 61.9, the last 61.9`},
		{`{"log_value":{"matches":"temp=(\\d+\\.\\d)","min":57},"after":"2s","count":{"min":10}}`, false,
			`log_value "temp=(\\d+\\.\\d)" ≥ 57 count ≥ 10 after 2s`,
			`4 values from log lines matching "temp=(\\d+\\.\\d)" between 2s and the end (10s): 58.5 to 63.2, the last 60, want ≥ 10`},
		{`{"log_value":{"matches":"temp=\\S+","max":100}}`, false,
			`log_value "temp=\\S+" ≤ 100`,
			`0 values from log lines matching "temp=\\S+" by the end (10s), want ≥ 1; 5 not numbers, the first "temp=20.0" at 1s: "telemetry: temp=20.0 C rinse=27 % heater=on setpoint=60 C"`},
		{`{"log_value":{"matches":"temp=([0-9.]+)","min":60,"max":61,"stream":"rt"}}`, true,
			`log_value "temp=([0-9.]+)" in [60, 61] on the RT UART`,
			`1 value from RT UART lines matching "temp=([0-9.]+)" by the end (10s): 60.1 to 60.1, the last 60.1`},
		{`{"log_value":{"matches":"pressure=(\\d+)","min":1}}`, false,
			`log_value "pressure=(\\d+)" ≥ 1`,
			`0 values from log lines matching "pressure=(\\d+)" by the end (10s), want ≥ 1`},
	}
	for _, tc := range cases {
		s, err := scenario.Parse([]byte(`{"expect":[` + tc.src + `]}`))
		require.NoError(t, err, tc.src)
		require.Equal(t, []string{tc.desc}, s.Expectations())
		r := s.Check(events, 10*sec)
		require.Equal(t, tc.ok, r[0].OK, "%s: %s", tc.src, r[0])
		require.Equal(t, tc.detail, r[0].Detail, tc.src)
	}
	for _, tc := range []struct{ src, want string }{
		{`{"log_value":{"matches":"x"}}`, `expect[0].log_value: a log_value expectation needs "min", "max" or both`},
		{`{"log_value":{"matches":"x","min":3,"max":2}}`, `expect[0].log_value: min 3 is greater than max 2`},
		{`{"log_value":{"min":3}}`, `expect[0].log_value.matches: missing; it is required`},
		{`{"log_value":{"matches":"(","min":3}}`, `expect[0].log_value.matches: invalid regular expression`},
		{`{"log_value":{"matches":"x","min":"3"}}`, `expect[0].log_value.min: want a number, got the string "3"`},
		{`{"log_value":{"matches":"x","mni":3}}`, `expect[0].log_value.mni: unknown key; did you mean "min"?`},
		{`{"log_value":{"matches":"x","min":3,"stream":"uart"}}`, `expect[0].log_value.stream: "uart": want "debug"`},
	} {
		_, err := scenario.Parse([]byte(`{"expect":[` + tc.src + `]}`))
		require.Error(t, err, tc.src)
		require.Contains(t, err.Error(), tc.want, tc.src)
	}
}

func TestLogOnTheRTStream(t *testing.T) {
	s, err := scenario.Parse([]byte(`{"expect":[{"log":{"contains":"heater on","stream":"rt"},"count":2},{"log":{"contains":"heater on"},"count":0}]}`))
	require.NoError(t, err)
	require.Equal(t, []string{`log contains "heater on" on the RT UART count 2`, `log contains "heater on" count 0`}, s.Expectations())
	events := []trace.Event{
		ev(1*sec, trace.HW, "rt.uart", trace.Str("core", "0"), trace.Str("line", "dw100-rt: heater on at 58.0 C")),
		ev(2*sec, trace.HW, "rt.uart", trace.Str("core", "1"), trace.Str("line", "dw100-rt: heater on at 58.0 C")),
		logLine(3*sec, "hl: nothing"),
	}
	r := s.Check(events, 5*sec)
	require.True(t, scenario.AllOK(r), "%v", r)
	require.Equal(t, `2 of 2 RT UART lines contained "heater on" by the end (5s)`, r[0].Detail)
}
