package device_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sphere-emu/sphere-emu/device"
	"github.com/sphere-emu/sphere-emu/kernel"
	"github.com/sphere-emu/sphere-emu/service"
	"github.com/sphere-emu/sphere-emu/sim"
	"github.com/sphere-emu/sphere-emu/trace"
)

// TestCloudTelemetrySample runs testdata/images/cloud-telemetry.bin, the
// DW100's uplink, against the security service: the device attests, gets
// its client certificate, and every 10 s uploads the water temperature to
// the company cloud with it. While the network is down the readings are
// kept back.
func TestCloudTelemetrySample(t *testing.T) {
	cases := []struct {
		name    string
		offline bool
		uploads int
		want    string // a log line that must appear
	}{
		{"uploads every reading", false, 3, "reading 3: 61.5 C, uploaded (HTTP 202, 3 uploads)"},
		{"network down: nothing is sent", true, 0, "reading 3: 61.5 C, not sent: the network is not ready"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newDeviceCloud(t)
			_, err := c.svc.AddImage(c.tenant.ID, readImage(t, "cloud-telemetry.imagepackage"))
			require.NoError(t, err)
			net := c.cloudNet()
			net.Offline = tc.offline
			rec := &trace.Recorder{}
			dev, err := device.New(device.Config{Image: readImage(t, "cloud-telemetry.bin"), Seed: 1, DeviceSeed: 1, Cache: cache,
				Sinks: []trace.Sink{rec}, Net: net,
				Service: &kernel.ServiceLink{URL: "https://" + service.ServerName, RootCAs: c.svc.ServiceCAPool(), Dial: c.svc.DialContext}})
			require.NoError(t, err)
			t.Cleanup(func() { _ = dev.Close() })
			_, err = c.svc.ClaimDevice(c.tenant.ID, dev.DeviceID(), "")
			require.NoError(t, err)
			c.dev = dev
			require.NoError(t, dev.Board().ADC.SetVoltage(0, 0.615)) // 61.5 °C at 10 mV/°C
			res := dev.Run(35 * sim.Second)
			require.Equal(t, "until", res.Stop, "the app runs on: %q", appLines(rec))
			lines := appLines(rec)
			assert.Contains(t, lines, tc.want, "log: %q", lines)
			got, err := c.svc.ListTelemetry(c.tenant.ID, 10)
			require.NoError(t, err)
			require.Len(t, got, tc.uploads)
			for _, r := range got {
				assert.Equal(t, dev.DeviceID(), r.DeviceID)
				var body struct {
					Appliance string  `json:"appliance"`
					Reading   int     `json:"reading"`
					Temp      float64 `json:"water_temperature_c"`
				}
				require.NoError(t, json.Unmarshal(r.Body, &body))
				assert.Equal(t, "DW100", body.Appliance)
				assert.InDelta(t, 61.5, body.Temp, 0.05)
			}
			for _, e := range rec.Named("net.https") {
				assert.Equal(t, true, mustGet(t, e, "client_cert"))
				assert.True(t, strings.HasSuffix(e.Str("path"), service.PathTelemetry))
			}
		})
	}
}
