// Package campaign runs fault campaigns: a golden run of an image, then one
// run per case of a sweep — a power cut at every flash operation, a glitch
// of every security decision, a bit flip in every mailbox message or every
// bit of a flash region — each with exactly one outcome, and a report. Every
// case carries its plan and seed, so `sphere-emu boot IMAGE --faults
// case.json --seed S` replays it.
package campaign

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sort"
	"sync"
	"time"

	"github.com/tetratelabs/wazero"

	"github.com/sphere-emu/sphere-emu/device"
	"github.com/sphere-emu/sphere-emu/fault"
	"github.com/sphere-emu/sphere-emu/glitch"
	"github.com/sphere-emu/sphere-emu/hw"
	"github.com/sphere-emu/sphere-emu/image"
	"github.com/sphere-emu/sphere-emu/kernel"
	"github.com/sphere-emu/sphere-emu/scenario"
	"github.com/sphere-emu/sphere-emu/sim"
	"github.com/sphere-emu/sphere-emu/trace"
)

// Outcomes, one per case (issue 7 §5).
const (
	NoEffect          = "no-effect"          // the run ended as the golden run did
	Detected          = "detected"           // refused, fell back or reported, and still secure
	Degraded          = "degraded"           // a restart or reboot, still secure
	Bricked           = "bricked"            // the device cannot boot any more
	SecurityViolation = "security-violation" // an invariant broke
	EmulatorError     = "emulator-error"     // a bug in sphere-emu
)

// Outcomes lists them in report order.
var Outcomes = []string{NoEffect, Detected, Degraded, Bricked, SecurityViolation, EmulatorError}

// Sweep kinds.
const (
	SweepPowerCut = "power-cut" // every flash operation of the golden run
	SweepGlitch   = "glitch"    // every security decision of the golden run, inverted
	SweepMessage  = "message"   // a bit flipped in every mailbox message of the golden run
	SweepBitFlip  = "bitflip"   // every bit of a flash region
)

// Config describes a campaign.
type Config struct {
	Image    []byte
	Seed     uint64
	Duration int64 // virtual time of each run
	// Sweep is one of the Sweep* kinds; BitFlip names the region of a
	// bitflip sweep.
	Sweep   string
	BitFlip Region
	// Update, if set, is installed at UpdateAt in every run (the workload
	// a power-cut sweep cuts through).
	Update   *kernel.Update
	UpdateAt int64
	// Scenario, if set, drives every run's inputs (button clicks, sensor
	// values, …: package scenario) — the workload of an app, e.g. its
	// mutable-storage writes for a power-cut sweep. Its expectations are
	// not checked.
	Scenario *scenario.Scenario
	// Sample, if > 0, runs a seeded sample of this many cases instead of all.
	Sample int
	Jobs   int
	// Check attaches the security-invariant checker (fault.NewChecker) to
	// every run: its violations make a case a security-violation.
	Check bool
	// Watch, if set, attaches another checker to each run (beside the
	// invariant checker, if Check) and reports its violations after the run.
	Watch func(*device.Device) func() []string
	// Progress, if set, is called after each case (from one goroutine at a time).
	Progress func(done, total int, elapsed time.Duration)
	// Cache, if set, is the wazero compilation cache of the campaign's
	// runs (e.g. one kept on disk); nil: an in-memory cache of its own.
	Cache wazero.CompilationCache
}

// Region is a byte range of a partition (by name, as image.PartitionNames
// gives them); Length 0 means to the end of its used bytes.
type Region struct {
	Partition string
	Start     uint32
	Length    uint32
	// Field, if set, is a field of the partition's image package
	// (image.PackageFieldNames: "signature", "svn", …) and replaces Start
	// and Length.
	Field string
}

// Case is one faulted run.
type Case struct {
	Index int         `json:"index"`
	Seed  uint64      `json:"seed"`
	Plan  *fault.Plan `json:"plan"`
	What  string      `json:"what"`
	// Partition names the flash partition a power cut's operation
	// touches (image.PartitionNames), for power-cut sweeps.
	Partition string `json:"partition,omitempty"`
}

