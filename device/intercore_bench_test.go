package device_test

import (
	"slices"
	"testing"
	"time"

	"github.com/sphere-emu/sphere-emu/device"
	"github.com/sphere-emu/sphere-emu/sim"
	"github.com/sphere-emu/sphere-emu/trace"
)

// BenchmarkIntercoreRoundTrip runs the intercore sample (the high-level app
// sends "hl-N" to rt-echo on IO0 once a virtual second and waits for the
// echo) and reports, per exchange, the host time of one virtual second,
// the virtual time from the high-level send to the delivery of the reply,
// and the median host time between the same two trace events (a
// measurement only: the emulator itself never reads the wall clock).
// "quiet" runs rt-echo-quiet, which does not log each message on its debug
// UART, so it measures the exchange itself.
func BenchmarkIntercoreRoundTrip(b *testing.B) {
	for _, bc := range []struct{ name, image string }{
		{"logged", "intercore.bin"},
		{"quiet", "intercore-quiet.bin"},
	} {
		b.Run(bc.name, func(b *testing.B) { benchIntercore(b, bc.image) })
	}
}

func benchIntercore(b *testing.B, image string) {
	var sent, recv []int64
	var hostSent, hostRecv []time.Time
	sink := trace.SinkFunc(func(e *trace.Event) {
		switch e.Ev {
		case "intercore.send":
			sent = append(sent, e.T)
			hostSent = append(hostSent, time.Now())
		case "intercore.recv":
			recv = append(recv, e.T)
			hostRecv = append(hostRecv, time.Now())
		}
	})
	d, err := device.New(device.Config{Image: readImage(b, image), Seed: 1, Cache: cache, Sinks: []trace.Sink{sink}})
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	d.Run(1500 * sim.Millisecond) // boot and the first exchange
	b.ResetTimer()
	d.Run(1500*sim.Millisecond + int64(b.N)*sim.Second)
	b.StopTimer()
	n := min(len(sent), len(recv))
	if n == 0 {
		b.Fatal("no exchange")
	}
	var total int64
	host := make([]time.Duration, 0, n)
	for i := 0; i < n; i++ {
		total += recv[i] - sent[i]
		host = append(host, hostRecv[i].Sub(hostSent[i]))
	}
	slices.Sort(host)
	b.ReportMetric(float64(total)/float64(n)/1000, "virtual-µs/exchange")
	b.ReportMetric(float64(host[n/2].Nanoseconds()), "host-ns/exchange-median")
}

// BenchmarkDW100VirtualMinute measures the host time of one virtual minute
// of the dishwasher (both cores busy), for the virtual-to-host time ratio.
func BenchmarkDW100VirtualMinute(b *testing.B) {
	d, err := device.New(device.Config{Image: readImage(b, "dw100.bin"), Seed: 1, Cache: cache})
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	d.Run(sim.Second)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d.Run(sim.Second + int64(i+1)*60*sim.Second)
	}
	b.StopTimer()
	b.ReportMetric(float64(60*sim.Second)/(float64(b.Elapsed().Nanoseconds())/float64(b.N)), "x-realtime")
}
