package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/sphere-emu/sphere-emu/fault/campaign"
	"github.com/sphere-emu/sphere-emu/image"
	"github.com/sphere-emu/sphere-emu/kernel"
	"github.com/sphere-emu/sphere-emu/scenario"
	"github.com/sphere-emu/sphere-emu/secmon/secmonmsg"
)

// newFaultCmd is `sphere-emu fault`: fault campaigns.
func newFaultCmd() *cobra.Command {
	f := &cobra.Command{Use: "fault", Short: "Fault campaigns: sweep faults over an image and classify every run"}
	f.AddCommand(newCampaignCmd())
	return f
}

// campaignGCPercent is the Go GC target of `fault campaign` when GOGC is
// not set (docs/faults.md, "Campaigns").
const campaignGCPercent = 400

func newCampaignCmd() *cobra.Command {
	var (
		sweep, region, updateApp, jsonOut, csvOut, casesDir, scenarioFile string
		cacheDir                                                          string
		forDur, updateAt                                                  time.Duration
		seed                                                              uint64
		sample, jobs                                                      int
		quiet, check                                                      bool
	)
	c := &cobra.Command{
		Use:   "campaign IMAGE --sweep power-cut|glitch|message|bitflip",
		Short: "Run a golden run, then one faulted run per case, and report each case's outcome",
		Long: `Run IMAGE once without faults (the golden run), then once per case of a sweep:

  power-cut   a power cut at every flash operation of the golden run
              (give it work: --update-app PKG installs an app update;
              --scenario FILE clicks the buttons of an app that writes
              its mutable storage)
  glitch      every security decision of the golden run, inverted
  message     a bit flipped in every mailbox message of the golden run
  bitflip     every bit of a flash region (--region PARTITION[:START[:LENGTH]]) or of a
              field of the partition's package (--region kernel:signature, kernel:svn, …)

Each case gets one outcome: no-effect, detected, degraded, bricked,
security-violation or emulator-error (docs/faults.md). --sample N runs a
seeded sample of N cases; --jobs runs cases in parallel. --cases-dir writes
every case's plan: sphere-emu boot IMAGE --faults DIR/case-N.json --seed S
replays it.`,
		Args: argsRange(1, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			switch sweep {
			case campaign.SweepPowerCut, campaign.SweepGlitch, campaign.SweepMessage, campaign.SweepBitFlip:
			default:
				return usageErrorf("unknown sweep %q: want power-cut, glitch, message or bitflip", sweep)
			}
			if forDur <= 0 {
				return usageErrorf("--for must be positive")
			}
			img, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			cache, err := openCache(cacheDir)
			if err != nil {
				return err
			}
			if cache != nil {
				defer cache.Close(context.Background())
			}
			cfg := campaign.Config{Image: img, Seed: seed, Duration: forDur.Nanoseconds(), Sweep: sweep, Sample: sample, Jobs: jobs, Check: check, Cache: cache}
			if region != "" {
				r, err := parseRegion(region)
				if err != nil {
					return usageErrorf("--region: %v", err)
				}
				cfg.BitFlip = r
			}
			if updateApp != "" {
				pkg, err := os.ReadFile(updateApp)
				if err != nil {
					return err
				}
				cfg.Update = &kernel.Update{Source: "campaign", Images: []kernel.UpdateImage{{Role: secmonmsg.RoleApp, Package: pkg}}}
				cfg.UpdateAt = updateAt.Nanoseconds()
			}
			if scenarioFile != "" {
				sc, err := scenario.Load(scenarioFile)
				if err != nil {
					return err
				}
				cfg.Scenario = sc
			}
			errw := cmd.ErrOrStderr()
			if !quiet {
				cfg.Progress = func(done, total int, elapsed time.Duration) {
					progressBar(errw, done, total, elapsed)
				}
			}
			if os.Getenv("GOGC") == "" {
				// A campaign allocates a device per run and keeps few:
				// collecting at 5x the live heap rather than 2x saves a
				// fifth to a third of its CPU time for a few more MiB.
				debug.SetGCPercent(campaignGCPercent)
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
			defer stop()
			rep, err := campaign.Run(ctx, cfg)
			if err != nil {
				return err
			}
			rep.Image = args[0]
			if !quiet {
				fmt.Fprintln(errw)
			}
			printReport(cmd.OutOrStdout(), rep)
			if jsonOut != "" {
				b, err := json.MarshalIndent(rep, "", "  ")
				if err != nil {
					return err
				}
				if err := os.WriteFile(jsonOut, append(b, '\n'), 0o644); err != nil {
					return err
				}
			}
			if csvOut != "" {
				if err := writeReportCSV(csvOut, rep); err != nil {
					return err
				}
			}
			if casesDir != "" {
				if err := os.MkdirAll(casesDir, 0o755); err != nil {
					return err
				}
				for _, r := range rep.Results {
					b, err := json.MarshalIndent(r.Plan, "", "  ")
					if err != nil {
						return err
					}
					if err := os.WriteFile(filepath.Join(casesDir, fmt.Sprintf("case-%d.json", r.Index)), append(b, '\n'), 0o644); err != nil {
						return err
					}
				}
			}
			return nil
		},
	}
	fl := c.Flags()
	fl.StringVar(&sweep, "sweep", "", "power-cut, glitch, message or bitflip")
	fl.StringVar(&region, "region", "", "bitflip: PARTITION[:START[:LENGTH]] (offsets in the partition, hex with 0x), or PARTITION:FIELD (signature, svn, signer, component-id, image-type, metadata, payload)")
	fl.StringVar(&updateApp, "update-app", "", "install this app package during every run (the work a power-cut sweep cuts through)")
	fl.DurationVar(&updateAt, "update-at", 2*time.Second, "virtual time of the --update-app install")
	fl.StringVar(&scenarioFile, "scenario", "", "drive every run's inputs from this scenario `FILE` (its expectations are not checked)")
	fl.DurationVar(&forDur, "for", 3*time.Second, "virtual time of each run")
	fl.Uint64Var(&seed, "seed", 1, "seed of every run and of --sample")
	fl.IntVar(&sample, "sample", 0, "run a seeded sample of N cases (0: every case)")
	fl.IntVar(&jobs, "jobs", 0, "cases run in parallel (0: one per CPU)")
	fl.StringVar(&jsonOut, "json", "", "write the report as JSON to `FILE`")
	fl.StringVar(&csvOut, "csv", "", "write one line per case as CSV to `FILE`")
	fl.StringVar(&casesDir, "cases-dir", "", "write each case's fault plan to `DIR`/case-N.json")
	fl.BoolVarP(&quiet, "quiet", "q", false, "no progress bar")
	fl.StringVar(&cacheDir, "cache-dir", "", "wazero compilation cache `DIR` (default: the user cache dir; 'none' disables)")
	fl.BoolVar(&check, "check", true, "watch every run with the security-invariant checker (docs/faults.md)")
	return c
}

func parseRegion(s string) (campaign.Region, error) {
	parts := strings.Split(s, ":")
	r := campaign.Region{Partition: parts[0]}
	num := func(t string) (uint32, error) {
		v, err := strconv.ParseUint(t, 0, 32)
		return uint32(v), err
	}
	var err error
	if len(parts) == 2 && slices.Contains(image.PackageFieldNames, parts[1]) {
		r.Field = parts[1]
		return r, nil
	}
	if len(parts) > 1 {
		if r.Start, err = num(parts[1]); err != nil {
			return r, fmt.Errorf("%q: want PARTITION:FIELD (%s) or PARTITION[:START[:LENGTH]]", s, strings.Join(image.PackageFieldNames, ", "))
		}
	}
	if len(parts) > 2 {
		if r.Length, err = num(parts[2]); err != nil {
			return r, err
		}
	}
	if len(parts) > 3 || r.Partition == "" {
		return r, fmt.Errorf("%q: want PARTITION[:START[:LENGTH]]", s)
	}
	return r, nil
}

// progressBar redraws one line: cases done, rate, ETA.
func progressBar(w io.Writer, done, total int, elapsed time.Duration) {
	const width = 30
	filled := width * done / max(total, 1)
	rate := float64(done) / max(elapsed.Seconds(), 1e-9)
	eta := time.Duration(float64(total-done) / max(rate, 1e-9) * float64(time.Second)).Round(100 * time.Millisecond)
	fmt.Fprintf(w, "\r[%s%s] %d/%d cases  %.0f runs/s  ETA %s ", strings.Repeat("=", filled), strings.Repeat(" ", width-filled), done, total, rate, eta)
}

func printReport(w io.Writer, r *campaign.Report) {
	fmt.Fprintf(w, "campaign %s over %s (seed %d): %d cases in %s, %.0f runs/s\n", r.Sweep, r.Image, r.Seed, r.Cases, r.Elapsed.Round(time.Millisecond), r.RunsPerSec)
	fmt.Fprintf(w, "golden run: halted=%v app started=%v reboots=%d flash operations=%d mailbox messages=%d\n",
		r.Golden.Halted, r.Golden.AppStarted, r.Golden.Reboots, r.Golden.FlashOps, r.Golden.Messages)
	for _, o := range campaign.Outcomes {
		fmt.Fprintf(w, "  %-19s %6d\n", o, r.Counts[o])
	}
	if len(r.CutsByPartition) > 0 {
		fmt.Fprintf(w, "cuts by partition:")
		for _, p := range slices.Sorted(maps.Keys(r.CutsByPartition)) {
			name := p
			if name == "" {
				name = "(none)"
			}
			fmt.Fprintf(w, " %s %d", name, r.CutsByPartition[p])
		}
		fmt.Fprintln(w)
	}
	for _, res := range r.Results {
		if res.Outcome == campaign.SecurityViolation || res.Outcome == campaign.EmulatorError {
			fmt.Fprintf(w, "  case %d (%s): %s: %s\n", res.Index, res.What, res.Outcome, res.Detail)
		}
	}
}

func writeReportCSV(path string, r *campaign.Report) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	_ = w.Write([]string{"case", "seed", "what", "outcome", "detail"})
	for _, res := range r.Results {
		_ = w.Write([]string{strconv.Itoa(res.Index), strconv.FormatUint(res.Seed, 10), res.What, res.Outcome, res.Detail})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
