package fault

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/sphere-emu/sphere-emu/appcore/appcoremsg"
	"github.com/sphere-emu/sphere-emu/attest"
	"github.com/sphere-emu/sphere-emu/glitch"
	"github.com/sphere-emu/sphere-emu/hw"
	"github.com/sphere-emu/sphere-emu/image"
	"github.com/sphere-emu/sphere-emu/mailbox"
	"github.com/sphere-emu/sphere-emu/pluton/plutonmsg"
	"github.com/sphere-emu/sphere-emu/rtcore/rtcoremsg"
	"github.com/sphere-emu/sphere-emu/sim"
	"github.com/sphere-emu/sphere-emu/trace"
)

// Invariant names one security invariant the Checker watches
// (docs/faults.md, "Security invariants").
type Invariant string

// The invariants.
const (
	// UnverifiedCode: an image ran without a successful verification of
	// exactly those bytes by Pluton in this boot (none at all, a failed one,
	// one a glitch turned into a pass, or code other than what was verified).
	UnverifiedCode Invariant = "unverified-code"
	// Rollback: a running image's SVN is below its anti-rollback fuse counter.
	Rollback Invariant = "rollback"
	// SecretLeak: bytes of a private key, CDI or the fused secret appeared
	// outside Pluton (a mailbox message, the trace, flash, mutable storage).
	SecretLeak Invariant = "secret-leak"
	// CrossCompartment: an access across a compartment boundary succeeded.
	CrossCompartment Invariant = "cross-compartment"
	// LostWrite: a mutable-storage write the app saw succeed was lost.
	LostWrite Invariant = "lost-write"
	// AttestationMismatch: the service accepted an attestation that does not
	// match what ran.
	AttestationMismatch Invariant = "attestation-mismatch"
)

// Invariants lists every Invariant.
var Invariants = []Invariant{UnverifiedCode, Rollback, SecretLeak, CrossCompartment, LostWrite, AttestationMismatch}

// Violation is one broken invariant.
type Violation struct {
	Invariant Invariant
	Time      int64  // virtual time it was seen
	Detail    string // what happened, in a sentence
	Evidence  []Evidence
}

func (v Violation) String() string {
	return fmt.Sprintf("[%.6fs] %s: %s", float64(v.Time)/1e9, v.Invariant, v.Detail)
}

// Evidence is what shows a violation: an event, or bytes and where they were.
type Evidence struct {
	Event *trace.Event // a copy of the event, or nil
	Where string       // where Bytes were seen, e.g. "mailbox pluton>kernel pluton.VerifyImage.reply seq 7 offset 41"
	Bytes []byte       // the bytes (a message, a flash block, a file), or nil
}

// CheckTarget is what a Checker watches: *device.Device implements it.
type CheckTarget interface {
	Sim() *sim.Sim
	Tracer() *trace.Tracer
	Bus() *mailbox.Bus
	Flash() *hw.Flash
}

// CheckerAccess is what a device lets the checker see beyond the trace,
// the bus and flash, for test purposes (*device.Device implements it). A
// target without it is checked without the secret, fuse and storage
// read-backs: no secret-leak checks, counters from fuse.burn events only,
// no lost-write checks.
type CheckerAccess interface {
	// SecretsForChecker returns Pluton's secrets now, by name.
	SecretsForChecker() map[string][]byte
	// RollbackCounterForChecker returns a fuse counter named as in fuse.burn.
	RollbackCounterForChecker(counter string) (uint32, bool)
	// MutableStorageForChecker reads an app's mutable storage file.
	MutableStorageForChecker(cid string) ([]byte, bool)
}

// secretsVersioner is what a CheckerAccess may add so that the checker
// asks for the secrets only when there may be new ones
// (*device.Device implements it).
type secretsVersioner interface {
	// SecretsVersionForChecker changes whenever SecretsForChecker may
	// return a secret it did not return before.
	SecretsVersionForChecker() uint64
}

// ViolationEvent is the trace event of each violation (dom "fault").
const ViolationEvent = "fault.violation"

