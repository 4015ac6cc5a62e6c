package pluton

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/hex"
	"math/big"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sphere-emu/sphere-emu/attest"
	"github.com/sphere-emu/sphere-emu/hw"
	"github.com/sphere-emu/sphere-emu/image"
	"github.com/sphere-emu/sphere-emu/mailbox"
	"github.com/sphere-emu/sphere-emu/pluton/plutonmsg"
	"github.com/sphere-emu/sphere-emu/secmon/secmonmsg"
	"github.com/sphere-emu/sphere-emu/sim"
	"github.com/sphere-emu/sphere-emu/trace"
)

// world is Pluton on a bus, with the test driving the Security Monitor's
// and the kernel's endpoints, and every byte on the bus and in the trace kept.
type world struct {
	s       *sim.Sim
	p       *Pluton
	bus     *mailbox.Bus
	secmon  *mailbox.Endpoint
	kernel  *mailbox.Endpoint
	wire    bytes.Buffer
	jsonl   bytes.Buffer
	rec     *trace.Recorder
	flash   []byte
	locator *image.Locator
}

func newWorld(t *testing.T) *world {
	t.Helper()
	img, err := os.ReadFile("../testdata/images/blink.bin")
	require.NoError(t, err)
	pubPEM, err := os.ReadFile("../testdata/keys/platform-root.pub.pem")
	require.NoError(t, err)
	pub, err := image.ParsePublicKeyPEM(pubPEM)
	require.NoError(t, err)
	xy := image.PublicKeyBytes(pub)
	w := &world{s: sim.New(1), rec: &trace.Recorder{}, flash: img}
	w.locator, err = image.ParseLocator(img[:image.EraseBlockSize])
	require.NoError(t, err)
	jl := trace.NewJSONL(&w.jsonl)
	tr := trace.New(w.s.Now, w.rec, jl)
	t.Cleanup(func() { _ = jl.Flush() })
	w.bus = mailbox.NewBus(w.s, tr)
	w.bus.SetTap(func(from, to mailbox.Addr, b []byte) ([]byte, bool) {
		w.wire.Write(b)
		return b, false
	})
	flash, err := hw.NewFlash(image.DefaultFlashSize, img)
	require.NoError(t, err)
	w.p = New(Config{Fuses: Manufacture(1, sha256.Sum256(xy[:])), Flash: flash, Bus: w.bus, Tracer: tr})
	w.secmon = w.bus.Open(mailbox.Secmon, 0)
	w.kernel = w.bus.Open(mailbox.Kernel, 0)
	w.bus.Open(mailbox.Device, 0)
	w.s.Spawn("pluton", w.p.Run)
	return w
}

func (w *world) partition(t *testing.T, pt image.PartitionType, it image.ImageType) []byte {
	p, ok := w.locator.Find(pt, it)
	require.True(t, ok)
	return w.flash[p.Offset : p.Offset+p.Length]
}

func verify(t *testing.T, ep *mailbox.Endpoint, req plutonmsg.VerifyImage) (plutonmsg.Verdict, error) {
	resp, err := ep.Call(mailbox.Pluton, plutonmsg.KindVerifyImage, req.Marshal(), sim.Second)
	if err != nil {
		return plutonmsg.Verdict{}, err
	}
	v, err := plutonmsg.UnmarshalVerdict(resp)
	require.NoError(t, err)
	return v, nil
}

