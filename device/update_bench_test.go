package device_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sphere-emu/sphere-emu/device"
	"github.com/sphere-emu/sphere-emu/service"
	"github.com/sphere-emu/sphere-emu/sim"
	"github.com/sphere-emu/sphere-emu/trace"
)

// BenchmarkOSUpdateCycle measures one whole over-the-air OS update: boot,
// attest, update check, download, staging through the Security Monitor,
// install, reboot into the trial, attest again, confirm. It reports host
// time per cycle (ns/op) and the cycle's virtual time (virtual-ms/op),
// from the first attestation to the confirmation.
func BenchmarkOSUpdateCycle(b *testing.B) {
	img := readImage(b, "blink.bin")
	svn2 := readImage(b, "blink-svn2.bin")
	var virtual int64
	for b.Loop() {
		b.StopTimer()
		var dev *device.Device
		svc, err := service.New(service.Config{Rand: rand.NewChaCha8([32]byte{1}), Now: func() time.Time {
			if dev == nil {
				return time.Unix(0, 1767225600*1e9)
			}
			return dev.WallTime()
		}})
		require.NoError(b, err)
		tenant, err := svc.CreateTenant("Contoso")
		require.NoError(b, err)
		_, err = svc.AddImage(tenant.ID, readImage(b, "blink.imagepackage"))
		require.NoError(b, err)
		_, err = svc.AddOSRelease(svn2)
		require.NoError(b, err)
		rec := &trace.Recorder{}
		dev, err = device.New(device.Config{Image: img, Seed: 1, DeviceSeed: 1, Cache: cache, Sinks: []trace.Sink{rec}, Service: (&cloud{svc: svc}).link()})
		require.NoError(b, err)
		_, err = svc.ClaimDevice(tenant.ID, dev.DeviceID(), "")
		require.NoError(b, err)
		b.StartTimer()
		for dev.Sim().Now() < 10*sim.Second {
			dev.Run(dev.Sim().Now() + 100*sim.Millisecond)
			if _, ok := rec.First("update.confirm"); ok {
				break
			}
		}
		b.StopTimer()
		first, ok1 := rec.First("service.attested")
		confirm, ok2 := rec.First("update.confirm")
		require.True(b, ok1 && ok2, "the update cycle did not complete")
		virtual = confirm.T - first.T
		require.NoError(b, dev.Close())
		require.NoError(b, svc.Close())
		b.StartTimer()
	}
	b.ReportMetric(float64(virtual)/1e6, "virtual-ms/op")
}
