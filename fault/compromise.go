package fault

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	sphereemu "github.com/sphere-emu/sphere-emu"
	"github.com/sphere-emu/sphere-emu/hw"
	"github.com/sphere-emu/sphere-emu/image"
	"github.com/sphere-emu/sphere-emu/kernel/manifest"
	"github.com/sphere-emu/sphere-emu/mailbox"
	"github.com/sphere-emu/sphere-emu/rtcore/rtcoremsg"
	"github.com/sphere-emu/sphere-emu/secmon/secmonmsg"
	"github.com/sphere-emu/sphere-emu/sim"
	"github.com/sphere-emu/sphere-emu/trace"
)

// Compromise scripts: what a hostile domain tries (docs/faults.md).
const (
	// ScriptProbePluton sends every request kind Pluton serves, each with
	// an empty, a 32-byte and a 1 KiB payload: "read Pluton's secrets".
	ScriptProbePluton = "probe-pluton"
	// ScriptMapCompartment takes every peripheral another core holds: it
	// releases the holder's claim and acquires the block for itself, and
	// asks for the other real-time core to be started with it.
	ScriptMapCompartment = "map-compartment"
	// ScriptStartUnsignedRT stages a real-time app signed by a key the
	// device does not trust, and a tampered copy of an installed one, then
	// asks for each to be installed and started on a real-time core.
	ScriptStartUnsignedRT = "start-unsigned-rt"
	// ScriptSideloadNoCapability stages an installed app re-signed with the
	// SDK test key and installs it, going around the REST API's
	// appDevelopment check: Pluton must refuse it without the capability.
	ScriptSideloadNoCapability = "sideload-no-capability"
	// ScriptForgeIntercore (from a real-time core): writes forged and
	// corrupt blocks into its intercore ring and signals them, and reports
	// the other core's app as stopped.
	ScriptForgeIntercore = "forge-intercore"
)

var scripts = []string{ScriptProbePluton, ScriptMapCompartment, ScriptStartUnsignedRT, ScriptSideloadNoCapability, ScriptForgeIntercore}

// observedClaim is a peripheral mapping seen in the trace.
type observedClaim struct {
	typ, index, owner, cid string
}

// observe keeps what compromise scripts aim at: the peripheral claims in
// force and the apps running on the real-time cores.
func (in *injector) observe(e *trace.Event) {
	switch {
	case e.Ev == "peripheral.acquire" && e.Dom == trace.Secmon:
		in.claims = append(in.claims, observedClaim{e.Str("type"), e.Str("index"), e.Str("owner"), e.Str("cid")})
	case e.Ev == "peripheral.release" && e.Dom == trace.Secmon:
		for i, c := range in.claims {
			if c.typ == e.Str("type") && c.index == e.Str("index") && c.owner == e.Str("owner") {
				in.claims = append(in.claims[:i], in.claims[i+1:]...)
				break
			}
		}
	case e.Ev == "rt.start":
		in.rtApps[e.Dom] = e.Str("cid")
	case e.Ev == "rt.stop":
		delete(in.rtApps, e.Dom)
	case e.Ev == "power.reset" || e.Ev == "power.cut":
		in.claims, in.rtApps = nil, map[string]string{}
	}
}

// step is one move of a hostile domain.
type step struct {
	what string // for fault.error
	do   func() error
}

