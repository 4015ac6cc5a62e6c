package main

import (
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	sphereemu "github.com/sphere-emu/sphere-emu"
	"github.com/sphere-emu/sphere-emu/device"

	"github.com/sphere-emu/sphere-emu/attest"
	"github.com/sphere-emu/sphere-emu/image"
	"github.com/sphere-emu/sphere-emu/service"
	"github.com/sphere-emu/sphere-emu/service/api"
)

// TestServiceScripts runs the scripts in testdata/service-script against a
// real `sphere-emu service` process. Besides `exit`, they have:
//
//	service-start DIR      start `sphere-emu service --addr 127.0.0.1:0 --data DIR`
//	                       and wait until it prints that it listens
//	service-stop           send it SIGINT; its output goes to $WORK/service.log
//	fake-device NAME       make a device (keys only); $NAME is its ID
//	[!] device-attest DIR NAME [OSVERSION]
//	                       attest NAME with the sample image's measurements
//	device-report DIR NAME upload one app crash twice (same seq) and a second
//	                       crash of the same instant, with the update certificate
//	device-telemetry DIR NAME JSON
//	                       post JSON to the company cloud with the client certificate
//	image-id NAME FILE     $NAME is the image ID of the package in FILE
//	device-boot, device-stop  a background device with its REST API (TestDeviceRESTScripts)
//	device-id NAME SEED    $NAME is the ID of the emulated device `boot
//	                       --device-seed SEED` runs (as its narrative prints)
func TestServiceScripts(t *testing.T) {
	td, err := filepath.Abs(filepath.Join("..", "..", "testdata"))
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir: filepath.Join("testdata", "service-script"),
		Setup: func(e *testscript.Env) error {
			e.Setenv("TESTDATA", td)
			e.Values[scriptStateKey{}] = &scriptState{devices: map[string]*fakeDevice{}}
			dev := &bootState{}
			e.Values[bootStateKey{}] = dev
			e.Defer(func() {
				if dev.cmd != nil && dev.cmd.ProcessState == nil {
					dev.cmd.Process.Kill()
					dev.cmd.Wait()
				}
			})
			e.Defer(func() {
				st := e.Values[scriptStateKey{}].(*scriptState)
				if st.svc != nil && st.svc.ProcessState == nil {
					st.svc.Process.Kill()
					st.svc.Wait()
				}
			})
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exit":             cmdExit,
			"service-start":    cmdServiceStart,
			"service-stop":     cmdServiceStop,
			"fake-device":      cmdFakeDevice,
			"device-attest":    cmdDeviceAttest,
			"device-report":    cmdDeviceReport,
			"device-telemetry": cmdDeviceTelemetry,
			"device-id":        cmdDeviceID,
			"image-id":         cmdImageID,
			"device-boot":      cmdDeviceBoot,
			"device-stop":      cmdDeviceStop,
		},
	})
}

type scriptStateKey struct{}

// scriptState is one script's service process and fake devices.
type scriptState struct {
	svc     *exec.Cmd
	output  func() string // what the service printed so far
	devices map[string]*fakeDevice
}

func state(ts *testscript.TestScript) *scriptState {
	return ts.Value(scriptStateKey{}).(*scriptState)
}

// cmdExit runs a command and checks its exit code: exit CODE command args...
func cmdExit(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exit CODE command [args...]")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("%s: %v", args[1], err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("%s exited with %d, want %d", args[1], got, want)
	}
}

// syncBuffer is a bytes.Buffer safe for a writer goroutine and a reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func cmdServiceStart(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: service-start DIR")
	}
	st := state(ts)
	bin, err := exec.LookPath("sphere-emu")
	ts.Check(err)
	cmd := exec.Command(bin, "service", "--addr", "127.0.0.1:0", "--data", ts.MkAbs(args[0]))
	cmd.Dir = ts.Getenv("WORK")
	stdout, err := cmd.StdoutPipe()
	ts.Check(err)
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	ts.Check(cmd.Start())
	st.svc = cmd
	// Block on the service's own announcement: it prints the banner after
	// it listens, so no polling and no sleeping.
	r := bufio.NewReader(stdout)
	var banner strings.Builder
	for {
		line, err := r.ReadString('\n')
		banner.WriteString(line)
		if err != nil {
			cmd.Wait()
			ts.Fatalf("the service exited before listening: %v\n%s%s", err, banner.String(), stderr.String())
		}
		if strings.HasPrefix(line, "admin token:") {
			break
		}
	}
	ts.Logf("%s", banner.String())
	rest := &syncBuffer{}
	rest.Write([]byte(banner.String()))
	copied := make(chan struct{})
	go func() { io.Copy(rest, r); close(copied) }()
	st.output = func() string { <-copied; return rest.String() + stderr.String() }
}

