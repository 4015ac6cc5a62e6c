package campaign_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sphere-emu/sphere-emu/fault/campaign"
	"github.com/sphere-emu/sphere-emu/image"
	"github.com/sphere-emu/sphere-emu/kernel"
	"github.com/sphere-emu/sphere-emu/secmon/secmonmsg"
	"github.com/sphere-emu/sphere-emu/sim"
)

func readImage(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "images", name))
	require.NoError(t, err)
	return b
}

func appV2(t testing.TB) *kernel.Update {
	t.Helper()
	keyPEM, err := os.ReadFile("../../testdata/keys/app-signing.key.pem")
	require.NoError(t, err)
	key, err := image.ParsePrivateKeyPEM(keyPEM)
	require.NoError(t, err)
	v2, err := image.RebuildApp(readImage(t, "blink.imagepackage"), key, 2)
	require.NoError(t, err)
	return &kernel.Update{Source: "campaign", Images: []kernel.UpdateImage{{Role: secmonmsg.RoleApp, Package: v2}}}
}

func TestCampaigns(t *testing.T) {
	blink := readImage(t, "blink.bin")
	cases := []struct {
		name  string
		cfg   campaign.Config
		check func(t *testing.T, r *campaign.Report)
	}{
		{"power cut at every flash operation of an app update", campaign.Config{Image: blink, Sweep: campaign.SweepPowerCut,
			Duration: 6 * sim.Second, Update: appV2(t), UpdateAt: 2 * sim.Second},
			func(t *testing.T, r *campaign.Report) {
				require.EqualValues(t, r.Golden.FlashOps, r.Cases)
				require.Zero(t, r.Counts[campaign.Bricked])
				require.Zero(t, r.Counts[campaign.EmulatorError])
			}},
		{"every security decision inverted", campaign.Config{Image: blink, Sweep: campaign.SweepGlitch, Duration: 2 * sim.Second},
			func(t *testing.T, r *campaign.Report) {
				require.NotZero(t, r.Cases)
				require.Zero(t, r.Counts[campaign.EmulatorError])
				require.Zero(t, r.Counts[campaign.NoEffect], "inverting a passing check always shows")
				require.Zero(t, r.Counts[campaign.Bricked], "the glitch is transient: the next power-on boots")
			}},
		{"a bit flipped in a sample of mailbox messages", campaign.Config{Image: blink, Sweep: campaign.SweepMessage, Duration: 2 * sim.Second, Sample: 40},
			func(t *testing.T, r *campaign.Report) {
				require.Equal(t, min(40, r.Golden.Messages), r.Cases)
				require.Zero(t, r.Counts[campaign.EmulatorError], "no receiver panics")
			}},
		{"a sample of the bits of the kernel package", campaign.Config{Image: blink, Sweep: campaign.SweepBitFlip, Duration: 1 * sim.Second,
			BitFlip: campaign.Region{Partition: "kernel", Start: 0, Length: 0}, Sample: 32},
			func(t *testing.T, r *campaign.Report) {
				require.Equal(t, 32, r.Cases)
				require.Zero(t, r.Counts[campaign.EmulatorError])
				require.Zero(t, r.Counts[campaign.NoEffect]+r.Counts[campaign.Degraded], "every flipped bit of the kernel package is refused")
				require.Equal(t, 32, r.Counts[campaign.Bricked], "the kernel has no backup copy: a permanent flip bricks the device, securely")
			}},
		{"every bit of the Security Monitor's signature", campaign.Config{Image: blink, Sweep: campaign.SweepBitFlip, Duration: 1 * sim.Second,
			BitFlip: campaign.Region{Partition: "secmon", Field: "signature"}},
			func(t *testing.T, r *campaign.Report) {
				require.Equal(t, 512, r.Cases)
				require.Equal(t, 512, r.Counts[campaign.Detected], "refused, and the backup copy boots")
			}},
		{"every bit of the Security Monitor's SVN", campaign.Config{Image: blink, Sweep: campaign.SweepBitFlip, Duration: 1 * sim.Second,
			BitFlip: campaign.Region{Partition: "secmon", Field: "svn"}},
			func(t *testing.T, r *campaign.Report) {
				require.Equal(t, 32, r.Cases)
				require.Equal(t, 32, r.Counts[campaign.Detected], "the SVN is signed: any change breaks the signature")
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.Seed, tc.cfg.Jobs = 1, 2
			r, err := campaign.Run(context.Background(), tc.cfg)
			require.NoError(t, err)
			t.Logf("%s: %d cases, %v, %.0f runs/s", tc.name, r.Cases, r.Counts, r.RunsPerSec)
			tc.check(t, r)
			again, err := campaign.Run(context.Background(), tc.cfg)
			require.NoError(t, err)
			for i := range r.Results {
				require.Equal(t, r.Results[i].Outcome, again.Results[i].Outcome, "case %d replays", i)
			}
		})
	}
}

// TestGlitchCampaignFindsTheBreach: over an image whose kernel was tampered
// with, one glitch — the inverted signature check of the kernel — lets the
// tampered kernel run. The checker reports it, and the campaign classifies
// that case as a security violation instead of hiding it.
func TestGlitchCampaignFindsTheBreach(t *testing.T) {
	img := readImage(t, "blink.bin")
	loc, err := image.ParseLocator(img[:image.EraseBlockSize])
	require.NoError(t, err)
	p, ok := image.FindPartition(loc, "kernel")
	require.True(t, ok)
	tampered := append([]byte(nil), img...)
	tampered[p.Offset+p.Length/2] ^= 0x40

	r, err := campaign.Run(context.Background(), campaign.Config{Image: tampered, Seed: 1, Jobs: 2, Duration: 2 * sim.Second,
		Sweep: campaign.SweepGlitch, Check: true})
	require.NoError(t, err)
	require.True(t, r.Golden.Halted, "without a glitch the tampered kernel is refused")
	require.Equal(t, 1, r.Counts[campaign.SecurityViolation], "%v", r.Counts)
	for _, res := range r.Results {
		if res.Outcome == campaign.SecurityViolation {
			require.Contains(t, res.What, "pluton.signature NormalWorldKernel")
			require.Contains(t, res.Detail, "unverified-code")
		}
	}
}