// Checker watches one device's runs for violations of the security
// invariants. NewChecker attaches it; Finish runs the end-of-run checks.
type Checker struct {
	t      CheckTarget
	s      *sim.Sim
	tr     *trace.Tracer
	access CheckerAccess

	violations []Violation
	emitted    int
	flushing   bool
	finished   bool

	boot     *bootState
	counters map[string]uint32 // anti-rollback counters seen burnt
	images   map[string][]byte // package bytes sent to Pluton, by measurement
	storage  map[string][]ack  // acknowledged mutable-storage states, by cid

	secrets map[string]string // secret value → name
	// secretsVersion is the target's SecretsVersionForChecker at the last
	// refresh (when it has one and haveVersion).
	secretsVersion uint64
	haveVersion    bool
	needles        []needle
	finder         needleFinder
	prevTap        mailbox.Tap
	reported       map[string]bool // dedupe keys
}

// bootState is what the checker knows of the current boot.
type bootState struct {
	n        int
	verified map[string]*verification // stage → its last successful verification
	glitches []trace.Event            // Pluton glitches not yet followed by a stage.verify
	started  map[string]*verification // stages that ran → what was verified
	owners   map[string]holder        // peripheral "type index" → who holds it
	running  map[string]bool          // real-time cores running an app (their firewall maps their blocks)
	token    []string                 // measurements of the last attestation token signed
	tokenEv  *Evidence
}

type verification struct {
	stage       string
	measurement string
	svn         uint64
	glitched    []trace.Event // glitches that turned a failed check into a pass
	ev          trace.Event
}

type ack struct {
	sum     string // hex SHA-256 of the file, "" for deleted
	t       int64
	deleted bool
}

// needle is one searched form of part of a secret.
type needle struct {
	name string // the secret's name
	at   int    // offset of the part in the secret
	b    []byte // the part, raw or as hex
	hex  bool
}

// needleLen is the size of the aligned secret parts the checker searches
// for: any leak of 2·needleLen−1 = 15 or more contiguous bytes of a secret
// (raw or as lower-case hex) contains one of them.
const needleLen = 8

// NewChecker attaches a checker to t (after device.New, before Run): a
// trace sink, a mailbox tap composed after any tap already installed (so
// it sees the bytes that arrive, after fault actions), and, when t is a
// CheckerAccess, Pluton's secrets, the fuses and mutable storage.
func NewChecker(t CheckTarget) *Checker {
	c := &Checker{t: t, s: t.Sim(), tr: t.Tracer(), counters: map[string]uint32{}, images: map[string][]byte{},
		storage: map[string][]ack{}, secrets: map[string]string{}, reported: map[string]bool{}}
	c.access, _ = t.(CheckerAccess)
	c.newBoot()
	c.refreshSecrets()
	c.tr.AddSink(trace.SinkFunc(c.event))
	c.prevTap = t.Bus().Tap()
	t.Bus().SetTap(c.tap)
	return c
}

// Violations returns the violations found so far.
func (c *Checker) Violations() []Violation { return slices.Clone(c.violations) }

// Finish runs the end-of-run checks (secrets in flash written during the
// run and in mutable storage), emits any fault.violation not yet emitted,
// and returns every violation. Call it after Run; later calls only return.
func (c *Checker) Finish() []Violation {
	if !c.finished {
		c.finished = true
		if c.access != nil {
			blocks := c.t.Flash().WrittenBlocks()
			for _, i := range slices.Sorted(maps.Keys(blocks)) {
				where := fmt.Sprintf("flash block %#x", uint64(i)*hw.FlashBlockSize)
				c.scan(blocks[i], where, where)
			}
			for _, cid := range slices.Sorted(maps.Keys(c.storage)) {
				if b, ok := c.access.MutableStorageForChecker(cid); ok {
					c.scan(b, "mutable storage of "+cid, "storage "+cid)
				}
			}
		}
		c.flush()
	}
	return c.Violations()
}

// Summary says how many violations of each invariant were found.
func (c *Checker) Summary() string {
	if len(c.violations) == 0 {
		return fmt.Sprintf("no violation of the %d security invariants", len(Invariants))
	}
	n := map[Invariant]int{}
	for _, v := range c.violations {
		n[v.Invariant]++
	}
	var parts []string
	for _, inv := range Invariants {
		if n[inv] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", inv, n[inv]))
		}
	}
	return fmt.Sprintf("%d security-invariant violation(s): %s", len(c.violations), strings.Join(parts, ", "))
}

