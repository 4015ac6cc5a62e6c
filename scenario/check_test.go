package scenario_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sphere-emu/sphere-emu/scenario"
	"github.com/sphere-emu/sphere-emu/trace"
)

const ms = int64(1_000_000)

func ev(t int64, dom, name string, fields ...trace.Field) trace.Event {
	return trace.Event{T: t, Dom: dom, Ev: name, Fields: fields}
}

func gpioSet(t int64, pin, v int64) trace.Event {
	return ev(t, trace.HW, "gpio.set", trace.Int("gpio", pin), trace.Int("value", v))
}

func uartTx(t int64, isu int64, data trace.Field) trace.Event {
	return ev(t, trace.HW, "uart.tx", trace.Int("isu", isu), trace.Int("len", 0), data)
}

func logLine(t int64, line string) trace.Event {
	return ev(t, trace.Appcore, "app.log", trace.Str("cid", "c"), trace.Str("line", line))
}

func pwmSet(t int64, ctrl, ch, period, duty int64, enabled bool) trace.Event {
	return ev(t, trace.HW, "pwm.set", trace.Int("controller", ctrl), trace.Int("ch", ch),
		trace.Int("period_ns", period), trace.Int("duty_ns", duty), trace.Int("polarity", 0), trace.Bool("enabled", enabled))
}

// blinky is a trace: LED1 red (GPIO 8) configured off at 100 ms and
// toggled every 500 ms from 1 s, output on ISU0, log lines, a PWM change
// and a clean exit at 4 s.
var blinky = []trace.Event{
	gpioSet(100*ms, 8, 1),
	logLine(200*ms, "starting"),
	gpioSet(1000*ms, 8, 0),
	logLine(1000*ms, "LED1 red on"),
	uartTx(1000*ms, 0, trace.Str("text", "Hel")),
	gpioSet(1500*ms, 8, 1),
	uartTx(1500*ms, 0, trace.Str("hex", "6c6f0d0a")),
	logLine(1500*ms, "count=1"),
	gpioSet(1600*ms, 8, 1), // the same level again: not a toggle
	pwmSet(1700*ms, 2, 0, 20000, 5000, true),
	gpioSet(2000*ms, 8, 0),
	logLine(2000*ms, "count=2"),
	ev(2000*ms, trace.Appcore, "app.output", trace.Str("cid", "c"), trace.Str("stream", "stderr"), trace.Str("line", "error: sensor")),
	gpioSet(2500*ms, 8, 1),
	pwmSet(3000*ms, 2, 0, 20000, 600000, false),
	uartTx(3000*ms, 1, trace.Str("text", "Hello")),
	ev(4000*ms, trace.Kernel, "app.exit", trace.Str("cid", "c"), trace.Int("code", 0), trace.Int("signal", 0)),
}

