// Package pluton is the root of trust: the Pluton security subsystem's ROM,
// its first-stage bootloader (1BL) and its runtime. It holds the fuses and
// every private key; it verifies and measures each boot stage, derives a
// DICE-style identity per layer, releases the A7 into the Security Monitor,
// and then serves verification, randomness and identity requests over its
// mailbox. Nothing secret leaves this package: not in a message, not in a
// trace, not through an exported function.
package pluton

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/sphere-emu/sphere-emu/device/devicemsg"
	"github.com/sphere-emu/sphere-emu/glitch"
	"github.com/sphere-emu/sphere-emu/image"
	"github.com/sphere-emu/sphere-emu/mailbox"
	"github.com/sphere-emu/sphere-emu/pluton/plutonmsg"
	"github.com/sphere-emu/sphere-emu/secmon/secmonmsg"
	"github.com/sphere-emu/sphere-emu/sim"
	"github.com/sphere-emu/sphere-emu/trace"
)

// Cost model of Pluton's work, in virtual time (emulator-defined: the real
// figures are not published).
const (
	costFlashPerByte = 20 * sim.Nanosecond // quad-SPI NOR at about 50 MB/s
	costHashPerByte  = 5 * sim.Nanosecond  // SHA-256 engine at about 200 MB/s
	costVerify       = 1 * sim.Millisecond // one ECDSA P-256 verify
	costDerive       = 200 * sim.Microsecond
	costSign         = 2 * sim.Millisecond // one ECDSA P-256 signature
)

// FlashReader is Pluton's read-only window on flash during boot. Pluton lets
// go of it when it releases the A7: from then on the Security Monitor owns flash.
type FlashReader interface {
	Read(off, n uint32) ([]byte, error)
	Size() uint32
}

// Config holds what Pluton is built from.
type Config struct {
	Fuses  *Fuses
	Flash  FlashReader
	Bus    *mailbox.Bus
	Tracer *trace.Tracer
	// Glitch, if set, may glitch Pluton's security decisions (fault injection).
	Glitch glitch.Injector
	// Signatures, if set, memoizes the ECDSA arithmetic of signature checks
	// across devices (image.SignatureMemo): every check is still made and
	// decided here; only the same curve computation is not repeated.
	Signatures *image.SignatureMemo
	// Keys, if set, memoizes the public half of the key pairs Pluton
	// derives, across devices (KeyMemo); every derivation is still made.
	Keys *KeyMemo
}

// Pluton is the security subsystem of one device.
type Pluton struct {
	fuses    *Fuses
	flash    FlashReader
	ep       *mailbox.Endpoint
	tr       *trace.Tracer
	proc     *sim.Proc
	keystore []image.KeystoreEntry
	locator  *image.Locator

	measurements []plutonmsg.Measurement
	layers       []layer
	identity     *ecdsa.PrivateKey // device identity (attestation) key, from the UDS
	general      *ecdsa.PrivateKey // the "general" key the 1BL prints as G=; it backs the update certificate
	// client is the committed client-auth key (DeviceAuthentication);
	// pendingClient is one generated and not yet certified. Both live in
	// Pluton's RAM: a reboot forgets them and the device attests again.
	client, pendingClient *ecdsa.PrivateKey
	// trial is set when the Security Monitor boots an update on trial;
	// deferred holds the anti-rollback burns it postponed, until
	// CommitRollback (image type → security version).
	trial    bool
	deferred map[rollbackCounter]uint32
	// capabilities are those the device's capability file grants (read at boot).
	capabilities []uint16
	glitch       glitch.Injector
	signatures   *image.SignatureMemo
	keys         *KeyMemo
	// secretsVersion counts the secrets Pluton added after New (layers,
	// client keys): SecretsVersionForChecker.
	secretsVersion uint64
	rng            interface{ Read([]byte) (int, error) }
}

// New builds Pluton and opens its mailbox endpoint.
func New(c Config) *Pluton {
	p := &Pluton{fuses: c.Fuses, flash: c.Flash, tr: c.Tracer, glitch: c.Glitch, signatures: c.Signatures, keys: c.Keys}
	p.ep = c.Bus.Open(mailbox.Pluton, 0)
	p.identity = deriveKey(p.keys, p.fuses.uds[:], "sphere-emu/pluton/identity")
	p.general = deriveKey(p.keys, p.fuses.uds[:], "sphere-emu/pluton/general")
	return p
}