func (c *Checker) newBoot() {
	n := 0
	if c.boot != nil {
		n = c.boot.n + 1
	}
	c.boot = &bootState{n: n, verified: map[string]*verification{}, started: map[string]*verification{}, owners: map[string]holder{}, running: map[string]bool{}}
}

// report records a violation once per key; its event is emitted after the
// current step (a sink may not emit) or by Finish.
func (c *Checker) report(key string, inv Invariant, detail string, ev ...Evidence) {
	if key != "" {
		k := fmt.Sprintf("%d/%s/%s", c.boot.n, inv, key)
		if c.reported[k] {
			return
		}
		c.reported[k] = true
	}
	c.violations = append(c.violations, Violation{Invariant: inv, Time: c.s.Now(), Detail: detail, Evidence: ev})
	if !c.flushing && !c.finished {
		c.flushing = true
		c.s.Schedule(c.s.Now(), c.flush)
	}
}

func (c *Checker) flush() {
	c.flushing = false
	for ; c.emitted < len(c.violations); c.emitted++ {
		v := c.violations[c.emitted]
		c.tr.Emit(Dom, ViolationEvent, trace.Str("invariant", string(v.Invariant)), trace.Int("at", v.Time), trace.Str("detail", v.Detail))
	}
}

func evOf(e *trace.Event) Evidence {
	cp := *e
	cp.Fields = slices.Clone(e.Fields)
	return Evidence{Event: &cp}
}

// stageCounter names the anti-rollback counter of a boot stage, as
// fuse.burn does.
var stageCounter = map[string]string{
	"keystore":       image.ImageTypeTrustedKeystore.String(),
	"1bl":            image.ImageTypeOneBL.String(),
	"pluton-runtime": image.ImageTypePlutonRuntime.String(),
	"secmon":         image.ImageTypeSecurityMonitor.String(),
	"kernel":         image.ImageTypeNormalWorldKernel.String(),
	"rootfs":         image.ImageTypeRootFs.String(),
}

func counterOfStage(stage string) string {
	if strings.HasPrefix(stage, "app:") {
		return stage
	}
	return stageCounter[stage]
}

// event is the checker's trace sink.
func (c *Checker) event(e *trace.Event) {
	if e.Dom == Dom && e.Ev == ViolationEvent {
		return
	}
	if e.Dom == trace.Pluton || e.Ev == "power.reset" {
		c.refreshSecrets()
	}
	c.scanEvent(e)
	b := c.boot
	switch e.Ev {
	case "power.reset", "power.cut":
		c.checkStorage(e)
		c.newBoot()
	case "glitch.apply":
		c.glitch(e)
	case "stage.verify":
		if e.Dom != trace.Pluton {
			return
		}
		gl := b.glitches
		b.glitches = nil
		if e.Str("ok") != "true" || e.Str("copy") == "staged" {
			return
		}
		v := &verification{stage: e.Str("stage"), measurement: e.Str("measurement"), ev: *e}
		v.ev.Fields = slices.Clone(e.Fields)
		fmt.Sscan(e.Str("svn"), &v.svn)
		for _, g := range gl {
			if g.Str("found_ok") == "false" && g.Str("acted_ok") == "true" {
				v.glitched = append(v.glitched, g)
			}
		}
		b.verified[v.stage] = v
	case "fuse.burn":
		var val uint32
		fmt.Sscan(e.Str("value"), &val)
		c.counters[e.Str("counter")] = max(c.counters[e.Str("counter")], val)
	case "1bl.start":
		c.started(e, "keystore", "1bl")
	case "runtime.start":
		c.started(e, "pluton-runtime")
	case "a7.release":
		c.started(e, e.Str("stage"))
	case "kernel.release":
		c.started(e, "kernel", "rootfs")
	case "kernel.start":
		c.started(e, "kernel")
	case "app.start", "rt.start":
		c.started(e, "app:"+e.Str("cid"))
		if e.Ev == "rt.start" {
			b.running[e.Dom] = true
		}
	case "rt.stop":
		delete(b.running, e.Dom)
		for k, h := range b.owners {
			if h.released && h.owner == e.Dom {
				delete(b.owners, k)
			}
		}
	case "peripheral.acquire", "peripheral.release":
		c.peripheral(e)
	case "storage.write":
		cid := e.Str("cid")
		c.storage[cid] = append(c.storage[cid], ack{sum: e.Str("sha256"), t: e.T})
	case "storage.delete":
		if e.Str("error") == "" {
			cid := e.Str("cid")
			c.storage[cid] = append(c.storage[cid], ack{t: e.T, deleted: true})
		}
	case "service.attested":
		c.attested(e)
	}
}