// compromise runs a hostile domain's script and requests, one step per
// virtual millisecond (its FIFO would refuse a burst), on its own links.
func (st *state) compromise(c *CompromiseAction) {
	from, _ := parseAddr(c.Domain)
	in := st.in
	send := func(to mailbox.Addr, kind mailbox.Kind, payload []byte) step {
		return step{what: fmt.Sprintf("%s to %s", mailbox.KindName(mailbox.Message{To: to, Kind: kind}), to), do: func() error {
			in.hostileSeq++
			m := mailbox.Message{From: from, To: to, Kind: kind, Seq: 0xC0000000 + in.hostileSeq, Payload: payload}
			return in.t.Bus().Deliver(from, to, m.Marshal())
		}}
	}
	var steps []step
	var err error
	switch c.Script {
	case ScriptProbePluton:
		for _, k := range mailbox.Kinds(mailbox.Pluton) {
			for _, p := range [][]byte{nil, make([]byte, 32), bytes.Repeat([]byte{0xFF}, 1024)} {
				steps = append(steps, send(mailbox.Pluton, k, p))
			}
		}
	case ScriptMapCompartment:
		steps = st.mapCompartment(from, send)
	case ScriptStartUnsignedRT:
		steps, err = st.startUnsignedRT(send)
	case ScriptSideloadNoCapability:
		steps, err = st.sideloadNoCapability(send)
	case ScriptForgeIntercore:
		steps, err = st.forgeIntercore(from, send)
	}
	for _, r := range c.Requests {
		to, _ := parseAddr(r.To)
		k, _ := parseKind(r.To, r.Kind)
		p, _ := hex.DecodeString(r.Payload)
		steps = append(steps, send(to, k, p))
	}
	fields := []trace.Field{trace.Str("domain", c.Domain), trace.Int("steps", int64(len(steps)))}
	if c.Script != "" {
		fields = append(fields, trace.Str("script", c.Script))
	}
	if err != nil {
		fields = append(fields, trace.Str("error", err.Error()))
	}
	st.inject("compromise", fields...)
	s := in.t.Sim()
	for i, stp := range steps {
		s.Schedule(s.Now()+int64(i)*sim.Millisecond, func() {
			if err := stp.do(); err != nil {
				in.tr.Emit(Dom, "fault.error", trace.Int("fault", int64(st.i)), trace.Str("error", "compromise: "+stp.what+": "+err.Error()))
			}
		})
	}
}

// mapCompartment: for each peripheral another domain holds, release its
// claim and acquire the block for the hostile domain; and ask for the other
// real-time core to be started with a core's peripherals.
func (st *state) mapCompartment(from mailbox.Addr, send func(mailbox.Addr, mailbox.Kind, []byte) step) []step {
	var steps []step
	for _, c := range st.in.claims {
		if c.owner == from.String() {
			continue
		}
		p, ok := claimOf(c)
		if !ok {
			continue
		}
		steps = append(steps, send(mailbox.Secmon, secmonmsg.KindPeripheralRelease, p.Marshal()))
		mine := p
		mine.Owner, mine.ComponentID = from, "00000000-0000-0000-0000-00000000bad0"
		steps = append(steps, send(mailbox.Secmon, secmonmsg.KindPeripheralAcquire, mine.Marshal()))
		if core, ok := rtIndex(c.owner); ok {
			start := secmonmsg.StartRTCore{Core: uint8(1 - core), ComponentID: c.cid, Peripherals: []secmonmsg.Peripheral{p}}
			steps = append(steps, send(mailbox.Secmon, secmonmsg.KindStartRTCore, start.Marshal()))
		}
	}
	if len(steps) == 0 { // nothing held by another: grab every block
		for _, t := range []secmonmsg.PeripheralType{secmonmsg.PeripheralUART, secmonmsg.PeripheralI2C, secmonmsg.PeripheralSPIMaster} {
			for i := range hw.ISUCount {
				p := secmonmsg.Peripheral{Type: t, Index: uint16(i), Owner: from, ComponentID: "00000000-0000-0000-0000-00000000bad0"}
				steps = append(steps, send(mailbox.Secmon, secmonmsg.KindPeripheralAcquire, p.Marshal()))
			}
		}
	}
	return steps
}

func claimOf(c observedClaim) (secmonmsg.Peripheral, bool) {
	owner, ok := parseAddr(c.owner)
	if !ok {
		return secmonmsg.Peripheral{}, false
	}
	var idx uint16
	if _, err := fmt.Sscan(c.index, &idx); err != nil {
		return secmonmsg.Peripheral{}, false
	}
	for _, t := range []secmonmsg.PeripheralType{secmonmsg.PeripheralGPIO, secmonmsg.PeripheralUART, secmonmsg.PeripheralI2C,
		secmonmsg.PeripheralSPIMaster, secmonmsg.PeripheralPWM, secmonmsg.PeripheralADC} {
		if t.String() == c.typ {
			return secmonmsg.Peripheral{Type: t, Index: idx, Owner: owner, ComponentID: c.cid}, true
		}
	}
	return secmonmsg.Peripheral{}, false
}