// DeviceID returns the device ID: the 64-byte identity public key X‖Y as 128
// hex characters (reference §4).
func (p *Pluton) DeviceID() string {
	xy := publicXY(&p.identity.PublicKey)
	return hex.EncodeToString(xy[:])
}

// Run is Pluton's process: boot, then serve requests until power-off.
func (p *Pluton) Run(proc *sim.Proc) {
	p.proc = proc
	p.ep.Bind(proc)
	p.rng = proc.Sim().Rand("pluton/trng")
	secmonConfig, ok := p.boot()
	if !ok {
		return
	}
	p.flash = nil // the Security Monitor owns flash from here on
	boot := secmonmsg.Boot{Config: secmonConfig}
	p.tr.Emit(trace.Pluton, "a7.release", trace.Str("stage", "secmon"))
	if _, err := p.ep.Send(mailbox.Secmon, secmonmsg.KindBoot, boot.Marshal()); err != nil {
		p.halt("pluton-runtime", "cannot release the A7: "+err.Error())
		return
	}
	p.serve()
}

// halt stops the boot: a trace event and a notification to the device.
func (p *Pluton) halt(stage, reason string) {
	p.tr.Emit(trace.Pluton, "boot.halt", trace.Str("stage", stage), trace.Str("reason", reason))
	h := devicemsg.Halt{Stage: stage, Reason: reason}
	_, _ = p.ep.Send(mailbox.Device, devicemsg.KindHalt, h.Marshal())
}

// boot runs the ROM, the 1BL and the runtime's start-up, returning the
// verified Security Monitor payload.
func (p *Pluton) boot() ([]byte, bool) {
	xy := publicXY(&p.identity.PublicKey)
	g := publicXY(&p.general.PublicKey)
	p.tr.Emit(trace.Pluton, "rom.start",
		trace.Str("device_id", hex.EncodeToString(xy[:])),
		trace.Str("general_key", hex.EncodeToString(g[:])))

	// ROM: the locator table, then the keystore and the 1BL.
	loc, err := p.readLocator()
	if err != nil {
		p.halt("rom", err.Error())
		return nil, false
	}
	p.locator = loc
	if !p.loadKeystore() {
		return nil, false
	}
	p.loadCapabilities()
	if _, ok := p.bootStage("rom", "1bl", image.ImageTypeOneBL,
		part{image.PartitionTypeBootloaderOne, image.ImageTypeOneBL}, part{image.PartitionTypeBootloaderOneBackup, image.ImageTypeOneBL}); !ok {
		return nil, false
	}
	p.tr.Emit(trace.Pluton, "1bl.start")
	if _, ok := p.bootStage("1bl", "pluton-runtime", image.ImageTypePlutonRuntime,
		part{image.PartitionTypeFirmware, image.ImageTypePlutonRuntime}, part{image.PartitionTypeBackups, image.ImageTypePlutonRuntime}); !ok {
		return nil, false
	}
	p.tr.Emit(trace.Pluton, "runtime.start")
	pkg, ok := p.bootStage("pluton-runtime", "secmon", image.ImageTypeSecurityMonitor,
		part{image.PartitionTypeFirmware, image.ImageTypeSecurityMonitor}, part{image.PartitionTypeBackups, image.ImageTypeSecurityMonitor})
	if !ok {
		return nil, false
	}
	return pkg.Payload, true
}

type part struct {
	pt image.PartitionType
	it image.ImageType
}

// readLocator reads the primary locator table, falling back to the backup.
func (p *Pluton) readLocator() (*image.Locator, error) {
	var errs [2]error
	for i, off := range []uint32{image.LocatorOffset, image.LocatorBackupOffset} {
		b, err := p.readFlash(off, image.EraseBlockSize)
		if err == nil {
			var loc *image.Locator
			if loc, err = image.ParseLocator(b); err == nil {
				if i == 1 {
					p.tr.Emit(trace.Pluton, "locator.fallback", trace.Str("reason", errs[0].Error()))
				}
				return loc, nil
			}
		}
		errs[i] = err
	}
	return nil, fmt.Errorf("no valid locator table: primary: %v; backup: %v", errs[0], errs[1])
}