func cmdServiceStop(ts *testscript.TestScript, neg bool, args []string) {
	st := state(ts)
	if neg || len(args) != 0 || st.svc == nil {
		ts.Fatalf("usage: service-stop (after service-start)")
	}
	ts.Check(st.svc.Process.Signal(os.Interrupt))
	out := st.output() // read to the end before Wait closes the pipe
	err := st.svc.Wait()
	ts.Check(os.WriteFile(ts.MkAbs("service.log"), []byte(out), 0o644))
	if err != nil {
		ts.Fatalf("the service did not stop cleanly: %v\n%s", err, out)
	}
}

// fakeDevice is a device's Pluton keys and the certificates it got.
type fakeDevice struct {
	identity, update, client *ecdsa.PrivateKey
	certs                    *api.Certificates
}

func (d *fakeDevice) id() string {
	b := image.PublicKeyBytes(&d.identity.PublicKey)
	return hex.EncodeToString(b[:])
}

func cmdFakeDevice(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: fake-device NAME")
	}
	gen := func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		ts.Check(err)
		return k
	}
	d := &fakeDevice{identity: gen(), update: gen(), client: gen()}
	state(ts).devices[args[0]] = d
	ts.Setenv(args[0], d.id())
}

// deviceClient reaches the service in DIR, presenting cert if not nil.
func deviceClient(ts *testscript.TestScript, dir string, cert *tls.Certificate) (*http.Client, string) {
	url, err := os.ReadFile(filepath.Join(ts.MkAbs(dir), service.URLFile))
	ts.Check(err)
	ca, err := os.ReadFile(filepath.Join(ts.MkAbs(dir), service.ServiceCAFile))
	ts.Check(err)
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(ca) {
		ts.Fatalf("no CA in %s", service.ServiceCAFile)
	}
	cfg := &tls.Config{RootCAs: pool}
	if cert != nil {
		cfg.Certificates = []tls.Certificate{*cert}
	}
	return &http.Client{Timeout: time.Minute, Transport: &http.Transport{TLSClientConfig: cfg}}, strings.TrimSpace(string(url))
}

