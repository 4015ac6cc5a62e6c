package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/tetratelabs/wazero"

	sphereemu "github.com/sphere-emu/sphere-emu"
	"github.com/sphere-emu/sphere-emu/device"
	"github.com/sphere-emu/sphere-emu/fault"
	"github.com/sphere-emu/sphere-emu/hw"
	"github.com/sphere-emu/sphere-emu/kernel"
	"github.com/sphere-emu/sphere-emu/scenario"
	"github.com/sphere-emu/sphere-emu/sim"
	"github.com/sphere-emu/sphere-emu/trace"
)

func newBootCmd() *cobra.Command {
	var (
		forDur     time.Duration
		seed       uint64
		deviceSeed uint64
		tracePath  string
		stateDir   string
		cacheDir   string
		verbose    bool
		quiet      bool
		realtime   bool
		scenarioF  string
		restart    bool
		uartTCP    []string
		svcURL     string
		svcCA      string
		svcData    string
		restAddr   string
		restData   string
		faultsF    string
		controlA   string
	)
	c := &cobra.Command{
		Use:   "boot [IMAGE]",
		Short: "Boot a flash image through the chain of trust and run its apps",
		Long: `Boot a flash image (built by 'sphere-emu image build') on an emulated device.
Pluton's ROM, the 1BL and the Pluton runtime verify the early stages, the
Security Monitor sets the compartments and has Pluton verify the OS, and the
kernel validates and starts the apps. Every step is printed with its virtual
time. Without IMAGE, the bundled sample (testdata/images/blink.bin) boots.

The run stops after --for of virtual time, when the device halts, or when
the app exits.

With --rest ADDR the device serves its REST API over HTTPS on that
loopback address (port 0 picks one), for the ` + "`sphere-emu device`" + ` verbs,
which find its URL and CA in --rest-data DIR (a temporary directory, named
on stderr, without it). A device with a REST API never stops as idle:
when nothing is scheduled it waits for requests on the wall clock until
--for is up (virtual time follows the wall clock meanwhile), and SIGINT
ends the run. Add --realtime to pace the whole run to the wall clock;
without it, virtual time runs ahead as fast as the host allows whenever
the device has work, so give a long --for (docs/rest-api.md).

Exit status:
  0  the run ended normally (time was up, or the app exited with code 0)
  1  sphere-emu itself failed (unreadable image file, unwritable trace, ...)
  2  usage error
  3  the device refused to boot: a boot stage failed verification with no
     usable backup, or was older than its anti-rollback fuse (boot.halt)
  4  the OS booted but the app was refused, crashed, or exited non-zero
  5  with --scenario: an expectation failed. With a scenario its
     expectations decide: 0 when they all hold (even if the app crashed,
     when that is what the scenario expects), 5 otherwise.`,
		Args: argsRange(0, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			img := sphereemu.SampleImage
			name := "bundled sample blink.bin"
			if len(args) == 1 {
				b, err := os.ReadFile(args[0])
				if err != nil {
					return err
				}
				img, name = b, args[0]
			}
			if forDur <= 0 {
				return usageErrorf("--for must be positive")
			}
			link, err := serviceLink(svcURL, svcCA, svcData)
			if err != nil {
				return err
			}
			appNet, err := appNetwork(link)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			var sinks []trace.Sink
			if !quiet {
				sinks = append(sinks, trace.NewText(out, verbose))
			}
			var jl *trace.JSONL
			if tracePath != "" {
				f, err := os.Create(tracePath)
				if err != nil {
					return err
				}
				defer f.Close()
				jl = trace.NewJSONL(f)
				sinks = append(sinks, jl)
			}
			cache, err := openCache(cacheDir)
			if err != nil {
				return err
			}
			if controlA != "" {
				if restAddr != "" || scenarioF != "" || realtime {
					return usageErrorf("--control cannot be combined with --rest, --scenario or --realtime")
				}
				sinks = append(sinks, &device.Log{}) // the control API reads the trace from power-on
			}
			var sc *scenario.Scenario
			var rec *trace.Recorder
			if scenarioF != "" {
				if sc, err = scenario.Load(scenarioF); err != nil {
					return &codeError{exitUsage, err}
				}
				rec = &trace.Recorder{}
				sinks = append(sinks, rec)
				if sc.Duration > 0 && !cmd.Flags().Changed("for") {
					forDur = time.Duration(sc.Duration)
				}
			}
			if !quiet {
				fmt.Fprintf(out, "sphere-emu: booting %s for %s of virtual time (seed %d)\n", name, forDur, seed)
			}
			var plan *fault.Plan
			if faultsF != "" {
				if plan, err = fault.Load(faultsF); err != nil {
					return &codeError{exitUsage, err}
				}
			}
			var gw *kernel.Gateway
			if restAddr != "" {
				gw = kernel.NewGateway()
			} else if restData != "" {
				return usageErrorf("--rest-data needs --rest ADDR")
			}
			d, err := device.New(device.Config{
				Image: img, Seed: seed, DeviceSeed: deviceSeed, StateDir: stateDir,
				Cache: cache, Sinks: sinks, RestartApps: restart, Service: link, Net: appNet,
				Gateway: gw, Faults: plan,
			})
			if err != nil {
				return err
			}
			if gw != nil {
				stopREST, err := serveREST(cmd, gw, restAddr, restData, quiet)
				if err != nil {
					_ = d.Close()
					return err
				}
				defer stopREST()
			}
			for _, spec := range uartTCP {
				br, err := bridgeUART(d, spec)
				if err != nil {
					_ = d.Close()
					return &codeError{exitUsage, err}
				}
				defer br.Close()
				fmt.Fprintf(cmd.ErrOrStderr(), "sphere-emu: UART %s bridged to %s (connect with: nc %s)\n", strings.SplitN(spec, "=", 2)[0], br.Addr(), strings.Replace(br.Addr().String(), ":", " ", 1))
			}
			if sc != nil {
				if err := sc.Apply(d.Sim().Schedule, d.Board()); err != nil {
					_ = d.Close()
					return &codeError{exitUsage, fmt.Errorf("%s: %w", scenarioF, err)}
				}
			}
			if realtime {
				d.Sim().SetRealtime(time.Now())
			}
			var res device.Result
			if controlA != "" {
				horizon := int64(0)
				if cmd.Flags().Changed("for") {
					horizon = forDur.Nanoseconds()
				}
				if res, err = runControl(cmd, d, controlA, horizon); err != nil {
					_ = d.Close()
					return err
				}
			} else {
				res = d.Run(forDur.Nanoseconds())
			}
			if gw != nil {
				gw.Close() // the device is off: requests still under way get 503
			}
			closeErr := d.Close()
			if jl != nil {
				if err := jl.Flush(); err != nil {
					return fmt.Errorf("writing the trace: %w", err)
				}
			}
			if closeErr != nil {
				return closeErr
			}
			if sc != nil {
				return scenarioOutcome(cmd, sc, rec, res)
			}
			return bootOutcome(cmd, res, quiet)
		},
	}
	f := c.Flags()
	f.DurationVar(&forDur, "for", 10*time.Second, "virtual time to run")
	f.Uint64Var(&seed, "seed", 1, "seed of every random choice in the run")
	f.Uint64Var(&deviceSeed, "device-seed", 1, "manufacturing seed of a new device's unique secret (ignored when --state holds fuses)")
	f.StringVar(&tracePath, "trace", "", "write the trace as JSON lines to `FILE` (schema: docs/trace.md)")
	f.StringVar(&stateDir, "state", "", "keep the device's fuses and written flash in `DIR` across runs (anti-rollback counters, telemetry and apps' mutable storage persist)")
	f.StringVar(&cacheDir, "cache-dir", "", "wazero compilation cache `DIR` (default: the user cache dir; 'none' disables)")
	f.BoolVarP(&verbose, "verbose", "v", false, "also print every mailbox message and DICE derivation")
	f.BoolVarP(&quiet, "quiet", "q", false, "print nothing but errors")
	f.BoolVar(&realtime, "realtime", false, "pace virtual time to the wall clock (for watching LEDs blink)")
	f.StringVar(&scenarioF, "scenario", "", "drive inputs and check expectations from `FILE` (docs/scenarios.md)")
	f.StringArrayVar(&uartTCP, "uart-tcp", nil, "bridge an ISU's UART to a TCP port on the loopback interface, e.g. `ISU0=127.0.0.1:5000` (the run is then not deterministic; use --realtime)")
	f.BoolVar(&restart, "restart", false, "restart the app when it exits or crashes, with back-off, as the real OS does (the run then ends only at --for)")
	f.StringVar(&svcURL, "service", "", "connect the device to a security service at `URL` (https://host:port): it attests, gets its certificates and uploads error reports (docs/service.md)")
	f.StringVar(&svcCA, "service-ca", "", "the service CA certificate `FILE` the device trusts")
	f.StringVar(&svcData, "service-data", "", "take --service and --service-ca from the data `DIR` of a running `sphere-emu service`")
	f.StringVar(&restAddr, "rest", "", "serve the device REST API over HTTPS on `ADDR`, a loopback host:port (docs/rest-api.md)")
	f.StringVar(&faultsF, "faults", "", "inject the faults of the plan `FILE` (JSON or YAML, docs/faults.md); each is a fault.inject event")
	f.StringVar(&controlA, "control", "", "serve the control API (HTTP+JSON) on `ADDR`, a loopback host:port; the device starts paused and runs as its requests say (docs/control-api.md)")
	f.StringVar(&restData, "rest-data", "", "with --rest: write the REST API's URL and CA certificate to `DIR` (url, ca.pem) for `sphere-emu device --rest-data DIR` (default: a temporary directory)")
	return c
}