func (p *Pluton) readFlash(off, n uint32) ([]byte, error) {
	p.proc.Sleep(int64(n) * costFlashPerByte)
	return p.flash.Read(off, n)
}

func (p *Pluton) readPartition(pt part) ([]byte, error) {
	pa, ok := p.locator.Find(pt.pt, pt.it)
	if !ok {
		return nil, fmt.Errorf("no %s partition for %s in the locator table", pt.pt, pt.it)
	}
	return p.readFlash(pa.Offset, pa.Length)
}

// loadKeystore verifies the trusted keystore against the fused root key hash
// and keeps its entries.
func (p *Pluton) loadKeystore() bool {
	raw, err := p.readPartition(part{image.PartitionTypeFirmware, image.ImageTypeTrustedKeystore})
	if err != nil {
		p.emitVerify("keystore", "rom", "primary", nil, false, [32]byte{}, err.Error())
		p.halt("keystore", err.Error())
		return false
	}
	p.proc.Sleep(int64(len(raw))*costHashPerByte + costVerify)
	pkg, err := image.ParsePackage(raw)
	var entries []image.KeystoreEntry
	if err == nil {
		entries, err = p.checkKeystore(pkg)
	}
	m := sha256.Sum256(raw)
	if pkg != nil {
		m = pkg.Digest()
	}
	if err != nil {
		p.emitVerify("keystore", "rom", "primary", pkg, false, m, err.Error())
		p.halt("keystore", err.Error())
		return false
	}
	if err := p.checkRollback(pkg); err != nil {
		p.emitVerify("keystore", "rom", "primary", pkg, false, m, err.Error())
		p.halt("keystore", err.Error())
		return false
	}
	p.keystore = entries
	p.measure(pkg, m)
	p.emitVerify("keystore", "rom", "primary", pkg, true, m, "")
	p.burnRollback(pkg)
	return true
}

func (p *Pluton) checkKeystore(pkg *image.Package) ([]image.KeystoreEntry, error) {
	if pkg.Metadata.Identity.Type != image.ImageTypeTrustedKeystore {
		return nil, fmt.Errorf("image type %s where TrustedKeystore was expected", pkg.Metadata.Identity.Type)
	}
	entries, err := image.ParseKeystore(pkg.Payload)
	if err != nil {
		return nil, err
	}
	root := p.fuses.RootKeyHash()
	for _, e := range entries {
		xy := image.PublicKeyBytes(e.PublicKey)
		if sha256.Sum256(xy[:]) != root || e.Usage&image.UsagePlatform == 0 {
			continue
		}
		if err := pkg.VerifySignatureMemo(e.PublicKey, p.signatures); err != nil {
			return nil, fmt.Errorf("keystore signature: %w", err)
		}
		return entries, nil
	}
	return nil, fmt.Errorf("keystore holds no platform key matching the fused root key hash %x", root[:8])
}

// bootStage verifies a boot stage's primary copy, falling back to the backup.
func (p *Pluton) bootStage(by, stage string, want image.ImageType, primary, backup part) (*image.Package, bool) {
	var reasons []string
	for i, pt := range []part{primary, backup} {
		copyName := [...]string{"primary", "backup"}[i]
		if i == 1 {
			p.tr.Emit(trace.Pluton, "stage.fallback", trace.Str("stage", stage), trace.Str("reason", reasons[0]))
		}
		raw, err := p.readPartition(pt)
		if err != nil {
			p.emitVerify(stage, by, copyName, nil, false, [32]byte{}, err.Error())
			reasons = append(reasons, copyName+": "+err.Error())
			continue
		}
		pkg, m, err := p.verify(raw, want, image.UsagePlatform)
		if err != nil {
			p.emitVerify(stage, by, copyName, pkg, false, m, err.Error())
			reasons = append(reasons, copyName+": "+err.Error())
			continue
		}
		p.measure(pkg, m)
		p.emitVerify(stage, by, copyName, pkg, true, m, "")
		p.burnRollback(pkg)
		p.derive(stage, m)
		return pkg, true
	}
	p.halt(stage, joinReasons(reasons))
	return nil, false
}

