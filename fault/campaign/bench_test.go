package campaign_test

import (
	"context"
	"testing"

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

// BenchmarkCampaign measures campaign throughput over blink.bin on two
// jobs, with the security-invariant checker on (as the CLI runs it). Each
// iteration is a whole campaign (golden run included); runs/s counts the
// faulted runs only, as the report does.
func BenchmarkCampaign(b *testing.B) {
	for _, sw := range benchSweeps(b) {
		b.Run(sw.name, func(b *testing.B) {
			cfg := sw.cfg
			cfg.Seed, cfg.Jobs, cfg.Check = 1, 2, true
			var cases int
			var secs float64
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
		})
	}
}