func openCache(dir string) (wazero.CompilationCache, error) {
	switch dir {
	case "none":
		return nil, nil
	case "":
		base, err := os.UserCacheDir()
		if err != nil {
			return wazero.NewCompilationCache(), nil
		}
		dir = filepath.Join(base, "sphere-emu", "wazero")
	}
	c, err := wazero.NewCompilationCacheWithDir(dir)
	if err != nil {
		return nil, fmt.Errorf("compilation cache %s: %w", dir, err)
	}
	return c, nil
}

// bridgeUART parses "ISUn=host:port" and bridges that UART.
func bridgeUART(d *device.Device, spec string) (*hw.Bridge, error) {
	name, addr, ok := strings.Cut(spec, "=")
	var isu int
	if !ok || len(name) != 4 || !strings.HasPrefix(name, "ISU") || name[3] < '0' || name[3] > '4' {
		return nil, fmt.Errorf("--uart-tcp %q: want ISU0..ISU4=host:port", spec)
	}
	isu = int(name[3] - '0')
	br, err := d.Board().UART[isu].BridgeTCP(addr)
	if err != nil {
		return nil, fmt.Errorf("--uart-tcp %q: %w", spec, err)
	}
	return br, nil
}

// scenarioOutcome prints each expectation's result; any failure is exit 5.
func scenarioOutcome(cmd *cobra.Command, sc *scenario.Scenario, rec *trace.Recorder, res device.Result) error {
	if res.Panic != "" {
		return fmt.Errorf("emulator bug: %s (please report it with the --trace file)", res.Panic)
	}
	results := sc.Check(rec.Events(), res.Time)
	out := cmd.OutOrStdout()
	failed := 0
	for _, r := range results {
		fmt.Fprintln(out, "sphere-emu: expect", r.String())
		if !r.OK {
			failed++
		}
	}
	if failed > 0 {
		fmt.Fprintf(cmd.ErrOrStderr(), "sphere-emu: %d of %d expectations failed\n", failed, len(results))
		return &codeError{exitExpectation, nil}
	}
	fmt.Fprintf(out, "sphere-emu: all %d expectations held\n", len(results))
	return nil
}