func joinReasons(rs []string) string {
	s := ""
	for i, r := range rs {
		if i > 0 {
			s += "; "
		}
		s += r
	}
	return s
}

// verify parses an image package and checks, in order: image type, signer in
// the keystore with the required usage, ECDSA signature, anti-rollback.
// It returns the package (when it parses) and the measurement of the bytes.
func (p *Pluton) verify(raw []byte, want image.ImageType, usage image.KeyUsage) (*image.Package, [32]byte, error) {
	p.proc.Sleep(int64(len(raw))*costHashPerByte + costVerify)
	pkg, err := image.ParsePackage(raw)
	if err != nil {
		return nil, sha256.Sum256(raw), err
	}
	m := pkg.Digest()
	if want != 0 && pkg.Metadata.Identity.Type != want {
		return pkg, m, fmt.Errorf("image type %s where %s was expected", pkg.Metadata.Identity.Type, want)
	}
	key, err := p.signer(pkg, usage)
	if err == nil {
		err = pkg.VerifySignatureMemo(key, p.signatures)
	}
	if err = p.glitched(glitch.PlutonSignature, pkg, err); err != nil {
		return pkg, m, err
	}
	if err = p.glitched(glitch.PlutonRollback, pkg, p.checkRollback(pkg)); err != nil {
		return pkg, m, err
	}
	return pkg, m, nil
}

// glitched applies a fault's glitch, if one hits this decision, to a
// check's outcome, and traces it: the decision Pluton acts on may then
// differ from what the check found.
func (p *Pluton) glitched(point glitch.Point, pkg *image.Package, err error) error {
	detail := pkg.Metadata.Identity.Type.String() + ":" + pkg.Metadata.Identity.ComponentID.String()
	e := p.glitch.At(point, detail)
	if e == glitch.None {
		return err
	}
	passes := e.Passes(err == nil)
	p.tr.Emit(trace.Pluton, "glitch.apply", trace.Str("point", string(point)), trace.Str("effect", e.String()),
		trace.Str("detail", detail), trace.Bool("found_ok", err == nil), trace.Bool("acted_ok", passes))
	if passes {
		return nil
	}
	if err == nil {
		err = fmt.Errorf("%s failed (glitched)", point)
	}
	return err
}

func (p *Pluton) signer(pkg *image.Package, usage image.KeyUsage) (*ecdsa.PublicKey, error) {
	tp := pkg.Metadata.Signing.Thumbprint
	for _, e := range p.keystore {
		if e.Thumbprint == tp {
			if usage == image.UsageApplications && e.Usage&image.UsageApplications == 0 && e.Usage&image.UsageTestApplications != 0 {
				// An SDK test key: trusted only on a development device.
				if !p.hasCapability(image.CapabilityAppDevelopment) {
					return nil, fmt.Errorf("signer %x is a test key and the device does not have the appDevelopment capability", tp)
				}
				return e.PublicKey, nil
			}
			if e.Usage&usage == 0 {
				return nil, fmt.Errorf("signer %x is trusted for %s, not for %s", tp, e.Usage, usage)
			}
			return e.PublicKey, nil
		}
	}
	return nil, fmt.Errorf("signer %x is not in the trusted keystore", tp)
}

// rollbackCounter names one anti-rollback counter: an image type, or, for
// an app, its component ID (apps are versioned each on its own).
type rollbackCounter struct {
	typ uint16
	app string // component ID, for Applications images
}

func counterOf(pkg *image.Package) rollbackCounter {
	c := rollbackCounter{typ: uint16(pkg.Metadata.Identity.Type)}
	if pkg.Metadata.Identity.Type == image.ImageTypeApplications {
		c.app = pkg.Metadata.Identity.ComponentID.String()
	}
	return c
}

func (c rollbackCounter) String() string {
	if c.app != "" {
		return "app:" + c.app
	}
	return image.ImageType(c.typ).String()
}

func (p *Pluton) counterValue(c rollbackCounter) uint32 {
	if c.app != "" {
		return p.fuses.AppRollbackCounter(c.app)
	}
	return p.fuses.RollbackCounter(c.typ)
}