// post sends a body and decodes a JSON answer; it returns the status.
func post(ts *testscript.TestScript, c *http.Client, url, ctype string, body []byte, out any) int {
	resp, err := c.Post(url, ctype, bytes.NewReader(body))
	ts.Check(err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	ts.Check(err)
	if resp.StatusCode >= 300 {
		var e api.Error
		if json.Unmarshal(b, &e) == nil {
			ts.Logf("%d %s: %s", resp.StatusCode, e.Code, e.Reason)
		}
		return resp.StatusCode
	}
	if out != nil {
		ts.Check(json.Unmarshal(b, out))
	}
	return resp.StatusCode
}

func sampleMeasurements(ts *testscript.TestScript) []attest.Measurement {
	flash, err := os.ReadFile(filepath.Join(ts.Getenv("TESTDATA"), "images", "blink.bin"))
	ts.Check(err)
	loc, err := image.ParseLocator(flash)
	ts.Check(err)
	var ms []attest.Measurement
	for _, p := range loc.Partitions {
		if p.ImageType == 0 || p.Type == image.PartitionTypeBackups || p.Type == image.PartitionTypeBootloaderOneBackup {
			continue
		}
		data, err := image.PartitionData(flash, p)
		ts.Check(err)
		pkg, err := image.ParsePackage(data)
		ts.Check(err)
		d := pkg.Digest()
		ms = append(ms, attest.Measurement{Type: uint32(p.ImageType), Digest: d[:]})
	}
	return ms
}

func cmdDeviceAttest(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 || len(args) > 3 {
		ts.Fatalf("usage: device-attest DIR NAME [OSVERSION]")
	}
	d := state(ts).devices[args[1]]
	if d == nil {
		ts.Fatalf("no fake device %s", args[1])
	}
	osVersion := "26.11"
	if len(args) == 3 {
		osVersion = args[2]
	}
	c, url := deviceClient(ts, args[0], nil)
	req, _ := json.Marshal(api.ChallengeRequest{DeviceID: d.id()})
	var ch api.ChallengeResponse
	if st := post(ts, c, url+api.PathChallenge, "application/json", req, &ch); st != 200 {
		ts.Fatalf("challenge: status %d", st)
	}
	xy := func(k *ecdsa.PrivateKey) []byte { b := image.PublicKeyBytes(&k.PublicKey); return b[:] }
	id := xy(d.identity)
	claims := &attest.Claims{Nonce: ch.Nonce, UEID: attest.UEIDFor(id), DebugStatus: attest.DebugDisabledSinceBoot,
		Profile: attest.Profile, SecurityState: 2, DeviceID: id, OSVersion: osVersion, ClientKey: xy(d.client),
		Measurements: sampleMeasurements(ts), UpdateKey: xy(d.update)}
	tok, err := attest.Sign(claims, func(digest [32]byte) ([64]byte, error) {
		var out [64]byte
		r, s, err := ecdsa.Sign(rand.Reader, d.identity, digest[:])
		r.FillBytes(out[:32])
		s.FillBytes(out[32:])
		return out, err
	})
	ts.Check(err)
	var certs api.Certificates
	st := post(ts, c, url+api.PathAttest, api.ContentTypeCOSE, tok, &certs)
	switch {
	case neg && st == 200:
		ts.Fatalf("attestation succeeded")
	case !neg && st != 200:
		ts.Fatalf("attestation refused: status %d", st)
	case !neg:
		d.certs = &certs
	}
}

// keyPair pairs a PEM certificate with its key.
func keyPair(ts *testscript.TestScript, certPEM string, key *ecdsa.PrivateKey) *tls.Certificate {
	b, _ := pem.Decode([]byte(certPEM))
	if b == nil {
		ts.Fatalf("no certificate")
	}
	return &tls.Certificate{Certificate: [][]byte{b.Bytes}, PrivateKey: key}
}

func attestedDevice(ts *testscript.TestScript, name string) *fakeDevice {
	d := state(ts).devices[name]
	if d == nil || d.certs == nil {
		ts.Fatalf("fake device %s has not attested", name)
	}
	return d
}

func cmdDeviceReport(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: device-report DIR NAME")
	}
	d := attestedDevice(ts, args[1])
	c, url := deviceClient(ts, args[0], keyPair(ts, d.certs.UpdateCertificate, d.update))
	at := time.Now().UTC().Truncate(time.Second)
	crash := api.ErrorEvent{Seq: 1, Time: at, EventType: api.EventUnplanned, EventClass: api.ClassApp,
		Description: "AppCrash (exit_status=11; signal_status=11; signal_code=3; component_id=da24e045-eb65-4f85-9654-8f843d5735a2; image_id=1)"}
	second := crash
	second.Seq = 2
	for _, rep := range []api.ErrorReport{{Events: []api.ErrorEvent{crash}}, {Events: []api.ErrorEvent{crash, second}}} {
		body, _ := json.Marshal(rep)
		var acc api.ErrorReportAccepted
		if st := post(ts, c, url+api.PathErrorReports, "application/json", body, &acc); st != 200 {
			ts.Fatalf("error report: status %d", st)
		}
	}
}

func cmdDeviceTelemetry(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 {
		ts.Fatalf("usage: [!] device-telemetry DIR NAME JSON")
	}
	d := attestedDevice(ts, args[1])
	c, url := deviceClient(ts, args[0], keyPair(ts, d.certs.ClientCertificate, d.client))
	st := post(ts, c, url+service.PathTelemetry, "application/json", []byte(args[2]), nil)
	if (st == http.StatusAccepted) == neg {
		ts.Fatalf("telemetry: status %d", st)
	}
}

func cmdDeviceID(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: device-id NAME SEED")
	}
	seed, err := strconv.ParseUint(args[1], 10, 64)
	ts.Check(err)
	d, err := device.New(device.Config{Image: sphereemu.SampleImage, DeviceSeed: seed})
	ts.Check(err)
	ts.Setenv(args[0], d.DeviceID())
	ts.Check(d.Close())
}

func cmdImageID(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: image-id NAME FILE")
	}
	b, err := os.ReadFile(ts.MkAbs(args[1]))
	ts.Check(err)
	p, err := image.ParsePackage(b)
	ts.Check(err)
	ts.Setenv(args[0], p.Metadata.Identity.ImageID.String())
}
