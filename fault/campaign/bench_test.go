package campaign_test

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/sphere-emu/sphere-emu/fault/campaign"
	"github.com/sphere-emu/sphere-emu/sim"
)

// benchSweeps are the campaigns BenchmarkCampaign measures, over blink.bin.
func benchSweeps(b *testing.B) []struct {
	name string
	cfg  campaign.Config
} {
	blink := readImage(b, "blink.bin")
	return []struct {
		name string
		cfg  campaign.Config
	}{
		{"power-cut", campaign.Config{Image: blink, Sweep: campaign.SweepPowerCut, Duration: 6 * sim.Second, Update: appV2(b), UpdateAt: 2 * sim.Second}},
		{"glitch", campaign.Config{Image: blink, Sweep: campaign.SweepGlitch, Duration: 2 * sim.Second}},
		{"message", campaign.Config{Image: blink, Sweep: campaign.SweepMessage, Duration: 2 * sim.Second}},
		{"bitflip-kernel", campaign.Config{Image: blink, Sweep: campaign.SweepBitFlip, Duration: 1 * sim.Second,
			BitFlip: campaign.Region{Partition: "kernel"}, Sample: 64}},
		{"bitflip-app", campaign.Config{Image: blink, Sweep: campaign.SweepBitFlip, Duration: 2 * sim.Second,
			BitFlip: campaign.Region{Partition: "app0"}, Sample: 64}},
	}
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkCampaign measures campaign throughput over blink.bin on two
// jobs, with the security-invariant checker on (as the CLI runs it). Each
// iteration is a whole campaign (golden run included); runs/s counts the
// faulted runs only, as the report does. cpu-ms/run is the host CPU time
// (user + system, both jobs) from the end of a campaign's first case to
// the end of its last, per case in between: steadier than runs/s when
// other work shares the machine.
func BenchmarkCampaign(b *testing.B) {
	for _, sw := range benchSweeps(b) {
		b.Run(sw.name, func(b *testing.B) {
			cfg := sw.cfg
			cfg.Seed, cfg.Jobs, cfg.Check = 1, 2, true
			var (
				cases, cpuCases int
				secs            float64
				cpu, first      time.Duration
			)
			cfg.Progress = func(done, total int, _ time.Duration) {
				switch done {
				case 1:
					first = cpuTime()
				case total:
					cpu += cpuTime() - first
					cpuCases += total - 1
				}
			}
			for i := 0; i < b.N; i++ {
				r, err := campaign.Run(context.Background(), cfg)
				if err != nil {
					b.Fatal(err)
				}
				cases += r.Cases
				secs += r.Elapsed.Seconds()
			}
			b.ReportMetric(float64(cases)/secs, "runs/s")
			b.ReportMetric(float64(cases)/float64(b.N), "cases/op")
			if cpuCases > 0 {
				b.ReportMetric(cpu.Seconds()*1e3/float64(cpuCases), "cpu-ms/run")
			}
		})
	}
}