func (p *Pluton) burnCounter(c rollbackCounter, v uint32) {
	if v <= p.counterValue(c) {
		return
	}
	if c.app != "" {
		_ = p.fuses.BurnAppRollbackCounter(c.app, v)
	} else {
		_ = p.fuses.BurnRollbackCounter(c.typ, v)
	}
	p.tr.Emit(trace.Pluton, "fuse.burn", trace.Str("counter", c.String()), trace.Uint("value", uint64(v)))
}

// checkRollback refuses an image whose security version is below the fused
// counter for its image type (an app: for its component).
func (p *Pluton) checkRollback(pkg *image.Package) error {
	c := counterOf(pkg)
	svn := pkg.Metadata.SecurityVersion()
	if min := p.counterValue(c); svn < min {
		return fmt.Errorf("security version %d is below the anti-rollback counter %d for %s", svn, min, c)
	}
	return nil
}

// burnRollback raises the fused counter to a verified image's newer
// security version, so older images are refused from now on.
func (p *Pluton) burnRollback(pkg *image.Package) {
	c := counterOf(pkg)
	svn := pkg.Metadata.SecurityVersion()
	if p.trial {
		// An update on trial: burning now would forbid the fallback.
		if svn > p.counterValue(c) && svn > p.deferred[c] {
			if p.deferred == nil {
				p.deferred = map[rollbackCounter]uint32{}
			}
			p.deferred[c] = svn
			p.tr.Emit(trace.Pluton, "fuse.defer", trace.Str("counter", c.String()), trace.Uint("value", uint64(svn)))
		}
		return
	}
	p.burnCounter(c, svn)
}

// measure appends to the measurement list (at most 20 entries).
func (p *Pluton) measure(pkg *image.Package, m [32]byte) bool {
	if len(p.measurements) >= plutonmsg.MaxMeasurements {
		p.tr.Emit(trace.Pluton, "measure.full", trace.Str("measurement", hex.EncodeToString(m[:])))
		return false
	}
	p.measurements = append(p.measurements, plutonmsg.Measurement{Type: uint32(pkg.Metadata.Identity.Type), Digest: m})
	return true
}

// derive adds a DICE layer for a verified boot stage.
func (p *Pluton) derive(stage string, m [32]byte) {
	p.proc.Sleep(costDerive)
	cdi := kdf(p.fuses.uds[:], "sphere-emu/dice/uds")
	if n := len(p.layers); n > 0 {
		cdi = p.layers[n-1].cdi
	}
	l := nextLayer(p.keys, cdi, stage, m)
	p.layers = append(p.layers, l)
	p.secretsVersion++
	id := layerID(l.key)
	if leak := p.testOnlyTraceLeak(); leak != "" {
		p.tr.Emit(trace.Pluton, "dice.derive", trace.Str("stage", stage), trace.Str("layer_id", hex.EncodeToString(id[:])), trace.Str("debug", leak))
		return
	}
	p.tr.Emit(trace.Pluton, "dice.derive", trace.Str("stage", stage), trace.Str("layer_id", hex.EncodeToString(id[:])))
}

func (p *Pluton) emitVerify(stage, by, copyName string, pkg *image.Package, ok bool, m [32]byte, reason string) {
	f := []trace.Field{
		trace.Str("stage", stage), trace.Bool("ok", ok),
		trace.Str("measurement", hex.EncodeToString(m[:])),
	}
	var svn uint64
	signer := ""
	if pkg != nil {
		svn = uint64(pkg.Metadata.SecurityVersion())
		signer = hex.EncodeToString(pkg.Metadata.Signing.Thumbprint[:])
	}
	f = append(f, trace.Uint("svn", svn), trace.Str("by", by))
	if copyName != "" {
		f = append(f, trace.Str("copy", copyName))
	}
	f = append(f, trace.Str("signer", signer))
	if !ok {
		f = append(f, trace.Str("reason", reason))
	}
	p.tr.Emit(trace.Pluton, "stage.verify", f...)
}

// commitRollback burns the counters a trial deferred, once the Security
// Monitor has confirmed the update: from now on the old images are refused.
func (p *Pluton) commitRollback() int {
	counters := slices.SortedFunc(maps.Keys(p.deferred), func(a, b rollbackCounter) int {
		return strings.Compare(a.String(), b.String())
	})
	for _, c := range counters {
		p.burnCounter(c, p.deferred[c])
	}
	p.trial, p.deferred = false, nil
	return len(counters)
}
