package hwdef

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sphere-emu/sphere-emu/kernel/manifest"
)

// manifestWith returns an app manifest whose Capabilities object is caps.
func manifestWith(caps string) string {
	return `{
  "SchemaVersion": 1,
  "Name": "Sample",
  "ComponentId": "5b4f2a52-6f5e-4a52-8d7c-1f2e3d4c5b6a",
  "EntryPoint": "/bin/app",
  "CmdArgs": ["$SAMPLE_LED"],
  "Capabilities": ` + caps + `,
  "ApplicationType": "Default"
}
`
}

func TestResolveManifest(t *testing.T) {
	d, err := Load(filepath.Join(sdkDir, "mt3620_rdb.json"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		caps string
		want string // the resolved Capabilities object
		err  string
	}{
		{"gpio and isu",
			`{ "Gpio": [ "$MT3620_RDB_LED1_RED", 9, "$MT3620_RDB_BUTTON_A" ], "Uart": ["$MT3620_RDB_HEADER2_ISU0_UART"] }`,
			`{ "Gpio": [ 8, 9, 12 ], "Uart": ["ISU0"] }`, ""},
		{"controllers",
			`{"Adc": ["$MT3620_RDB_ADC_CONTROLLER0"], "Pwm": ["$MT3620_RDB_LED_PWM_CONTROLLER2"], "I2cMaster": ["$MT3620_RDB_HEADER4_ISU2_I2C"], "SpiMaster": ["$MT3620_RDB_HEADER4_ISU1_SPI"]}`,
			`{"Adc": ["ADC-CONTROLLER-0"], "Pwm": ["PWM-CONTROLLER-2"], "I2cMaster": ["ISU2"], "SpiMaster": ["ISU1"]}`, ""},
		{"nothing to resolve", `{"Gpio": [8]}`, `{"Gpio": [8]}`, ""},
		{"unknown name", `{"Gpio": ["$NO_SUCH_LED", "$ALSO_MISSING"]}`, "",
			`2 unresolved hardware-definition references:
  Capabilities.Gpio[0] "$NO_SUCH_LED": no peripheral NO_SUCH_LED in hardware definition ../hardware-definitions/mt3620_rdb.json or its imports (mt3620.json)
  Capabilities.Gpio[1] "$ALSO_MISSING": no peripheral ALSO_MISSING`},
		{"no manifest value", `{"Gpio": ["$MT3620_SPI_CS_A"]}`, "", `Capabilities.Gpio[0] "$MT3620_SPI_CS_A": MT3620_SPI_CS_A has no AppManifestValue`},
		{"wrong capability", `{"I2cMaster": ["$MT3620_RDB_HEADER2_ISU0_UART"]}`, "", `Capabilities.I2cMaster[0] "$MT3620_RDB_HEADER2_ISU0_UART": MT3620_RDB_HEADER2_ISU0_UART has Type Uart (../hardware-definitions/mt3620_rdb.json), so it cannot be requested as I2cMaster`},
		{"resolved values conflict", `{"Gpio": ["$MT3620_RDB_LED1_RED", 8]}`, "", "RequestedPeripheralsRequireSamePin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := manifestWith(tt.caps)
			out, res, err := ResolveManifest([]byte(src), d)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if want := manifestWith(tt.want); string(out) != want {
				t.Errorf("resolved manifest:\n%s\nwant\n%s", out, want)
			}
			if strings.Count(tt.caps, "$") != len(res) {
				t.Errorf("%d resolutions for %s", len(res), tt.caps)
			}
		})
	}
	// The resolutions say where each value came from.
	_, res, err := ResolveManifest([]byte(manifestWith(`{"Gpio": ["$MT3620_RDB_LED1_RED"]}`)), d)
	if err != nil || len(res) != 1 {
		t.Fatal(res, err)
	}
	if r := res[0]; r.Field != "Capabilities.Gpio[0]" || r.Ref != "$MT3620_RDB_LED1_RED" || r.Value != 8 || r.Via != "MT3620_RDB_LED1_RED -> MT3620_GPIO8" {
		t.Errorf("resolution = %+v", r)
	}
}

func TestResolveManifestErrors(t *testing.T) {
	// References without a definition.
	_, _, err := ResolveManifest([]byte(manifestWith(`{"Gpio": ["$SAMPLE_LED"]}`)), nil)
	if err == nil || !strings.Contains(err.Error(), `Capabilities.Gpio[0] "$SAMPLE_LED": needs a hardware definition`) {
		t.Errorf("error = %v", err)
	}
	var re *ResolveError
	if !errors.As(err, &re) {
		t.Errorf("error is a %T", err)
	}
	// An invalid source manifest is the manifest package's error.
	_, _, err = ResolveManifest([]byte(`{"SchemaVersion": 1}`), nil)
	var me *manifest.Error
	if !errors.As(err, &me) {
		t.Errorf("error = %v (%T)", err, err)
	}
	// A byte-order mark is dropped; the rest is kept.
	src := "\xEF\xBB\xBF" + manifestWith(`{"Gpio": [8]}`)
	out, _, err := ResolveManifest([]byte(src), nil)
	if err != nil || string(out) != src[3:] {
		t.Errorf("BOM: %q, %v", out, err)
	}
}

func TestRewriteStrings(t *testing.T) {
	src := `{"a": ["x", {"b": "x"}, "x"], "x": "x", "c": [[1, "x"], true, null, 2.5]}`
	var paths []string
	out, err := rewriteStrings([]byte(src), func(p []string, s string) (any, bool) {
		paths = append(paths, strings.Join(p, "/"))
		return "<" + strings.Join(p, "/") + ">", s == "x"
	})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"a": ["<a/0>", {"b": "<a/1/b>"}, "<a/2>"], "x": "<x>", "c": [[1, "<c/0/1>"], true, null, 2.5]}`
	if string(out) != want {
		t.Errorf("got  %s\nwant %s", out, want)
	}
	if got := strings.Join(paths, " "); got != "a/0 a/1/b a/2 x c/0/1" {
		t.Errorf("paths %s", got)
	}
}