// TestSecretsNeverLeavePluton runs the boot and every request Pluton serves,
// then searches every byte that crossed the bus and every trace line for the
// device secret, each DICE CDI and each private key.
func TestSecretsNeverLeavePluton(t *testing.T) {
	w := newWorld(t)
	kernelImg := w.partition(t, image.PartitionTypeFirmware, image.ImageTypeNormalWorldKernel)
	appImg := w.partition(t, image.PartitionTypeApplications, image.ImageTypeApplications)
	var measurements []plutonmsg.Measurement
	w.s.Spawn("secmon", func(p *sim.Proc) {
		w.secmon.Bind(p)
		m := w.secmon.Recv()
		require.Equal(t, secmonmsg.KindBoot, m.Kind)
		v, err := verify(t, w.secmon, plutonmsg.VerifyImage{Purpose: plutonmsg.PurposeOS, ImageType: uint16(image.ImageTypeNormalWorldKernel), Stage: "kernel", Image: kernelImg})
		require.NoError(t, err)
		require.True(t, v.OK, v.Reason)
		st, err := w.secmon.Call(mailbox.Pluton, plutonmsg.KindGetSecurityState, nil, sim.Second)
		require.NoError(t, err)
		state, err := plutonmsg.UnmarshalSecurityState(st)
		require.NoError(t, err)
		require.Equal(t, w.p.DeviceID(), hex.EncodeToString(state.IdentityKey[:]))
		rng, err := w.secmon.Call(mailbox.Pluton, plutonmsg.KindReadRng, secmonmsg.EncodeU32(64), sim.Second)
		require.NoError(t, err)
		require.Len(t, rng, 64)
		ms, err := w.secmon.Call(mailbox.Pluton, plutonmsg.KindGetMeasurements, nil, sim.Second)
		require.NoError(t, err)
		measurements, err = plutonmsg.UnmarshalMeasurements(ms)
		require.NoError(t, err)
	})
	w.s.Spawn("kernel", func(p *sim.Proc) {
		w.kernel.Bind(p)
		p.Sleep(100 * sim.Millisecond)
		v, err := verify(t, w.kernel, plutonmsg.VerifyImage{Purpose: plutonmsg.PurposeApp, Stage: "app:#0", Image: appImg})
		require.NoError(t, err)
		require.True(t, v.OK, v.Reason)
	})
	w.s.Run(sim.Second)

	// The measurement list holds every verified image, in order.
	require.Len(t, measurements, 5, "keystore, 1bl, pluton-runtime, secmon, kernel (the app is verified later)")
	var traced []string
	for _, e := range w.rec.Named("stage.verify") {
		traced = append(traced, e.Str("measurement"))
	}
	for i, m := range measurements {
		require.Equal(t, traced[i], hex.EncodeToString(m.Digest[:]))
	}

	secrets := map[string][]byte{"uds": w.p.fuses.uds[:]}
	secrets["identity key"] = w.p.identity.D.Bytes()
	secrets["general key"] = w.p.general.D.Bytes()
	for _, l := range w.p.layers {
		secrets["cdi "+l.stage] = append([]byte(nil), l.cdi[:]...)
		secrets["layer key "+l.stage] = l.key.D.Bytes()
	}
	require.Len(t, w.p.layers, 4, "1bl, pluton-runtime, secmon, kernel")
	require.Greater(t, w.wire.Len(), 20000)
	w.s.Shutdown()
	for name, s := range secrets {
		require.Len(t, s, 32, name)
		require.False(t, bytes.Contains(w.wire.Bytes(), s), "%s crossed the bus", name)
		require.NotContains(t, w.jsonl.String(), hex.EncodeToString(s), "%s is in the trace", name)
		require.False(t, bytes.Contains(w.jsonl.Bytes(), s), "%s is in the trace (raw)", name)
	}
}

