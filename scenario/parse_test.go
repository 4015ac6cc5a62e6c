package scenario_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sphere-emu/sphere-emu/scenario"
)

func TestLoadExampleFiles(t *testing.T) {
	cases := []struct {
		file     string
		desc     string
		duration int64
		horizon  int64
		expects  []string
	}{
		{
			file:     "testdata/blink.json",
			desc:     "press button A three times; the app toggles LED1 red and logs a count",
			duration: 5e9,
			horizon:  5e9,
			expects: []string{
				"gpio 8 toggles ≥ 3 by 5s",
				"LED1 red ends on (active-low)",
				`log matches "^count=\\d+$" count ≥ 2`,
				"event app.exit with code=0",
				"no_event app.crash",
			},
		},
		{
			file:     "testdata/sensors.yaml",
			desc:     "sensors and serial",
			duration: 10e9,
			horizon:  10e9,
			expects: []string{
				`uart_tx isu 0 contains "Hello"`,
				"uart_tx isu 0 contains hex 0d0a count ≤ 3 after 1s",
				`log contains "LED1 red on" by 2s`,
				`log matches "^error" on stderr count 0`,
				"pwm 2/0 duty_ns ≥ 500000, enabled true",
				"event adc.sample from hw with ch=1 count 10–1000",
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			s, err := scenario.Load(tc.file)
			require.NoError(t, err)
			require.Equal(t, tc.desc, s.Description)
			require.Equal(t, tc.duration, s.Duration)
			require.Equal(t, tc.horizon, s.Horizon())
			require.Equal(t, tc.expects, s.Expectations())
		})
	}
}

func TestHorizonCoversInputsAndDeadlines(t *testing.T) {
	s, err := scenario.Parse([]byte(`{"inputs":[{"at":"2s","button":"A","repeat":{"every":"1s","count":4}}],"expect":[{"no_event":"x","by":"3s"}]}`))
	require.NoError(t, err)
	require.EqualValues(t, 5_100_000_000, s.Horizon(), "the last click's release")
	var nilScenario *scenario.Scenario
	require.Zero(t, nilScenario.Horizon())
	require.Nil(t, nilScenario.Expectations())
	require.Nil(t, nilScenario.Check(nil, 0))
}

func TestYAMLAndJSONMeanTheSame(t *testing.T) {
	j, err := scenario.Parse([]byte(`{"inputs":[{"at":"1s","adc":{"channel":0,"volts":1.5}}],"expect":[{"gpio":9,"level":0,"by":"2s"}]}`))
	require.NoError(t, err)
	y, err := scenario.Parse([]byte("inputs:\n- at: 1s\n  adc:\n    channel: 0\n    volts: 1.5\nexpect:\n- {gpio: 9, level: 0, by: 2s}\n"))
	require.NoError(t, err)
	require.Equal(t, j.Expectations(), y.Expectations())
	require.Equal(t, j.Horizon(), y.Horizon())
	bom, err := scenario.Parse([]byte("\ufeff  \n{\"description\": \"bom\"}"))
	require.NoError(t, err)
	require.Equal(t, "bom", bom.Description)
}

