package service_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sphere-emu/sphere-emu/attest"
	"github.com/sphere-emu/sphere-emu/image"
	"github.com/sphere-emu/sphere-emu/service"
	"github.com/sphere-emu/sphere-emu/service/api"
)

// start is the virtual time tests begin at, as devices do.
var start = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// clock is a manual clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: start} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// seeded returns a deterministic random source.
func seeded(seed byte) io.Reader {
	var s [32]byte
	s[0] = seed
	return mrand.NewChaCha8(s)
}

// newService starts an in-memory service on a manual clock.
func newService(t testing.TB) (*service.Service, *clock) {
	t.Helper()
	return newServiceSeed(t, 1)
}

// newServiceSeed starts an in-memory service whose Rand has a given seed.
func newServiceSeed(t testing.TB, seed byte) (*service.Service, *clock) {
	t.Helper()
	c := newClock()
	s, err := service.New(service.Config{Now: c.Now, Rand: seeded(seed)})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s, c
}

// testdata reads a file of the repository's testdata.
func testdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", name))
	require.NoError(t, err)
	return b
}

// flashPackages returns the image packages of a flash image in boot order
// (primary partitions only), as Pluton measures them.
func flashPackages(t testing.TB, flash []byte) []*image.Package {
	t.Helper()
	loc, err := image.ParseLocator(flash)
	require.NoError(t, err)
	var out []*image.Package
	for _, p := range loc.Partitions {
		if p.ImageType == 0 || p.Type == image.PartitionTypeBackups || p.Type == image.PartitionTypeBootloaderOneBackup {
			continue
		}
		data, err := image.PartitionData(flash, p)
		require.NoError(t, err)
		pkg, err := image.ParsePackage(data)
		require.NoError(t, err)
		out = append(out, pkg)
	}
	return out
}

// measurements returns what Pluton measures when a flash image boots.
func measurements(t testing.TB, flash []byte) []attest.Measurement {
	var ms []attest.Measurement
	for _, p := range flashPackages(t, flash) {
		d := p.Digest()
		ms = append(ms, attest.Measurement{Type: uint32(p.Metadata.Identity.Type), Digest: d[:]})
	}
	return ms
}

// device is a test device: its Pluton keys.
type device struct {
	identity, update, client *ecdsa.PrivateKey
}

func newDevice(t testing.TB) *device {
	t.Helper()
	gen := func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		require.NoError(t, err)
		return k
	}
	return &device{identity: gen(), update: gen(), client: gen()}
}

func xy(k *ecdsa.PrivateKey) []byte {
	b := image.PublicKeyBytes(&k.PublicKey)
	return b[:]
}

// ID is the device ID in hex.
func (d *device) ID() string { return hex.EncodeToString(xy(d.identity)) }

// claims returns a valid claim set for a nonce and the sample image.
func (d *device) claims(nonce []byte, ms []attest.Measurement) *attest.Claims {
	id := xy(d.identity)
	return &attest.Claims{
		Nonce:         nonce,
		UEID:          attest.UEIDFor(id),
		DebugStatus:   attest.DebugDisabledSinceBoot,
		Profile:       attest.Profile,
		SecurityState: 2,
		DeviceID:      id,
		OSVersion:     "26.11",
		ClientKey:     xy(d.client),
		Measurements:  ms,
		UpdateKey:     xy(d.update),
	}
}

// signWith returns a SignFunc for a key.
func signWith(k *ecdsa.PrivateKey) attest.SignFunc {
	return func(digest [32]byte) ([64]byte, error) {
		var out [64]byte
		r, s, err := ecdsa.Sign(rand.Reader, k, digest[:])
		if err != nil {
			return out, err
		}
		r.FillBytes(out[:32])
		s.FillBytes(out[32:])
		return out, nil
	}
}