// bootOutcome prints how the run ended and picks the exit code.
func bootOutcome(cmd *cobra.Command, res device.Result, quiet bool) error {
	errOut := cmd.ErrOrStderr()
	at := sim.FormatTime(res.Time)
	switch {
	case res.Panic != "":
		return fmt.Errorf("emulator bug: %s (please report it with the --trace file)", res.Panic)
	case res.Halted:
		fmt.Fprintf(errOut, "sphere-emu: device halted at %s during %s: %s\n", at, res.HaltStage, res.HaltReason)
		return &codeError{exitHalted, nil}
	case res.AppExited && res.Signal != 0:
		fmt.Fprintf(errOut, "sphere-emu: app %s was terminated by signal %d at %s\n", res.AppCID, res.Signal, at)
		return &codeError{exitAppError, nil}
	case res.AppExited && res.ExitCode != 0:
		fmt.Fprintf(errOut, "sphere-emu: app %s exited with code %d at %s\n", res.AppCID, res.ExitCode, at)
		return &codeError{exitAppError, nil}
	case res.AppExited:
		if !quiet {
			fmt.Fprintf(cmd.OutOrStdout(), "sphere-emu: app %s exited with code 0 at %s\n", res.AppCID, at)
		}
	case !res.AppStarted:
		fmt.Fprintf(errOut, "sphere-emu: the OS booted but no app ran (see app.refused above)\n")
		return &codeError{exitAppError, nil}
	default:
		if !quiet {
			fmt.Fprintf(cmd.OutOrStdout(), "sphere-emu: stopped after %s of virtual time\n", at)
		}
	}
	return nil
}