// Result is a case and what became of it.
type Result struct {
	Case
	Outcome    string   `json:"outcome"`
	Detail     string   `json:"detail,omitempty"`
	Violations []string `json:"violations,omitempty"`
}

// Report is a campaign's result.
type Report struct {
	Image      string         `json:"image,omitempty"`
	Sweep      string         `json:"sweep"`
	Seed       uint64         `json:"seed"`
	Cases      int            `json:"cases"`
	Counts     map[string]int `json:"counts"`
	Results    []Result       `json:"results"`
	Elapsed    time.Duration  `json:"elapsed_ns"`
	RunsPerSec float64        `json:"runs_per_sec"`
	Golden     Observation    `json:"golden"`
	// CutsByPartition counts a power-cut sweep's cases by the partition
	// their cut operation touches.
	CutsByPartition map[string]int `json:"cuts_by_partition,omitempty"`
}

// Observation is what one run showed.
type Observation struct {
	Halted      bool   `json:"halted"`
	HaltStage   string `json:"halt_stage,omitempty"`
	AppStarted  bool   `json:"app_started"`
	Reboots     int    `json:"reboots"`
	Detections  int    `json:"detections"`
	Panic       string `json:"panic,omitempty"`
	FlashOps    uint64 `json:"flash_ops"`
	Messages    int    `json:"messages"`
	LastVerdict string `json:"last_verdict,omitempty"`
	// FlashLog is every flash operation of the golden run, in order.
	FlashLog []hw.FlashOp `json:"-"`
}

// detectionEvents are the trace events that show the device noticed
// something: a refused image, a malformed message, a fallback, a fault.
var detectionEvents = map[string]bool{
	"boot.halt": true, "mbox.malformed": true, "request.reject": true, "locator.fallback": true,
	"update.revert": true, "update.refused": true, "update.failed": true, "rt.fault": true,
	"service.refused": true, "app.refused": true, "app.load-failed": true, "telemetry.drop": true, "intercore.corrupt": true,
}

// Run runs the golden run, builds the cases of the sweep and runs them.
func Run(ctx context.Context, c Config) (*Report, error) {
	if c.Duration <= 0 {
		return nil, errors.New("campaign: the run duration must be positive")
	}
	jobs := c.Jobs
	if jobs <= 0 {
		jobs = runtime.GOMAXPROCS(0)
	}
	// Every run shares the immutable work of the others (device.Shared):
	// compiled modules, warm app runtimes, memoized signature and key
	// arithmetic. A run's trace is the same as a fresh device's.
	shared := device.NewShared(c.Cache)
	defer shared.Close()
	golden, decisions, err := c.golden(shared)
	if err != nil {
		return nil, err
	}
	cases, err := c.cases(golden, decisions)
	if err != nil {
		return nil, err
	}
	rep := &Report{Sweep: c.Sweep, Seed: c.Seed, Golden: golden, Counts: map[string]int{}}
	if c.Sweep == SweepPowerCut {
		rep.CutsByPartition = map[string]int{}
		for _, cs := range cases {
			rep.CutsByPartition[cs.Partition]++
		}
	}
	for _, o := range Outcomes {
		rep.Counts[o] = 0
	}
	results := make([]Result, len(cases))
	start := time.Now()
	var (
		mu   sync.Mutex
		done int
		wg   sync.WaitGroup
		next = make(chan int)
	)
	for w := 0; w < jobs; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				results[i] = c.runCase(shared, golden, cases[i])
				mu.Lock()
				done++
				if c.Progress != nil {
					c.Progress(done, len(cases), time.Since(start))
				}
				mu.Unlock()
			}
		}()
	}
feed:
	for i := range cases {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rep.Elapsed = time.Since(start)
	rep.Results = results
	rep.Cases = len(results)
	for _, r := range results {
		rep.Counts[r.Outcome]++
	}
	if s := rep.Elapsed.Seconds(); s > 0 {
		rep.RunsPerSec = float64(len(results)) / s
	}
	return rep, nil
}

// decision is one security decision seen in the golden run.
type decision struct {
	point  glitch.Point
	detail string
	nth    int // occurrences of the same point and detail before it
}