func TestCheck(t *testing.T) {
	cases := []struct {
		name   string
		expect string
		end    int64
		want   scenario.Result
	}{
		{"toggles pass", `{"gpio":8,"toggles":{"min":3},"by":"5s"}`, 4000 * ms,
			scenario.Result{"gpio 8 toggles ≥ 3 by 5s", true, "GPIO 8 toggled 4 times by 5s (the run ended at 4s, before 5s)"}},
		{"toggles fail", `{"gpio":8,"toggles":{"min":3},"by":"1999ms"}`, 4000 * ms,
			scenario.Result{"gpio 8 toggles ≥ 3 by 1.999s", false, "GPIO 8 toggled 2 times by 1.999s, want ≥ 3"}},
		{"toggles at the deadline count", `{"gpio":8,"toggles":{"min":3},"by":"2s"}`, 4000 * ms,
			scenario.Result{"gpio 8 toggles ≥ 3 by 2s", true, "GPIO 8 toggled 3 times by 2s"}},
		{"toggles window", `{"gpio":8,"toggles":2,"after":"1200ms","by":"2200ms"}`, 4000 * ms,
			scenario.Result{"gpio 8 toggles 2 between 1.2s and 2.2s", true, "GPIO 8 toggled 2 times between 1.2s and 2.2s"}},
		{"toggles max", `{"gpio":8,"toggles":{"max":1}}`, 4000 * ms,
			scenario.Result{"gpio 8 toggles ≤ 1", false, "GPIO 8 toggled 4 times by the end (4s), want ≤ 1"}},
		{"never driven", `{"gpio":9,"toggles":{"min":1}}`, 4000 * ms,
			scenario.Result{"gpio 9 toggles ≥ 1", false, "GPIO 9 was never driven as an output by the end (4s), want toggles ≥ 1"}},
		{"never driven, none wanted", `{"gpio":9,"toggles":0}`, 4000 * ms,
			scenario.Result{"gpio 9 toggles 0", true, "GPIO 9 was never driven as an output by the end (4s), want toggles 0"}},
		{"level", `{"gpio":8,"level":0,"by":"2200ms"}`, 4000 * ms,
			scenario.Result{"gpio 8 level 0 by 2.2s", true, "GPIO 8 was 0 at 2.2s (since 2s)"}},
		{"level fail and toggles", `{"gpio":8,"level":0,"toggles":{"min":1},"name":"LED on at the end"}`, 4000 * ms,
			scenario.Result{"LED on at the end", false, "GPIO 8 toggled 4 times by the end (4s); GPIO 8 was 1 at the end (4s) (since 2.5s), want 0"}},
		{"uart contains across writes", `{"uart_tx":{"isu":0,"contains":"Hello\r\n"}}`, 4000 * ms,
			scenario.Result{`uart_tx isu 0 contains "Hello\r\n"`, true, `ISU0 sent 7 bytes by the end (4s); "Hello\r\n" found 1 time`}},
		{"uart other isu", `{"uart_tx":{"isu":1,"contains":"Hello"},"by":"2s"}`, 4000 * ms,
			scenario.Result{`uart_tx isu 1 contains "Hello" by 2s`, false, `ISU1 sent 0 bytes by 2s; "Hello" found 0 times, want ≥ 1`}},
		{"uart hex", `{"uart_tx":{"isu":0,"hex":"0D0A"},"count":{"min":2}}`, 4000 * ms,
			scenario.Result{"uart_tx isu 0 contains hex 0d0a count ≥ 2", false, `ISU0 sent 7 bytes by the end (4s); hex 0d0a found 1 time, want ≥ 2; it sent "Hello\r\n"`}},
		{"uart matches", `{"uart_tx":{"isu":0,"matches":"l"},"count":2}`, 4000 * ms,
			scenario.Result{`uart_tx isu 0 matches "l" count 2`, true, `ISU0 sent 7 bytes by the end (4s); the pattern "l" found 2 times`}},
		{"log contains", `{"log":{"contains":"LED1 red on"},"by":"2s"}`, 4000 * ms,
			scenario.Result{`log contains "LED1 red on" by 2s`, true, `1 of 4 log lines contained "LED1 red on" by 2s`}},
		{"log matches count", `{"log":{"matches":"^count=\\d+$"},"count":{"min":3}}`, 4000 * ms,
			scenario.Result{`log matches "^count=\\d+$" count ≥ 3`, false, `2 of 4 log lines matched "^count=\\d+$" by the end (4s), want ≥ 3; last line: "count=2"`}},
		{"log stderr", `{"log":{"contains":"error","stream":"stderr"},"count":0}`, 4000 * ms,
			scenario.Result{`log contains "error" on stderr count 0`, false, `1 of 1 stderr lines contained "error" by the end (4s), want 0; last line: "error: sensor"`}},
		{"log any", `{"log":{"contains":"o","stream":"any"},"count":4}`, 4000 * ms,
			scenario.Result{`log contains "o" on any stream count 4`, true, `4 of 5 output lines contained "o" by the end (4s)`}},
		{"log none at all", `{"log":{"contains":"x"},"by":"100ms"}`, 4000 * ms,
			scenario.Result{`log contains "x" by 100ms`, false, `0 of 0 log lines contained "x" by 100ms, want ≥ 1`}},
		{"pwm duty", `{"pwm":{"controller":2,"channel":0},"duty_ns":{"min":500000},"by":"2s"}`, 4000 * ms,
			scenario.Result{"pwm 2/0 duty_ns ≥ 500000 by 2s", false, "PWM 2 channel 0 at 2s: period 20000 ns, duty 5000 ns, polarity 0, enabled (applied at 1.7s); want duty ≥ 500000 ns"}},
		{"pwm at end", `{"pwm":{"controller":2,"channel":0},"duty_ns":{"min":500000},"enabled":false,"period_ns":20000,"polarity":0}`, 4000 * ms,
			scenario.Result{"pwm 2/0 period_ns 20000, duty_ns ≥ 500000, polarity 0, enabled false", true, "PWM 2 channel 0 at the end (4s): period 20000 ns, duty 600000 ns, polarity 0, disabled (applied at 3s)"}},
		{"pwm several misses", `{"pwm":{"controller":2,"channel":0},"enabled":true,"polarity":1,"period_ns":{"max":100}}`, 4000 * ms,
			scenario.Result{"pwm 2/0 period_ns ≤ 100, polarity 1, enabled true", false, "PWM 2 channel 0 at the end (4s): period 20000 ns, duty 600000 ns, polarity 0, disabled (applied at 3s); want period ≤ 100 ns, polarity 1, enabled"}},
		{"pwm never", `{"pwm":{"controller":1,"channel":3}}`, 4000 * ms,
			scenario.Result{"pwm 1/3 applied", false, "PWM 1 channel 3 was never applied by the end (4s)"}},
		{"event", `{"event":"app.exit","fields":{"code":0}}`, 4000 * ms,
			scenario.Result{"event app.exit with code=0", true, "app.exit with code=0 seen 1 time by the end (4s)"}},
		{"event wrong fields", `{"event":"app.exit","dom":"kernel","fields":{"code":"1"}}`, 4000 * ms,
			scenario.Result{"event app.exit from kernel with code=1", false, "app.exit from kernel with code=1 seen 0 times by the end (4s), want ≥ 1; the first app.exit was at 4s: cid=c code=0 signal=0"}},
		{"event after the end", `{"event":"app.exit"}`, 3000 * ms,
			scenario.Result{"event app.exit", false, "app.exit seen 0 times by the end (3s), want ≥ 1"}},
		{"event count", `{"event":"gpio.set","dom":"hw","fields":{"gpio":8},"count":{"min":2,"max":4},"after":"1s"}`, 4000 * ms,
			scenario.Result{"event gpio.set from hw with gpio=8 count 2–4 after 1s", false, "gpio.set from hw with gpio=8 seen 5 times between 1s and the end (4s), want 2–4"}},
		{"event missing field", `{"event":"app.exit","fields":{"detail":""}}`, 4000 * ms,
			scenario.Result{"event app.exit with detail=", false, "app.exit with detail= seen 0 times by the end (4s), want ≥ 1; the first app.exit was at 4s: cid=c code=0 signal=0"}},
		{"no_event pass", `{"no_event":"app.crash"}`, 4000 * ms,
			scenario.Result{"no_event app.crash", true, "app.crash seen 0 times by the end (4s)"}},
		{"no_event fail", `{"no_event":"app.log","fields":{"line":"count=2"},"name":"no second count"}`, 4000 * ms,
			scenario.Result{"no second count", false, `app.log with line=count=2 seen 1 time by the end (4s), want none; the first was at 2s: cid=c line=count=2`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := scenario.Parse([]byte(`{"expect":[` + tc.expect + `]}`))
			require.NoError(t, err)
			got := s.Check(blinky, tc.end)
			require.Equal(t, []scenario.Result{tc.want}, got)
		})
	}
}