func rtIndex(domain string) (int, bool) {
	switch domain {
	case mailbox.RTCore0.String():
		return 0, true
	case mailbox.RTCore1.String():
		return 1, true
	}
	return 0, false
}

// installedApp is an application package in the flash's current layout.
type installedApp struct {
	raw      []byte
	pkg      *image.Package
	realTime bool
}

func (in *injector) installedApps() ([]installedApp, error) {
	l, err := in.layout()
	if err != nil {
		return nil, err
	}
	var apps []installedApp
	for _, p := range l.Partitions {
		if p.Type != image.PartitionTypeApplications || p.Length == 0 {
			continue
		}
		raw, err := in.flash.Read(p.Offset, p.Length)
		if err != nil {
			continue
		}
		pkg, err := image.ParsePackage(raw)
		if err != nil {
			continue
		}
		a := installedApp{raw: raw, pkg: pkg}
		if fs, err := image.ParseFS(pkg.Payload); err == nil {
			if mf, ok := fs.Lookup("app_manifest.json"); ok {
				if m, err := manifest.Parse(mf.Data); err == nil {
					a.realTime = m.ApplicationType == manifest.RealTimeCapable
				}
			}
		}
		apps = append(apps, a)
	}
	if len(apps) == 0 {
		return nil, fmt.Errorf("no application package in the flash")
	}
	return apps, nil
}

// seededKey is a P-256 key drawn from the run's seed: a signer the device
// has never heard of.
func (st *state) seededKey() (*ecdsa.PrivateKey, error) {
	for {
		var d [32]byte
		for i := range d {
			d[i] = byte(st.rng.Uint32())
		}
		if k, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), d[:]); err == nil {
			return k, nil
		}
	}
}

// startUnsignedRT stages two real-time apps the device must never run — one
// signed by an unknown key under a fresh component ID, one an installed
// package with a payload byte changed — installs, and starts each.
func (st *state) startUnsignedRT(send func(mailbox.Addr, mailbox.Kind, []byte) step) ([]step, error) {
	apps, err := st.in.installedApps()
	if err != nil {
		return nil, err
	}
	app := apps[0]
	for _, a := range apps {
		if a.realTime {
			app = a
			break
		}
	}
	key, err := st.seededKey()
	if err != nil {
		return nil, err
	}
	md := app.pkg.Metadata
	id := *md.Identity
	for i := range id.ComponentID {
		id.ComponentID[i] = byte(st.rng.Uint32())
	}
	md.Identity = &id
	forged, err := image.BuildPackage(app.pkg.Payload, md, key)
	if err != nil {
		return nil, err
	}
	tampered := bytes.Clone(app.raw)
	tampered[len(app.pkg.Payload)/2] ^= 0x01
	var steps []step
	for _, c := range []struct {
		pkg []byte
		cid image.GUID
	}{{forged, id.ComponentID}, {tampered, app.pkg.Metadata.Identity.ComponentID}} {
		stage := secmonmsg.Stage{Role: secmonmsg.RoleApp, Image: c.pkg}
		start := secmonmsg.StartRTCore{Core: 1, ComponentID: c.cid.String()}
		steps = append(steps, send(mailbox.Secmon, secmonmsg.KindUpdateStage, stage.Marshal()),
			send(mailbox.Secmon, secmonmsg.KindUpdateInstall, nil),
			send(mailbox.Secmon, secmonmsg.KindStartRTCore, start.Marshal()))
	}
	return steps, nil
}