// golden runs the image without faults and records what sweeps enumerate.
func (c Config) golden(shared *device.Shared) (Observation, []decision, error) {
	var decisions []decision
	seen := map[string]int{}
	count := func(p glitch.Point, detail string) glitch.Effect {
		key := string(p) + "\x00" + detail
		decisions = append(decisions, decision{point: p, detail: detail, nth: seen[key]})
		seen[key]++
		return glitch.None
	}
	var ops []hw.FlashOp
	obs, _, _, err := c.run(shared, nil, count, nil, &ops)
	if err != nil {
		return obs, nil, fmt.Errorf("campaign: golden run: %w", err)
	}
	if obs.Panic != "" {
		return obs, nil, fmt.Errorf("campaign: the golden run panicked: %s", obs.Panic)
	}
	obs.FlashLog = ops
	return obs, decisions, nil
}

// run runs one device with a plan (nil: none) and reports what it showed
// and the violations the checkers saw; ops, if set, receives every flash
// operation of the run.
func (c Config) run(shared *device.Shared, plan *fault.Plan, g glitch.Injector, from *device.Snapshot, ops *[]hw.FlashOp) (Observation, []string, *device.Snapshot, error) {
	rec := &observer{}
	cfg := device.Config{Image: c.Image, Seed: c.Seed, DeviceSeed: 1, Shared: shared, Sinks: []trace.Sink{rec},
		RestartApps: true, Faults: plan, Glitch: g, From: from}
	dev, err := device.New(cfg)
	if err != nil {
		return Observation{}, nil, nil, err
	}
	var watchers []func() []string
	if c.Check {
		ch := fault.NewChecker(dev)
		watchers = append(watchers, func() []string {
			var out []string
			for _, v := range ch.Finish() {
				out = append(out, fmt.Sprintf("%s at %s: %s", v.Invariant, sim.FormatTime(v.Time), v.Detail))
			}
			return out
		})
	}
	if c.Watch != nil {
		watchers = append(watchers, c.Watch(dev))
	}
	if c.Update != nil {
		dev.UpdateAt(c.UpdateAt, *c.Update)
	}
	if c.Scenario != nil {
		if err := c.Scenario.Apply(dev.Sim().Schedule, dev.Board()); err != nil {
			_ = dev.Close()
			return Observation{}, nil, nil, fmt.Errorf("campaign: %w", err)
		}
	}
	if ops != nil {
		prev := dev.Flash().OpHook()
		dev.Flash().SetOpHook(func(op hw.FlashOp) hw.FlashOutcome {
			*ops = append(*ops, op)
			if prev != nil {
				return prev(op)
			}
			return hw.FlashProceed
		})
	}
	opsBefore := dev.Flash().Ops()
	res := dev.Run(c.Duration)
	obs := Observation{Halted: res.Halted, HaltStage: res.HaltStage, Reboots: res.Reboots, Panic: res.Panic,
		AppStarted: rec.appStartedLastBoot(), Detections: rec.detections, FlashOps: dev.Flash().Ops() - opsBefore, Messages: rec.messages}
	var vs []string
	for _, w := range watchers {
		vs = append(vs, w()...)
	}
	snap := dev.Snapshot()
	if err := dev.Close(); err != nil {
		return obs, vs, snap, err
	}
	return obs, vs, snap, nil
}

// observer is the trace sink of a campaign run: it keeps counts, not events.
type observer struct {
	detections int
	messages   int
	lastStart  int64
	lastReset  int64
	started    bool
}

func (o *observer) Event(e *trace.Event) {
	switch {
	case e.Ev == "mbox.send":
		o.messages++
	case e.Ev == "app.start":
		o.started, o.lastStart = true, e.T
	case e.Ev == "power.reset":
		o.lastReset = e.T
	case e.Ev == "stage.verify" && e.Str("ok") == "false":
		o.detections++
	case detectionEvents[e.Ev]:
		o.detections++
	}
}

func (o *observer) appStartedLastBoot() bool { return o.started && o.lastStart >= o.lastReset }