func (c *Checker) glitch(e *trace.Event) {
	switch {
	case e.Dom == trace.Pluton:
		cp := *e
		cp.Fields = slices.Clone(e.Fields)
		c.boot.glitches = append(c.boot.glitches, cp)
	case e.Str("point") == string(glitch.RTFirewall) && e.Str("found_ok") == "false" && e.Str("acted_ok") == "true":
		c.report("", CrossCompartment, fmt.Sprintf("%s: the firewall refused %s, a glitch let it through", e.Dom, e.Str("detail")), evOf(e))
	}
}

// started checks the stages an image start depends on.
func (c *Checker) started(e *trace.Event, stages ...string) {
	b := c.boot
	for _, st := range stages {
		if b.started[st] != nil {
			continue
		}
		v := b.verified[st]
		key := st
		if v == nil {
			b.started[st] = &verification{stage: st}
			c.report(key, UnverifiedCode, fmt.Sprintf("%s ran (%s) with no successful verification by Pluton in this boot", st, e.Ev), evOf(e))
			continue
		}
		b.started[st] = v
		ev := []Evidence{evOf(e), evOf(&v.ev)}
		for i := range v.glitched {
			g := &v.glitched[i]
			if g.Str("point") == string(glitch.PlutonSignature) {
				c.report(key, UnverifiedCode, fmt.Sprintf("%s ran (%s) though its signature check failed: a glitch (%s) turned the failure into a pass", st, e.Ev, g.Str("effect")),
					append(ev, evOf(g))...)
			}
		}
		counter := counterOfStage(st)
		cur, known := c.counters[counter]
		if c.access != nil {
			if f, ok := c.access.RollbackCounterForChecker(counter); ok {
				cur, known = max(cur, f), true
			}
		}
		if known && v.svn < uint64(cur) {
			for i := range v.glitched {
				ev = append(ev, evOf(&v.glitched[i]))
			}
			c.report(key, Rollback, fmt.Sprintf("%s ran (%s) with SVN %d, below the anti-rollback counter %s = %d", st, e.Ev, v.svn, counter, cur), ev...)
		}
	}
}

// holder is who holds a peripheral block: its owner, and whether the owner
// released it while its real-time core still runs (its firewall maps the
// block until the core stops).
type holder struct {
	owner    string
	released bool
}

func (h holder) String() string {
	if h.released {
		return h.owner + " (released, but still in its running core's firewall)"
	}
	return h.owner
}

// peripheral keeps the peripheral ownership map: a block acquired by one
// owner while another holds it is shared across compartments. A block
// released while its real-time core runs stays in that core's firewall
// until the core stops: mapping it elsewhere before then shares it too.
func (c *Checker) peripheral(e *trace.Event) {
	k := e.Str("type") + " " + e.Str("index")
	owner := e.Str("owner")
	if e.Ev == "peripheral.release" {
		delete(c.boot.owners, k)
		if c.boot.running[owner] {
			c.boot.owners[k] = holder{owner: owner, released: true}
		}
		return
	}
	if prev, ok := c.boot.owners[k]; ok && prev != (holder{owner: owner}) {
		c.report("", CrossCompartment, fmt.Sprintf("%s is mapped to %s while %s owns it", k, owner, prev), evOf(e))
	}
	c.boot.owners[k] = holder{owner: owner}
}