// sideloadNoCapability stages an installed app re-signed with the SDK test
// key, and installs it.
func (st *state) sideloadNoCapability(send func(mailbox.Addr, mailbox.Kind, []byte) step) ([]step, error) {
	apps, err := st.in.installedApps()
	if err != nil {
		return nil, err
	}
	key, err := image.ParsePrivateKeyPEM(sphereemu.TestSDKPrivateKey)
	if err != nil {
		return nil, err
	}
	md := apps[0].pkg.Metadata
	svn := md.SecurityVersion() + 1 // a newer version, so only the key can refuse it
	md.SVN = &svn
	pkg, err := image.BuildPackage(apps[0].pkg.Payload, md, key)
	if err != nil {
		return nil, err
	}
	stage := secmonmsg.Stage{Role: secmonmsg.RoleApp, Image: pkg}
	return []step{send(mailbox.Secmon, secmonmsg.KindUpdateStage, stage.Marshal()), send(mailbox.Secmon, secmonmsg.KindUpdateInstall, nil)}, nil
}

// Intercore ring layout (reference §7.2; kernel/intercore.go): per core,
// the RT→HL ring's 64-byte header at the core's shared buffer, then the
// HL→RT ring 4 KiB on; each header's second word is the read position
// into the other ring.
const (
	ringHeader = 64
	ringTotal  = 4096
	swintSent  = 0x1 // RT → A7 "sent"
)

// forgeIntercore: a hostile real-time core writes a datagram addressed to
// a component that is not the high-level app, a block whose size runs past
// the ring, and positions outside the ring, signalling each; then it
// reports the other core's app as stopped.
func (st *state) forgeIntercore(from mailbox.Addr, send func(mailbox.Addr, mailbox.Kind, []byte) step) ([]step, error) {
	core, ok := rtIndex(from.String())
	if !ok {
		return nil, fmt.Errorf("forge-intercore needs a real-time core, not %s", from)
	}
	shared, mbox := st.in.t.RTLink(core)
	if shared == nil || mbox == nil {
		return nil, fmt.Errorf("rtcore%d has no intercore link", core)
	}
	base := secmonmsg.SharedBufferBase + uint32(core)*secmonmsg.SharedBufferSize
	out, inb := base, base+ringTotal
	size := uint32(ringTotal - ringHeader)
	u32 := func(addr uint32) uint32 {
		var b [4]byte
		_ = shared.Read(addr, b[:])
		return binary.LittleEndian.Uint32(b[:])
	}
	put := func(addr, v uint32) error { return shared.Write(addr, binary.LittleEndian.AppendUint32(nil, v)) }
	block := func(blockSize uint32, to image.GUID, payload []byte) error {
		w := u32(out)
		if w >= size || w%16 != 0 {
			w = 0
		}
		b := binary.LittleEndian.AppendUint32(nil, blockSize)
		b = append(b, to[:]...)
		b = append(b, 0, 0, 0, 0)
		b = append(b, payload...)
		for i, c := range b { // the ring wraps
			if err := shared.Write(out+ringHeader+(w+uint32(i))%size, []byte{c}); err != nil {
				return err
			}
		}
		return put(out, (w+(uint32(len(b))+15)&^15)%size)
	}
	signal := func() error { return mbox.Write32(hw.MboxRegSWIntPort, swintSent) }
	var stranger image.GUID
	for i := range stranger {
		stranger[i] = byte(st.rng.Uint32())
	}
	steps := []step{
		{"a datagram to a stranger", func() error {
			if err := block(20+16, stranger, []byte("forged datagram!")); err != nil {
				return err
			}
			return signal()
		}},
		{"a block past the ring", func() error {
			if err := block(0xFFFF, stranger, nil); err != nil {
				return err
			}
			return signal()
		}},
		{"positions outside the ring", func() error {
			if err := put(out, 0xFFFFFFF0); err != nil {
				return err
			}
			if err := put(inb+4, 0x12345678); err != nil {
				return err
			}
			return signal()
		}},
	}
	other := mailbox.RTCore1.String()
	if core == 1 {
		other = mailbox.RTCore0.String()
	}
	victim := st.in.rtApps[other]
	if victim == "" {
		victim = "00000000-0000-0000-0000-000000000000"
	}
	stopped := rtcoremsg.Stopped{ComponentID: victim, Reason: "exit", Detail: "forged by a hostile core"}
	return append(steps, send(mailbox.Secmon, secmonmsg.KindRTStopped, stopped.Marshal())), nil
}

func validScript(s string) bool { return slices.Contains(scripts, s) }

func scriptNames() string { return strings.Join(scripts, ", ") }