// cases builds the sweep's cases from the golden run. With Sample, only
// the sampled cases' plans are built.
func (c Config) cases(golden Observation, decisions []decision) ([]Case, error) {
	var (
		n      int
		plan   func(i int) (fault.Fault, string) // case i's one fault and what it does
		partOf func(i int) string                // the flash partition case i strikes, if the sweep knows
	)
	zero := fault.Duration(0)
	switch c.Sweep {
	case SweepPowerCut:
		if golden.FlashOps == 0 {
			return nil, errors.New("campaign: the golden run performs no flash operation to cut (give it an update to install)")
		}
		off := fault.Duration(10 * sim.Millisecond)
		n = int(golden.FlashOps)
		names := c.partitionNamer()
		partOf = func(i int) string {
			if i < len(golden.FlashLog) {
				return names(golden.FlashLog[i].Offset)
			}
			return ""
		}
		plan = func(i int) (fault.Fault, string) {
			op := uint64(i) + 1
			what := fmt.Sprintf("power cut at flash operation %d of %d", op, golden.FlashOps)
			if i < len(golden.FlashLog) {
				fo := golden.FlashLog[i]
				if fo.Erase {
					what += fmt.Sprintf(": erase of the block at %#x (%s)", fo.Offset, partOf(i))
				} else {
					what += fmt.Sprintf(": program of %d bytes at %#x (%s)", fo.Length, fo.Offset, partOf(i))
				}
			}
			return fault.Fault{Trigger: fault.Trigger{At: &zero}, Action: fault.Action{Power: &fault.PowerAction{FlashOp: op, OffFor: &off}}}, what
		}
	case SweepGlitch:
		n = len(decisions)
		plan = func(i int) (fault.Fault, string) {
			d := decisions[i]
			return fault.Fault{Trigger: fault.Trigger{At: &zero}, Action: fault.Action{Glitch: &fault.GlitchAction{
					Point: string(d.point), Effect: "invert", Detail: d.detail, After: d.nth}}},
				fmt.Sprintf("invert %s %s (occurrence %d)", d.point, d.detail, d.nth+1)
		}
	case SweepMessage:
		n = golden.Messages
		plan = func(i int) (fault.Fault, string) {
			tr := fault.Trigger{At: &zero}
			if i > 0 {
				tr = fault.Trigger{On: &fault.EventFilter{Event: "mbox.send", Nth: i}}
			}
			return fault.Fault{Trigger: tr, Action: fault.Action{Message: &fault.MessageAction{Op: fault.MsgFlip}}},
				fmt.Sprintf("flip a bit of mailbox message %d of %d", i+1, golden.Messages)
		}
	case SweepBitFlip:
		start, size, err := c.region()
		if err != nil {
			return nil, err
		}
		n = int(size) * 8
		plan = func(i int) (fault.Fault, string) {
			off, bit := start+uint32(i/8), i%8
			return fault.Fault{Trigger: fault.Trigger{At: &zero}, Action: fault.Action{Flash: &fault.FlashAction{Flip: &fault.BitFlip{
					Offset: off, Bit: fault.Int(bit)}}}},
				fmt.Sprintf("toggle bit %d of flash byte %#x", bit, off)
		}
	default:
		return nil, fmt.Errorf("campaign: unknown sweep %q (power-cut, glitch, message, bitflip)", c.Sweep)
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	if c.Sample > 0 && c.Sample < n {
		r := rand.New(sim.New(c.Seed).Rand("campaign/sample"))
		r.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
		idx = idx[:c.Sample]
		sort.Ints(idx)
	}
	out := make([]Case, 0, len(idx))
	for _, i := range idx {
		f, what := plan(i)
		cs := Case{Index: i, Seed: c.Seed, Plan: &fault.Plan{Faults: []fault.Fault{f}}, What: what}
		if partOf != nil {
			cs.Partition = partOf(i)
		}
		out = append(out, cs)
	}
	return out, nil
}

// partitionNamer returns a function naming the partition of the image's
// layout that holds a flash offset ("" outside every partition).
func (c Config) partitionNamer() func(off uint32) string {
	var loc *image.Locator
	if len(c.Image) >= image.EraseBlockSize {
		loc, _ = image.ParseLocator(c.Image[:image.EraseBlockSize])
	}
	names := image.PartitionNames(loc)
	return func(off uint32) string {
		if loc == nil {
			return ""
		}
		for i, p := range loc.Partitions {
			if off >= p.Offset && uint64(off) < uint64(p.Offset)+uint64(p.Size) {
				return names[i]
			}
		}
		return ""
	}
}

// region resolves the bitflip sweep's region to absolute flash offsets.
func (c Config) region() (uint32, uint32, error) {
	if len(c.Image) < image.EraseBlockSize {
		return 0, 0, errors.New("campaign: the image has no locator table")
	}
	loc, err := image.ParseLocator(c.Image[:image.EraseBlockSize])
	if err != nil {
		return 0, 0, fmt.Errorf("campaign: %w", err)
	}
	p, ok := image.FindPartition(loc, c.BitFlip.Partition)
	if !ok {
		return 0, 0, fmt.Errorf("campaign: no partition %q (%v)", c.BitFlip.Partition, image.PartitionNames(loc))
	}
	if f := c.BitFlip.Field; f != "" {
		fd, err := image.FindField(c.Image[p.Offset:p.Offset+p.Length], f)
		if err != nil {
			return 0, 0, fmt.Errorf("campaign: %s: %w", c.BitFlip.Partition, err)
		}
		return p.Offset + fd.Offset, fd.Length, nil
	}
	n := c.BitFlip.Length
	if n == 0 {
		if c.BitFlip.Start >= p.Length {
			return 0, 0, fmt.Errorf("campaign: start %#x is past the %d used bytes of %s", c.BitFlip.Start, p.Length, c.BitFlip.Partition)
		}
		n = p.Length - c.BitFlip.Start
	}
	if uint64(c.BitFlip.Start)+uint64(n) > uint64(p.Length) || n > 1<<16 {
		return 0, 0, fmt.Errorf("campaign: region [%#x, +%d) is outside the %d used bytes of %s (or over 64 KiB)", c.BitFlip.Start, n, p.Length, c.BitFlip.Partition)
	}
	return p.Offset + c.BitFlip.Start, n, nil
}

// runCase runs one case and classifies it.
func (c Config) runCase(shared *device.Shared, golden Observation, cs Case) Result {
	r := Result{Case: cs}
	obs, violations, snap, err := c.run(shared, cs.Plan, nil, nil, nil)
	r.Violations = violations
	switch {
	case err != nil:
		r.Outcome, r.Detail = EmulatorError, err.Error()
	case obs.Panic != "":
		r.Outcome, r.Detail = EmulatorError, obs.Panic
	case len(violations) > 0:
		r.Outcome, r.Detail = SecurityViolation, violations[0]
	case obs.Halted || !obs.AppStarted:
		// Power the device on again, faults gone: does it still boot?
		again, _, _, err := (Config{Image: c.Image, Seed: c.Seed, Duration: c.Duration}).run(shared, nil, nil, snap, nil)
		switch {
		case err != nil:
			r.Outcome, r.Detail = EmulatorError, err.Error()
		case again.Halted:
			r.Outcome, r.Detail = Bricked, fmt.Sprintf("halted at %s, and at %s at the next power-on", orNone(obs.HaltStage), again.HaltStage)
		case obs.Detections > golden.Detections:
			r.Outcome, r.Detail = Detected, detail(obs)
		default:
			r.Outcome, r.Detail = Degraded, detail(obs)
		}
	case obs.Detections > golden.Detections:
		r.Outcome, r.Detail = Detected, detail(obs)
	case obs.Reboots > golden.Reboots:
		r.Outcome, r.Detail = Degraded, detail(obs)
	default:
		r.Outcome = NoEffect
	}
	return r
}

func detail(o Observation) string {
	s := fmt.Sprintf("%d detection events, %d reboots", o.Detections, o.Reboots)
	if o.Halted {
		s = "halted at " + o.HaltStage + "; " + s
	}
	return s
}

func orNone(s string) string {
	if s == "" {
		return "no stage (no app ran)"
	}
	return s
}