// TestRequestsAreCheckedAgainstTheSender checks Pluton's deny rules: only
// the Security Monitor may have OS images verified, only the listed image
// types, and oversized or malformed requests are refused with an error.
func TestRequestsAreCheckedAgainstTheSender(t *testing.T) {
	w := newWorld(t)
	kernelImg := w.partition(t, image.PartitionTypeFirmware, image.ImageTypeNormalWorldKernel)
	secmonImg := w.partition(t, image.PartitionTypeFirmware, image.ImageTypeSecurityMonitor)
	appImg := w.partition(t, image.PartitionTypeApplications, image.ImageTypeApplications)
	type check struct {
		name string
		ep   *mailbox.Endpoint
		kind mailbox.Kind
		body []byte
		code uint32 // 0: success expected
	}
	var got []string
	w.s.Spawn("driver", func(p *sim.Proc) {
		w.kernel.Bind(p)
		w.secmon.Bind(p)
		p.Sleep(100 * sim.Millisecond)
		for _, c := range []check{
			{"kernel asks for an OS verification", w.kernel, plutonmsg.KindVerifyImage, (&plutonmsg.VerifyImage{Purpose: plutonmsg.PurposeOS, ImageType: uint16(image.ImageTypeNormalWorldKernel), Stage: "kernel", Image: kernelImg}).Marshal(), mailbox.ErrCodeDenied},
			{"secmon asks to re-verify a boot stage", w.secmon, plutonmsg.KindVerifyImage, (&plutonmsg.VerifyImage{Purpose: plutonmsg.PurposeOS, ImageType: uint16(image.ImageTypeSecurityMonitor), Stage: "secmon", Image: secmonImg}).Marshal(), mailbox.ErrCodeDenied},
			{"unknown purpose", w.secmon, plutonmsg.KindVerifyImage, []byte{9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, mailbox.ErrCodeMalformed},
			{"truncated request", w.kernel, plutonmsg.KindVerifyImage, []byte{2, 0}, mailbox.ErrCodeMalformed},
			{"too much randomness", w.kernel, plutonmsg.KindReadRng, secmonmsg.EncodeU32(1 << 20), mailbox.ErrCodeMalformed},
			{"unknown kind", w.kernel, 0x7777, nil, mailbox.ErrCodeUnknownKind},
			{"app verification by the kernel", w.kernel, plutonmsg.KindVerifyImage, (&plutonmsg.VerifyImage{Purpose: plutonmsg.PurposeApp, Stage: "app:#0", Image: appImg}).Marshal(), 0},
		} {
			_, err := c.ep.Call(mailbox.Pluton, c.kind, c.body, sim.Second)
			if c.code == 0 {
				require.NoError(t, err, c.name)
			} else {
				var re *mailbox.RemoteError
				require.ErrorAs(t, err, &re, c.name)
				require.Equal(t, c.code, re.Code, c.name)
			}
			got = append(got, c.name)
		}
	})
	w.s.Run(2 * sim.Second)
	require.Len(t, got, 7)
	require.Len(t, w.rec.Named("request.reject"), 6)
}

func TestVerifyRefusesWrongTypeAndForeignSigners(t *testing.T) {
	w := newWorld(t)
	rootfs := w.partition(t, image.PartitionTypeFirmware, image.ImageTypeRootFs)
	appImg := w.partition(t, image.PartitionTypeApplications, image.ImageTypeApplications)
	var verdicts []plutonmsg.Verdict
	w.s.Spawn("secmon", func(p *sim.Proc) {
		w.secmon.Bind(p)
		w.secmon.Recv()
		for _, req := range []plutonmsg.VerifyImage{
			// a valid rootfs presented as the kernel
			{Purpose: plutonmsg.PurposeOS, ImageType: uint16(image.ImageTypeNormalWorldKernel), Stage: "kernel", Image: rootfs},
			// an app package presented as the kernel
			{Purpose: plutonmsg.PurposeOS, ImageType: uint16(image.ImageTypeNormalWorldKernel), Stage: "kernel", Image: appImg},
		} {
			v, err := verify(t, w.secmon, req)
			require.NoError(t, err)
			verdicts = append(verdicts, v)
		}
	})
	w.s.Run(sim.Second)
	require.Len(t, verdicts, 2)
	require.False(t, verdicts[0].OK)
	require.Contains(t, verdicts[0].Reason, "image type RootFs where NormalWorldKernel was expected")
	require.False(t, verdicts[1].OK)
	require.Contains(t, verdicts[1].Reason, "image type Applications where NormalWorldKernel was expected")
}

func TestFusesPersistAndOnlyGoUp(t *testing.T) {
	f := Manufacture(3, [32]byte{1, 2, 3})
	require.NoError(t, f.BurnRollbackCounter(4, 2))
	require.Error(t, f.BurnRollbackCounter(4, 1))
	path := t.TempDir() + "/fuses.json"
	require.NoError(t, f.Save(path))
	g, err := LoadFuses(path)
	require.NoError(t, err)
	require.Equal(t, f.uds, g.uds)
	require.Equal(t, f.RootKeyHash(), g.RootKeyHash())
	require.EqualValues(t, 2, g.RollbackCounter(4))

	const app = "da24e045-eb65-4f85-9654-8f843d5735a2"
	require.NoError(t, f.BurnAppRollbackCounter(app, 3))
	require.Error(t, f.BurnAppRollbackCounter(app, 2))
	require.NoError(t, f.Save(path))
	g, err = LoadFuses(path)
	require.NoError(t, err)
	require.EqualValues(t, 3, g.AppRollbackCounter(app))
	require.Zero(t, g.AppRollbackCounter("0b7a3c5e-2d41-4a8e-9f3c-7e5d1a2b4c60"), "apps are counted each on its own")
	require.NotEqual(t, Manufacture(3, [32]byte{}).uds, Manufacture(4, [32]byte{}).uds)

	require.NoError(t, os.WriteFile(path, []byte(`{"uds":"zz"}`), 0o600))
	_, err = LoadFuses(path)
	require.ErrorContains(t, err, "uds")
}

func TestAttestationIsAnEATSignedByTheDeviceIdentity(t *testing.T) {
	w := newWorld(t)
	var token []byte
	var errs []error
	var clientPub []byte
	nonce := [32]byte{1, 2, 3}
	w.s.Spawn("secmon", func(p *sim.Proc) {
		w.secmon.Bind(p)
		w.secmon.Recv()
		req := plutonmsg.AttestRequest{Nonce: nonce, OSVersion: "26.11"}
		_, err := w.secmon.Call(mailbox.Pluton, plutonmsg.KindProcessAttestation, req.Marshal(), sim.Second)
		errs = append(errs, err) // only the kernel may ask
	})
	w.s.Spawn("kernel", func(p *sim.Proc) {
		w.kernel.Bind(p)
		p.Sleep(100 * sim.Millisecond)
		var err error
		clientPub, err = w.kernel.Call(mailbox.Pluton, plutonmsg.KindGenerateClientAuthKey, nil, sim.Second)
		require.NoError(t, err)
		req := plutonmsg.AttestRequest{Nonce: nonce, OSVersion: "26.11"}
		token, err = w.kernel.Call(mailbox.Pluton, plutonmsg.KindProcessAttestation, req.Marshal(), sim.Second)
		require.NoError(t, err)
		_, err = w.kernel.Call(mailbox.Pluton, plutonmsg.KindProcessAttestation, nonce[:5], sim.Second)
		errs = append(errs, err) // too short
		var d plutonmsg.SignRequest
		_, err = w.kernel.Call(mailbox.Pluton, plutonmsg.KindSignWithTenantAttestation, d.Marshal(), sim.Second)
		errs = append(errs, err) // not committed yet
		_, err = w.kernel.Call(mailbox.Pluton, plutonmsg.KindCommitClientAuthKey, clientPub, sim.Second)
		require.NoError(t, err)
		sig, err := w.kernel.Call(mailbox.Pluton, plutonmsg.KindSignWithTenantAttestation, d.Marshal(), sim.Second)
		require.NoError(t, err)
		pub, err := attest.PublicKey(clientPub)
		require.NoError(t, err)
		r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
		require.True(t, ecdsa.Verify(pub, d.Digest[:], r, s), "the committed client key signs")
	})
	w.s.Run(sim.Second)
	require.Len(t, errs, 3)
	for _, err := range errs {
		require.Error(t, err)
	}

	c, err := attest.Verify(token)
	require.NoError(t, err)
	require.Equal(t, w.p.DeviceID(), hex.EncodeToString(c.DeviceID))
	require.Equal(t, nonce[:], c.Nonce)
	require.Equal(t, "26.11", c.OSVersion)
	require.Equal(t, clientPub, c.ClientKey)
	require.Len(t, c.UpdateKey, 64)
	require.EqualValues(t, plutonmsg.StateSecure, c.SecurityState)
	require.Len(t, c.Measurements, 4, "keystore, 1bl, pluton-runtime, secmon")
	keystore := w.partition(t, image.PartitionTypeFirmware, image.ImageTypeTrustedKeystore)
	pkg, err := image.ParsePackage(keystore)
	require.NoError(t, err)
	want := pkg.Digest()
	require.Equal(t, want[:], c.Measurements[0].Digest, "the first measurement is the keystore that booted")

	// Tampering with any byte of the token breaks it.
	bad := bytes.Clone(token)
	bad[len(bad)/2] ^= 1
	_, err = attest.Verify(bad)
	require.Error(t, err)
	// No private scalar ever crossed the bus.
	for _, k := range []*ecdsa.PrivateKey{w.p.client, w.p.general, w.p.identity} {
		scalar, err := k.Bytes()
		require.NoError(t, err)
		require.NotContains(t, w.wire.String(), string(scalar))
	}
}
