package pluton

import (
	"crypto/ecdsa"
	"encoding/hex"
	"fmt"

	"github.com/sphere-emu/sphere-emu/attest"
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
		case plutonmsg.KindGenerateClientAuthKey, plutonmsg.KindCommitClientAuthKey:
			p.serveClientAuthKey(m)
		case plutonmsg.KindSignWithTenantAttestation, plutonmsg.KindSignWithGeneralKey:
			p.serveSign(m)
		case plutonmsg.KindIsCapabilityEnabled, plutonmsg.KindGetEnabledCapabilities:
			p.serveCapabilities(m)
		case plutonmsg.KindCommitRollback:
			if m.From != mailbox.Secmon {
				p.reject(m, mailbox.ErrCodeDenied, m.From.String()+" may not commit an update")
				continue
			}
			p.commitRollback()
			_ = p.ep.Reply(m, nil)
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
	case req.Purpose == plutonmsg.PurposeStage && m.From == mailbox.Secmon && want == image.ImageTypeFirmwareConfig:
		p.serveStageCapability(m, req)
		return
	case req.Purpose == plutonmsg.PurposeStage && m.From == mailbox.Secmon && (want == 0 || osImageTypes[want]):
		if want == 0 {
			want = image.ImageTypeApplications
		} else {
			usage = image.UsagePlatform
		}
	default:
		p.reject(m, mailbox.ErrCodeDenied, fmt.Sprintf("%s may not ask to verify a %s image for purpose %d", m.From, want, req.Purpose))
		return
	}
	if req.Flags&plutonmsg.FlagTrial != 0 && m.From == mailbox.Secmon && !p.trial {
		p.trial = true
		p.tr.Emit(trace.Pluton, "update.trial", trace.Str("stage", req.Stage))
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
	switch {
	case err != nil:
		v.Reason = err.Error()
		p.emitVerify(stage, "pluton-runtime", "", pkg, false, meas, v.Reason)
	case req.Purpose == plutonmsg.PurposeStage:
		p.emitVerify(stage, "pluton-runtime", "staged", pkg, true, meas, "")
	default:
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
	p.testOnlyVerdictLeak(&v)
	_ = p.ep.Reply(m, v.Marshal())
}

// serveAttestation answers ProcessAttestation with an EAT in a COSE_Sign1
// envelope: the caller's nonce, the device ID, the measurement list of what
// actually booted, the security state, the public halves of the keys the
// service is to certify, and the OS version the OS reports. Pluton builds
// the claims itself: a caller chooses only the nonce and the OS-version
// string, so the identity key never signs bytes of the caller's choosing.
func (p *Pluton) serveAttestation(m mailbox.Message) {
	if m.From != mailbox.Kernel {
		p.reject(m, mailbox.ErrCodeDenied, m.From.String()+" may not ask for an attestation")
		return
	}
	req, err := plutonmsg.UnmarshalAttestRequest(m.Payload)
	if err != nil {
		p.reject(m, mailbox.ErrCodeMalformed, "ProcessAttestation: "+err.Error())
		return
	}
	id := publicXY(&p.identity.PublicKey)
	upd := publicXY(&p.general.PublicKey)
	c := attest.Claims{
		Nonce:         req.Nonce[:],
		UEID:          attest.UEIDFor(id[:]),
		DebugStatus:   debugStatus(p.hasCapability(image.CapabilityAppDevelopment)),
		Profile:       attest.Profile,
		SecurityState: plutonmsg.StateSecure,
		DeviceID:      id[:],
		Capabilities:  append([]uint16{}, p.capabilities...),
		OSVersion:     req.OSVersion,
		UpdateKey:     upd[:],
	}
	if k := p.clientKey(); k != nil {
		xy := publicXY(&k.PublicKey)
		c.ClientKey = xy[:]
	}
	for _, ms := range testOnlyAttested(p.measurements, uint32(image.ImageTypeNormalWorldKernel)) {
		c.Measurements = append(c.Measurements, attest.Measurement{Type: ms.Type, Digest: append([]byte(nil), ms.Digest[:]...)})
	}
	p.proc.Sleep(costSign)
	token, err := attest.Sign(&c, func(d [32]byte) ([64]byte, error) { return signRaw(p.identity, d[:]) })
	if err != nil {
		p.reject(m, mailbox.ErrCodeMalformed, "ProcessAttestation: "+err.Error())
		return
	}
	p.tr.Emit(trace.Pluton, "attestation.sign", trace.Str("from", m.From.String()), trace.Int("measurements", int64(len(c.Measurements))),
		trace.Int("token_bytes", int64(len(token))))
	_ = p.ep.Reply(m, token)
}

// clientKey is the key the next certificate is for: the one generated and
// not yet committed, else the committed one (nil before the first).
func (p *Pluton) clientKey() *ecdsa.PrivateKey {
	if p.pendingClient != nil {
		return p.pendingClient
	}
	return p.client
}

// serveClientAuthKey generates a client-auth key pair inside Pluton
// (GenerateClientAuthKey) or commits the generated one once the service
// has certified it (CommitClientAuthKey). Only the public half leaves.
func (p *Pluton) serveClientAuthKey(m mailbox.Message) {
	if m.From != mailbox.Kernel {
		p.reject(m, mailbox.ErrCodeDenied, m.From.String()+" may not manage the client-auth key")
		return
	}
	if m.Kind == plutonmsg.KindGenerateClientAuthKey {
		var seed [32]byte
		_, _ = p.rng.Read(seed[:])
		p.proc.Sleep(costSign)
		p.pendingClient = deriveKey(p.keys, seed[:], "sphere-emu/pluton/client-auth")
		p.secretsVersion++
		xy := publicXY(&p.pendingClient.PublicKey)
		p.tr.Emit(trace.Pluton, "clientkey.generate", trace.Str("public", hex.EncodeToString(xy[:8])))
		_ = p.ep.Reply(m, xy[:])
		return
	}
	if p.pendingClient == nil {
		p.reject(m, mailbox.ErrCodeDenied, "CommitClientAuthKey: no generated key to commit")
		return
	}
	xy := publicXY(&p.pendingClient.PublicKey)
	if string(m.Payload) != string(xy[:]) {
		p.reject(m, mailbox.ErrCodeMalformed, "CommitClientAuthKey: the public key is not the one generated")
		return
	}
	p.client, p.pendingClient = p.pendingClient, nil
	p.tr.Emit(trace.Pluton, "clientkey.commit", trace.Str("public", hex.EncodeToString(xy[:8])))
	_ = p.ep.Reply(m, nil)
}

// serveSign signs a digest for a TLS handshake with the committed
// client-auth key or the general key: the private keys stay here.
func (p *Pluton) serveSign(m mailbox.Message) {
	if m.From != mailbox.Kernel {
		p.reject(m, mailbox.ErrCodeDenied, m.From.String()+" may not ask for signatures")
		return
	}
	req, err := plutonmsg.UnmarshalSignRequest(m.Payload)
	if err != nil {
		p.reject(m, mailbox.ErrCodeMalformed, err.Error())
		return
	}
	key, name := p.general, "general"
	if m.Kind == plutonmsg.KindSignWithTenantAttestation {
		key, name = p.client, "client-auth"
	}
	if key == nil {
		p.reject(m, mailbox.ErrCodeDenied, "no committed client-auth key: the device has not attested")
		return
	}
	p.proc.Sleep(costSign)
	sig, err := signRaw(key, req.Digest[:])
	if err != nil {
		p.reject(m, mailbox.ErrCodeMalformed, err.Error())
		return
	}
	p.tr.Emit(trace.Pluton, "key.sign", trace.Str("key", name), trace.Str("from", m.From.String()))
	_ = p.ep.Reply(m, sig[:])
}