// checkStorage reads back each app's mutable storage when the chip resets
// (a power cut, a reboot): it must hold the last acknowledged state,
// not an older one.
func (c *Checker) checkStorage(e *trace.Event) {
	if c.access == nil {
		return
	}
	for _, cid := range slices.Sorted(maps.Keys(c.storage)) {
		acks := c.storage[cid]
		if len(acks) == 0 {
			continue
		}
		last := acks[len(acks)-1]
		data, found := c.access.MutableStorageForChecker(cid)
		sum := sha256.Sum256(data)
		got := hex.EncodeToString(sum[:])
		if (!found && last.deleted) || (found && !last.deleted && got == last.sum) {
			continue
		}
		older := -1
		for i := len(acks) - 2; i >= 0; i-- {
			if (!found && acks[i].deleted) || (found && !acks[i].deleted && acks[i].sum == got) {
				older = i
				break
			}
		}
		if found && older < 0 {
			continue // a state the checker never saw acknowledged (e.g. a truncate): not older
		}
		what := "no file"
		if older >= 0 {
			what = fmt.Sprintf("the state acknowledged at %.6fs (write %d of %d)", float64(acks[older].t)/1e9, older+1, len(acks))
		}
		c.report("", LostWrite, fmt.Sprintf("%s of app %s: after %s the storage holds %s, not the last acknowledged write (%.6fs)", "mutable storage", cid, e.Ev, what, float64(last.t)/1e9),
			evOf(e), Evidence{Where: "mutable storage of " + cid, Bytes: data})
		c.storage[cid] = []ack{{sum: got, t: e.T, deleted: !found}}
	}
}

// attested compares the token the service accepted with what ran.
func (c *Checker) attested(e *trace.Event) {
	b := c.boot
	if b.token == nil {
		c.report("attested", AttestationMismatch, "the service accepted an attestation but no token signed by Pluton in this boot was seen", evOf(e))
		return
	}
	in := map[string]bool{}
	for _, m := range b.token {
		in[m] = true
	}
	verified := map[string]bool{}
	for _, v := range b.verified {
		verified[v.measurement] = true
	}
	var missing, unknown []string
	for _, st := range slices.Sorted(maps.Keys(b.started)) {
		if v := b.started[st]; v.measurement != "" && !in[v.measurement] {
			missing = append(missing, st)
		}
	}
	for _, m := range b.token {
		if !verified[m] {
			unknown = append(unknown, m[:min(16, len(m))])
		}
	}
	if len(missing)+len(unknown) == 0 {
		return
	}
	detail := "the service accepted an attestation that does not match what ran:"
	if len(missing) > 0 {
		detail += " it leaves out " + strings.Join(missing, ", ") + ";"
	}
	if len(unknown) > 0 {
		detail += " it measures images not verified in this boot (" + strings.Join(unknown, ", ") + ");"
	}
	c.report("attested", AttestationMismatch, strings.TrimSuffix(detail, ";"), evOf(e), *b.tokenEv)
}

// tap watches every message that arrives (after any tap installed before).
func (c *Checker) tap(from, to mailbox.Addr, b []byte) ([]byte, bool) {
	if c.prevTap != nil {
		var drop bool
		if b, drop = c.prevTap(from, to, b); drop {
			return b, true
		}
	}
	m, err := mailbox.Unmarshal(b)
	where := fmt.Sprintf("mailbox %s>%s", from, to)
	key := where
	if err == nil {
		key += " " + mailbox.KindName(m)
		where = fmt.Sprintf("%s seq %d", key, m.Seq)
	}
	c.scan(b, where, key)
	if err != nil {
		return b, false
	}
	switch {
	case to == mailbox.Pluton && m.Kind == plutonmsg.KindVerifyImage:
		if req, err := plutonmsg.UnmarshalVerifyImage(m.Payload); err == nil {
			if pkg, err := image.ParsePackage(req.Image); err == nil {
				d := pkg.Digest()
				c.images[hex.EncodeToString(d[:])] = slices.Clone(req.Image)
			}
		}
	case from == mailbox.Pluton && to == mailbox.Kernel && m.Kind == plutonmsg.KindProcessAttestation.Reply():
		if claims, _, err := attest.Parse(m.Payload); err == nil {
			c.boot.token = []string{}
			for _, ms := range claims.Measurements {
				c.boot.token = append(c.boot.token, hex.EncodeToString(ms.Digest))
			}
			c.boot.tokenEv = &Evidence{Where: where, Bytes: slices.Clone(b)}
		}
	case to == mailbox.Appcore && m.Kind == appcoremsg.KindStartApp:
		if s, err := appcoremsg.UnmarshalStartApp(m.Payload); err == nil {
			c.launched(s.ComponentID, s.Wasm, where, b)
		}
	case (to == mailbox.RTCore0 || to == mailbox.RTCore1) && m.Kind == rtcoremsg.KindStart:
		if s, err := rtcoremsg.UnmarshalStart(m.Payload); err == nil {
			c.launched(s.ComponentID, s.Wasm, where, b)
		}
	}
	return b, false
}