// token signs claims with the device's identity key.
func (d *device) token(t testing.TB, c *attest.Claims) []byte {
	t.Helper()
	tok, err := attest.Sign(c, signWith(d.identity))
	require.NoError(t, err)
	return tok
}

// attest runs challenge and attestation, letting mutate change the
// claims. It calls no t.FailNow, so goroutines may use it.
func (d *device) attest(_ testing.TB, s *service.Service, ms []attest.Measurement, mutate func(*attest.Claims)) (*api.Certificates, error) {
	ch, err := s.Challenge(d.ID())
	if err != nil {
		return nil, err
	}
	c := d.claims(ch.Nonce, ms)
	if mutate != nil {
		mutate(c)
	}
	tok, err := attest.Sign(c, signWith(d.identity))
	if err != nil {
		return nil, err
	}
	return s.Attest(tok)
}

// fixture is a service with a tenant, a product, a claimed device and the
// sample app added.
type fixture struct {
	s      *service.Service
	clock  *clock
	tenant service.Tenant
	dev    *device
	ms     []attest.Measurement // blink.bin's measurements
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	return newFixtureSeed(t, 1)
}

// newFixtureSeed builds a fixture on a service with a given seed.
func newFixtureSeed(t testing.TB, seed byte) *fixture {
	t.Helper()
	s, c := newServiceSeed(t, seed)
	tn, err := s.CreateTenant("Contoso")
	require.NoError(t, err)
	_, err = s.CreateProduct("", "Blinker", "blinks")
	require.NoError(t, err)
	_, err = s.AddImage("", testdata(t, "images/blink.imagepackage"))
	require.NoError(t, err)
	d := newDevice(t)
	_, err = s.ClaimDevice("", d.ID(), "Blinker/Field Test")
	require.NoError(t, err)
	return &fixture{s: s, clock: c, tenant: tn, dev: d, ms: measurements(t, testdata(t, "images/blink.bin"))}
}

// parseCert decodes one PEM certificate.
func parseCert(t testing.TB, p string) *x509.Certificate {
	t.Helper()
	b, _ := pem.Decode([]byte(p))
	require.NotNil(t, b, "no PEM block")
	c, err := x509.ParseCertificate(b.Bytes)
	require.NoError(t, err)
	return c
}

// httpClient reaches the service over its in-memory dialer, presenting
// the given client certificate (if any).
func httpClient(s *service.Service, cert *tls.Certificate) *http.Client {
	cfg := &tls.Config{RootCAs: s.ServiceCAPool(), ServerName: service.ServerName}
	if cert != nil {
		cfg.Certificates = []tls.Certificate{*cert}
	}
	return &http.Client{Transport: &http.Transport{
		DialContext:       s.DialContext,
		TLSClientConfig:   cfg,
		ForceAttemptHTTP2: false,
	}}
}

// tlsCert pairs a PEM certificate with its key.
func tlsCert(t testing.TB, certPEM string, key *ecdsa.PrivateKey) *tls.Certificate {
	c := parseCert(t, certPEM)
	return &tls.Certificate{Certificate: [][]byte{c.Raw}, PrivateKey: key, Leaf: c}
}

// postJSON posts v and decodes the answer into out; it returns the status.
func postJSON(t testing.TB, c *http.Client, path string, v any, out any) int {
	t.Helper()
	var body []byte
	switch v := v.(type) {
	case []byte:
		body = v
	default:
		var err error
		body, err = json.Marshal(v)
		require.NoError(t, err)
	}
	resp, err := c.Post("https://"+service.ServerName+path, "application/json", bytes.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	if out != nil {
		require.NoError(t, json.Unmarshal(b, out), "body %s", b)
	}
	return resp.StatusCode
}

// digest is a SHA-256 for fake measurements.
func digest(s string) []byte {
	d := sha256.Sum256([]byte(s))
	return d[:]
}

type ecdsaPublicKey = ecdsa.PublicKey

func hexs(b []byte) string { return hex.EncodeToString(b) }