func TestCheckKeepsFileOrderAndReports(t *testing.T) {
	s, err := scenario.Parse([]byte(`{"expect":[{"no_event":"app.crash"},{"event":"app.exit","fields":{"code":1}}]}`))
	require.NoError(t, err)
	rs := s.Check(blinky, 4000*ms)
	require.Len(t, rs, 2)
	require.True(t, rs[0].OK)
	require.False(t, rs[1].OK)
	require.False(t, scenario.AllOK(rs))
	require.True(t, scenario.AllOK(rs[:1]))
	require.True(t, scenario.AllOK(nil))
	require.Equal(t, "PASS no_event app.crash — app.crash seen 0 times by the end (4s)", rs[0].String())
	require.Equal(t, "FAIL event app.exit with code=1 — app.exit with code=1 seen 0 times by the end (4s), want ≥ 1; the first app.exit was at 4s: cid=c code=0 signal=0", rs[1].String())
}

func TestCheckQuotesAwkwardFieldValues(t *testing.T) {
	s, err := scenario.Parse([]byte(`{"expect":[{"no_event":"app.crash"}]}`))
	require.NoError(t, err)
	events := []trace.Event{ev(5, trace.Appcore, "app.crash", trace.Str("detail", "wild write\x1b[2J"), trace.Str("empty", ""), trace.Str("long", strings.Repeat("é", 50)))}
	rs := s.Check(events, 10)
	require.False(t, rs[0].OK)
	require.Equal(t, `app.crash seen 1 time by the end (10ns), want none; the first was at 5ns: detail="wild write\x1b[2J" empty="" long=`+strings.Repeat("é", 38)+"…", rs[0].Detail)
}