// launched checks that code handed to a core lies inside a package Pluton
// verified successfully in this boot: the bytes that run are the bytes
// that were verified.
func (c *Checker) launched(cid string, wasm []byte, where string, msg []byte) {
	for _, v := range c.boot.verified {
		if img, ok := c.images[v.measurement]; ok && contains(img, wasm) {
			return
		}
	}
	sum := sha256.Sum256(wasm)
	c.report("launch "+cid, UnverifiedCode, fmt.Sprintf("code of %s handed to a core (%s, %d bytes, SHA-256 %x…) is in no package Pluton verified in this boot", cid, where, len(wasm), sum[:8]),
		Evidence{Where: where, Bytes: slices.Clone(msg)})
}

// refreshSecrets learns Pluton's secrets (they grow: DICE layers, client
// keys); secrets of earlier boots are kept.
func (c *Checker) refreshSecrets() {
	if c.access == nil {
		return
	}
	if v, ok := c.access.(secretsVersioner); ok {
		ver := v.SecretsVersionForChecker()
		if c.haveVersion && ver == c.secretsVersion {
			return // nothing new since the last refresh
		}
		c.secretsVersion, c.haveVersion = ver, true
	}
	s := c.access.SecretsForChecker()
	for _, name := range slices.Sorted(maps.Keys(s)) {
		v := s[name]
		if len(v) < needleLen {
			continue
		}
		if _, ok := c.secrets[string(v)]; ok {
			continue
		}
		c.secrets[string(v)] = name
		for at := 0; at < len(v); at += needleLen {
			at := min(at, len(v)-needleLen)
			part := v[at : at+needleLen]
			for _, n := range []needle{{name: name, at: at, b: slices.Clone(part)},
				{name: name, at: at, b: []byte(hex.EncodeToString(part)), hex: true}} {
				c.finder.add(n.b, len(c.needles))
				c.needles = append(c.needles, n)
			}
		}
	}
}

// scan searches bytes for any part of a secret.
func (c *Checker) scan(b []byte, where, key string) {
	if k, i := find(&c.finder, c.needles, b); k >= 0 {
		n := c.needles[k]
		form := "raw"
		if n.hex {
			form = "as hex"
		}
		ev := Evidence{Where: fmt.Sprintf("%s offset %d", where, i), Bytes: slices.Clone(b)}
		c.report("leak "+n.name+" "+key, SecretLeak, fmt.Sprintf("bytes %d–%d of the %s (%s) appeared in %s at offset %d", n.at, n.at+needleLen-1, n.name, form, where, i), ev)
	}
}

// scanEvent searches an event's text fields for any part of a secret (as
// hex or raw).
func (c *Checker) scanEvent(e *trace.Event) {
	if len(c.needles) == 0 {
		return
	}
	for _, f := range e.Fields {
		s, ok := f.Val.(string)
		if !ok || len(s) < needleLen {
			continue
		}
		if k, _ := find(&c.finder, c.needles, s); k >= 0 {
			n := c.needles[k]
			form := "raw"
			if n.hex {
				form = "as hex"
			}
			ev := evOf(e)
			c.report("trace "+n.name+" "+e.Ev+"."+f.Key, SecretLeak, fmt.Sprintf("bytes %d–%d of the %s (%s) appeared in the trace: %s field %s", n.at, n.at+needleLen-1, n.name, form, e.Ev, f.Key), ev)
		}
	}
}
