package pluton

import (
	"fmt"

	"github.com/sphere-emu/sphere-emu/image"
	"github.com/sphere-emu/sphere-emu/mailbox"
	"github.com/sphere-emu/sphere-emu/pluton/plutonmsg"
	"github.com/sphere-emu/sphere-emu/trace"
)

// osImageTypes are the images the Security Monitor may ask Pluton to verify
// as OS images, once the A7 runs.
var osImageTypes = map[image.ImageType]bool{
	image.ImageTypeNormalWorldKernel: true,
	image.ImageTypeRootFs:            true,
}

// maxRngRequest bounds one ReadRng request.
const maxRngRequest = 4096

// serve answers requests until power-off. Every request is checked against
// who sent it: the mailbox hardware, not the message, names the sender.
func (p *Pluton) serve() {
	for {
		m := p.ep.Recv()
		switch m.Kind {
		case plutonmsg.KindVerifyImage:
			p.serveVerify(m)
		case plutonmsg.KindGetSecurityState:
			st := plutonmsg.SecurityState{State: plutonmsg.StateSecure, GeneralKey: publicXY(&p.general.PublicKey), IdentityKey: publicXY(&p.identity.PublicKey)}
			_ = p.ep.Reply(m, st.Marshal())
		case plutonmsg.KindProcessAttestation:
			p.serveAttestation(m)
		case plutonmsg.KindGetMeasurements:
			_ = p.ep.Reply(m, plutonmsg.MarshalMeasurements(p.measurements))
		case plutonmsg.KindReadRng:
			n, err := decodeU32(m.Payload)
			if err != nil || n > maxRngRequest {
				p.reject(m, mailbox.ErrCodeMalformed, fmt.Sprintf("ReadRng: want a u32 count ≤ %d", maxRngRequest))
				continue
			}
			b := make([]byte, n)
			_, _ = p.rng.Read(b)
			_ = p.ep.Reply(m, b)
		default:
			p.reject(m, mailbox.ErrCodeUnknownKind, fmt.Sprintf("Pluton does not serve kind %#x", uint16(m.Kind)))
		}
	}
}

func decodeU32(b []byte) (uint32, error) {
	d := mailbox.NewDecoder(b)
	v := d.U32()
	return v, d.Finish()
}

func (p *Pluton) reject(m mailbox.Message, code uint32, why string) {
	p.tr.Emit(trace.Pluton, "request.reject", trace.Str("from", m.From.String()), trace.Str("kind", mailbox.KindName(m)), trace.Str("reason", why))
	_ = p.ep.ReplyError(m, code, why)
}

func (p *Pluton) serveVerify(m mailbox.Message) {
	req, err := plutonmsg.UnmarshalVerifyImage(m.Payload)
	if err != nil {
		p.reject(m, mailbox.ErrCodeMalformed, err.Error())
		return
	}
	want := image.ImageType(req.ImageType)
	usage := image.UsageApplications
	switch {
	case req.Purpose == plutonmsg.PurposeOS && m.From == mailbox.Secmon && osImageTypes[want]:
		usage = image.UsagePlatform
	case req.Purpose == plutonmsg.PurposeApp && (m.From == mailbox.Kernel || m.From == mailbox.Secmon):
		want = image.ImageTypeApplications
	default:
		p.reject(m, mailbox.ErrCodeDenied, fmt.Sprintf("%s may not ask to verify a %s image for purpose %d", m.From, want, req.Purpose))
		return
	}
	pkg, meas, err := p.verify(req.Image, want, usage)
	stage := req.Stage
	if req.Purpose == plutonmsg.PurposeApp && pkg != nil {
		stage = "app:" + pkg.Metadata.Identity.ComponentID.String()
	}
	v := plutonmsg.Verdict{OK: err == nil, Stage: stage, Measurement: meas}
	if pkg != nil {
		v.SVN = pkg.Metadata.SecurityVersion()
		v.ImageType = uint16(pkg.Metadata.Identity.Type)
		v.ComponentID = pkg.Metadata.Identity.ComponentID
		v.Signer = pkg.Metadata.Signing.Thumbprint
	}
	if err != nil {
		v.Reason = err.Error()
		p.emitVerify(stage, "pluton-runtime", "", pkg, false, meas, v.Reason)
	} else {
		if !p.measure(pkg, meas) {
			v.OK, v.Reason = false, "measurement list is full"
			p.emitVerify(stage, "pluton-runtime", "", pkg, false, meas, v.Reason)
		} else {
			p.emitVerify(stage, "pluton-runtime", "", pkg, true, meas, "")
			p.burnRollback(pkg)
			if req.Purpose == plutonmsg.PurposeOS {
				p.derive(stage, meas)
			}
		}
	}
	_ = p.ep.Reply(m, v.Marshal())
}

// serveAttestation signs the measurement list and a caller's nonce with the
// device identity key. The nonce makes each answer fresh; the key never
// leaves Pluton, only the signature does.
func (p *Pluton) serveAttestation(m mailbox.Message) {
	if len(m.Payload) != 32 {
		p.reject(m, mailbox.ErrCodeMalformed, fmt.Sprintf("ProcessAttestation: want a 32-byte nonce, got %d bytes", len(m.Payload)))
		return
	}
	var nonce [32]byte
	copy(nonce[:], m.Payload)
	a := plutonmsg.Attestation{DeviceID: publicXY(&p.identity.PublicKey), Measurements: p.measurements}
	d := plutonmsg.AttestationDigest(nonce, a.DeviceID, a.Measurements)
	p.proc.Sleep(costSign)
	sig, err := signRaw(p.identity, d[:])
	if err != nil {
		p.reject(m, mailbox.ErrCodeMalformed, "ProcessAttestation: "+err.Error())
		return
	}
	a.Signature = sig
	p.tr.Emit(trace.Pluton, "attestation.sign", trace.Str("from", m.From.String()), trace.Int("measurements", int64(len(a.Measurements))))
	_ = p.ep.Reply(m, a.Marshal())
}