func TestParseReportsProblemsWithPathAndLine(t *testing.T) {
	cases := []struct {
		name, in, want string
	}{
		{"typo with suggestion", "{\"inputs\": [\n {\"at\": \"0s\", \"adc\": {\"chanel\": 1, \"volts\": 1}}\n]}",
			"scenario:2: inputs[0].adc.channel: missing; it is required"},
		{"typo named", "{\"inputs\": [\n {\"at\": \"0s\", \"adc\": {\"chanel\": 1, \"volts\": 1}}\n]}",
			`scenario:2: inputs[0].adc.chanel: unknown key; did you mean "channel"?`},
		{"unknown top-level key", `{"inputz": []}`, `scenario:1: inputz: unknown key; did you mean "inputs"?`},
		{"unknown key, no suggestion", `{"zebra": 1}`, `scenario:1: zebra: unknown key`},
		{"missing at", `{"inputs":[{"button":"A"}]}`, "inputs[0].at: missing; it is required"},
		{"no action", `{"inputs":[{"at":"1s"}]}`, `inputs[0]: want one of "button", "gpio", "adc", "uart", "accel", "gyro", "temperature", "plant", "network" (the input)`},
		{"network sideways", `{"inputs":[{"at":"1s","network":"sideways"}]}`, `inputs[0].network: "sideways": want "up" or "down"`},
		{"two actions", `{"inputs":[{"at":"1s","button":"A","gpio":12,"level":0}]}`, `inputs[0]: "button", "gpio" are alternatives; give only one`},
		{"at as number", `{"inputs":[{"at":1,"button":"A"}]}`, `inputs[0].at: want a duration such as "1s" or "250ms", got a number 1`},
		{"bad duration", `{"inputs":[{"at":"1 sec","button":"A"}]}`, `inputs[0].at: "1 sec" is not a duration`},
		{"negative duration", `{"inputs":[{"at":"-1s","button":"A"}]}`, "inputs[0].at: -1s is negative"},
		{"button C", `{"inputs":[{"at":"1s","button":"C"}]}`, `inputs[0].button: "C" is not a button of the RDB: want "A" or "B"`},
		{"bad action", `{"inputs":[{"at":"1s","button":"A","action":"tap"}]}`, `inputs[0].action: "tap": want "press", "release" or "click"`},
		{"hold on press", `{"inputs":[{"at":"1s","button":"A","action":"press","hold":"1s"}]}`, "inputs[0].hold: only a click has a hold time"},
		{"zero hold", `{"inputs":[{"at":"1s","button":"A","hold":"0s"}]}`, "inputs[0].hold: must be longer than 0s"},
		{"hold without button", `{"inputs":[{"at":"1s","gpio":12,"level":0,"hold":"1s"}]}`, "inputs[0].hold: unknown key"},
		{"gpio gap", `{"inputs":[{"at":"1s","gpio":24,"level":0}]}`, "inputs[0].gpio: GPIO 24 does not exist on the MT3620"},
		{"gpio range", `{"inputs":[{"at":"1s","gpio":81,"level":0}]}`, "inputs[0].gpio: 81 is out of range: want 0 to 80"},
		{"level 2", `{"inputs":[{"at":"1s","gpio":12,"level":2}]}`, "inputs[0].level: 2 is out of range: want 0 to 1"},
		{"fractional gpio", `{"inputs":[{"at":"1s","gpio":12.5,"level":0}]}`, "inputs[0].gpio: want an integer, got 12.5"},
		{"adc channel 8", `{"inputs":[{"at":"1s","adc":{"channel":8,"volts":1}}]}`, "inputs[0].adc.channel: 8 is out of range: want 0 to 7"},
		{"adc two sources", `{"inputs":[{"at":"1s","adc":{"channel":1,"volts":1,"ramp":{}}}]}`, `inputs[0].adc: "volts", "ramp" are alternatives`},
		{"sine zero period", `{"inputs":[{"at":"1s","adc":{"channel":1,"sine":{"offset":1,"amplitude":1,"period":"0s"}}}]}`, "inputs[0].adc.sine.period: must be longer than 0s"},
		{"sine missing", `{"inputs":[{"at":"1s","adc":{"channel":1,"sine":{"offset":1}}}]}`, "inputs[0].adc.sine.amplitude: missing"},
		{"ramp zero", `{"inputs":[{"at":"1s","adc":{"channel":1,"ramp":{"from":0,"to":1,"over":"0s"}}}]}`, "inputs[0].adc.ramp.over: must be longer than 0s"},
		{"volts string", `{"inputs":[{"at":"1s","adc":{"channel":1,"volts":"1.2"}}]}`, `inputs[0].adc.volts: want a number, got the string "1.2"`},
		{"uart isu 5", `{"inputs":[{"at":"1s","uart":{"isu":5,"text":"x"}}]}`, "inputs[0].uart.isu: 5 is out of range: want 0 to 4"},
		{"uart empty", `{"inputs":[{"at":"1s","uart":{"isu":0,"text":""}}]}`, "inputs[0].uart: sends no bytes"},
		{"uart odd hex", `{"inputs":[{"at":"1s","uart":{"isu":0,"hex":"abc"}}]}`, "inputs[0].uart.hex: 3 hex digits: want pairs, one per byte"},
		{"uart bad hex", `{"inputs":[{"at":"1s","uart":{"isu":0,"hex":"zz"}}]}`, `inputs[0].uart.hex: "zz" is not a hex byte`},
		{"accel missing axis", `{"inputs":[{"at":"1s","accel":{"x":0,"y":0}}]}`, "inputs[0].accel.z: missing"},
		{"temperature object", `{"inputs":[{"at":"1s","temperature":{"c":30}}]}`, "inputs[0].temperature: want a number, got an object"},
		{"repeat zero", `{"inputs":[{"at":"1s","button":"A","repeat":{"every":"0s","count":2}}]}`, "inputs[0].repeat.every: must be longer than 0s"},
		{"repeat count", `{"inputs":[{"at":"1s","button":"A","repeat":{"every":"1s","count":0}}]}`, "inputs[0].repeat.count: 0 is out of range: want 1 to 100000"},
		{"repeat beyond time", `{"inputs":[{"at":"1s","gpio":12,"level":0,"repeat":{"every":"2562047h","count":3}}]}`, "inputs[0].repeat: the last repetition lies beyond the end of time"},
		{"too many steps", `{"inputs":[` + strings.Repeat(`{"at":"1s","button":"A","repeat":{"every":"1s","count":100000}},`, 5) + `{"at":"1s","button":"A"}]}`, "inputs: the inputs make 1000002 board changes; at most 1000000 are allowed"},
		{"inputs not a list", `{"inputs":{"at":"1s"}}`, "inputs: want a list, got an object"},
		{"input not an object", `{"inputs":["press A"]}`, `inputs[0]: want an object, got the string "press A"`},
		{"no subject", `{"expect":[{"by":"1s"}]}`, `expect[0]: want one of "gpio", "uart_tx", "log", "log_value", "pwm", "event", "no_event" (the thing expected)`},
		{"gpio without check", `{"expect":[{"gpio":8}]}`, `expect[0]: a gpio expectation needs "toggles", "level" or both`},
		{"toggles bad range", `{"expect":[{"gpio":8,"toggles":{"min":5,"max":2}}]}`, "expect[0].toggles: min 5 is greater than max 2"},
		{"toggles empty range", `{"expect":[{"gpio":8,"toggles":{}}]}`, `expect[0].toggles: want "min", "max" or both`},
		{"toggles typo", `{"expect":[{"gpio":8,"toggles":{"minimum":3}}]}`, `expect[0].toggles.minimum: unknown key`},
		{"negative count", `{"expect":[{"event":"x","count":-1}]}`, "expect[0].count: -1 is out of range"},
		{"after later than by", `{"expect":[{"event":"x","after":"2s","by":"1s"}]}`, "expect[0]: after (2s) is later than by (1s)"},
		{"bad regexp", `{"expect":[{"log":{"matches":"a("}}]}`, "expect[0].log.matches: invalid regular expression: missing closing ): `a(`"},
		{"log stream", `{"expect":[{"log":{"contains":"x","stream":"stdin"}}]}`, `expect[0].log.stream: "stdin": want "debug" (Log_Debug), "stdout", "stderr" or "any"`},
		{"uart_tx nothing", `{"expect":[{"uart_tx":{"isu":0,"contains":""}}]}`, "expect[0].uart_tx: looks for nothing"},
		{"pwm channel", `{"expect":[{"pwm":{"controller":2,"channel":4}}]}`, "expect[0].pwm.channel: 4 is out of range: want 0 to 3"},
		{"pwm enabled string", `{"expect":[{"pwm":{"controller":2,"channel":0},"enabled":"yes"}]}`, `expect[0].enabled: want true or false, got the string "yes"`},
		{"no_event count", `{"expect":[{"no_event":"x","count":1}]}`, "expect[0].count: unknown key"},
		{"event field list", `{"expect":[{"event":"x","fields":{"a":[1]}}]}`, "expect[0].fields.a: want a string, number or boolean, got a list"},
		{"event empty name", `{"expect":[{"event":""}]}`, "expect[0].event: the event name is empty"},
		{"json duplicate", "{\"description\": \"a\",\n \"description\": \"b\"}", `scenario:2: duplicate key "description"`},
		{"json syntax", "{\n\"inputs\": [,]}", "scenario:2: invalid JSON: invalid character ','"},
		{"json truncated", `{"inputs": [`, "invalid JSON: unexpected end of input"},
		{"json trailing", `{} {}`, "unexpected data after the scenario object"},
		{"json top-level list", ` {"a":1`, "invalid JSON"},
		{"json deep", strings.Repeat(`{"a":`, 100) + strings.Repeat("}", 100), "nested more than 64 levels deep"},
		{"yaml duplicate", "description: a\ndescription: b\n", `scenario:2: duplicate key "description"`},
		{"yaml alias", "a: &x 1\ndescription: *x\n", "YAML aliases (*x) are not supported"},
		{"yaml two documents", "description: a\n---\ndescription: b\n", "scenario:2: a scenario is one YAML document; found another"},
		{"yaml tag", "description: !!binary aGVsbG8=\n", "YAML tag !!binary is not supported"},
		{"yaml syntax", "inputs: [\n", "invalid YAML"},
		{"yaml list", "- a\n- b\n", "scenario:1: want an object, got a list"},
		{"yaml scalar", "hello\n", `want an object, got the string "hello"`},
		{"yaml complex key", "? [a]\n: 1\n", "a key must be a plain string"},
		{"yaml infinity", "inputs: [{at: 1s, temperature: .inf}]\n", "inputs[0].temperature: want a finite number, got .inf"},
		{"empty", "", "the scenario is empty"},
		{"blank", "  \n# only a comment\n", "the scenario is empty"},
		{"null", "null", "the scenario is empty"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := scenario.Parse([]byte(tc.in))
			require.Nil(t, s)
			var e *scenario.Error
			require.True(t, errors.As(err, &e), "%v", err)
			require.NotEmpty(t, e.Problems)
			require.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestParseAcceptsYAMLNumberForms(t *testing.T) {
	s, err := scenario.Parse([]byte("inputs:\n- {at: 1s, gpio: 0x0C, level: 0}\n- {at: 1s, temperature: 1_000}\nexpect:\n- {event: x, fields: {code: 0x10, ok: true, v: 1.5}}\n- {event: y, count: 1e1}\n"))
	require.NoError(t, err)
	require.Equal(t, []string{"event x with code=16 ok=true v=1.5", "event y count 10"}, s.Expectations())
}

func TestParseCollectsEveryProblem(t *testing.T) {
	_, err := scenario.Parse([]byte(`{"inputs":[{"at":"x","button":"C"},{"gpio":99}],"expect":[{"gpio":8}],"extra":1}`))
	var e *scenario.Error
	require.True(t, errors.As(err, &e))
	require.Len(t, e.Problems, 7, "%v", err)
	require.Equal(t, "inputs[0].at", e.Problems[0].Path)
	require.Equal(t, "line 1: inputs[0].at: \"x\" is not a duration such as \"1s\" or \"250ms\"", e.Problems[0].String())

	many := `{"inputs":[` + strings.Repeat(`{"at":"1s"},`, 30) + `{"at":"1s"}]}`
	_, err = scenario.Parse([]byte(many))
	require.True(t, errors.As(err, &e))
	require.Len(t, e.Problems, 20)
	require.Equal(t, 11, e.More)
	require.True(t, strings.HasSuffix(err.Error(), "scenario: and 11 more problems"), err.Error())
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
		return p
	}
	p := write("bad.json", "{\n  \"inputs\": [{\"at\": \"1s\", \"buton\": \"A\"}]\n}")
	_, err := scenario.Load(p)
	require.ErrorContains(t, err, p+`:2: inputs[0].buton: unknown key; did you mean "button"?`)

	// The extension decides the format: a .yaml file may hold YAML flow style.
	p = write("flow.yaml", `{description: flow, inputs: [{at: 1s, button: A}]}`)
	s, err := scenario.Load(p)
	require.NoError(t, err)
	require.Equal(t, "flow", s.Description)
	p = write("flow.json", `{description: flow}`)
	_, err = scenario.Load(p)
	require.ErrorContains(t, err, p+":1: invalid JSON")
	p = write("noext", "description: sniffed\n")
	s, err = scenario.Load(p)
	require.NoError(t, err)
	require.Equal(t, "sniffed", s.Description)

	_, err = scenario.Load(filepath.Join(dir, "missing.json"))
	require.ErrorIs(t, err, os.ErrNotExist)
	require.ErrorContains(t, err, "scenario: open ")
}
