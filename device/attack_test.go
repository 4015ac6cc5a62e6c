package device_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sphere-emu/sphere-emu/device"
	"github.com/sphere-emu/sphere-emu/fault"
	"github.com/sphere-emu/sphere-emu/kernel"
	"github.com/sphere-emu/sphere-emu/service/api"
	"github.com/sphere-emu/sphere-emu/sim"
)

// pipeListener hands the server ends of in-memory connections to an
// http.Server.
type pipeListener struct {
	conns chan net.Conn
	once  sync.Once
	done  chan struct{}
}

func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, errors.New("closed")
	}
}

func (l *pipeListener) Close() error   { l.once.Do(func() { close(l.done) }); return nil }
func (l *pipeListener) Addr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)} }

// tamperedLink serves the cloud's service through a man in the middle that
// may rewrite the answers of the update routes (the attacker of the TUF
// threat model who controls the repository's answers but not its TLS key:
// the answers it rewrites come from the real service).
func (c *cloud) tamperedLink(t *testing.T, rewrite func(path string, n int, body []byte) []byte) *kernel.ServiceLink {
	t.Helper()
	inner := c.svc.Handler()
	var mu sync.Mutex
	counts := map[string]int{}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		inner.ServeHTTP(rec, r)
		key := r.URL.Path
		if strings.HasPrefix(key, api.PathImages) {
			key = api.PathImages
		}
		mu.Lock()
		counts[key]++
		n := counts[key]
		mu.Unlock()
		body := rec.Body.Bytes()
		if rec.Code == http.StatusOK {
			body = rewrite(key, n, body)
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(body)
	})
	l := &pipeListener{conns: make(chan net.Conn), done: make(chan struct{})}
	srv := &http.Server{Handler: h, TLSConfig: c.svc.ServerTLSConfig()}
	go func() { _ = srv.ServeTLS(l, "", "") }()
	t.Cleanup(func() { _ = srv.Close() })
	return &kernel.ServiceLink{URL: "https://as3.sphere-emu.test", RootCAs: c.svc.ServiceCAPool(),
		Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
			client, server := net.Pipe()
			select {
			case l.conns <- server:
				return client, nil
			case <-l.done:
				return nil, errors.New("closed")
			}
		}}
}

func rewriteSet(t *testing.T, body []byte, f func(*api.UpdateSet)) []byte {
	var set api.UpdateSet
	require.NoError(t, json.Unmarshal(body, &set))
	f(&set)
	out, err := json.Marshal(set)
	require.NoError(t, err)
	return out
}

// TestUpdateAttacksAreRefused plays the TUF/Uptane attacks against the
// device's update agent: each is refused with a recorded reason and the
// device keeps running what it ran.
func TestUpdateAttacksAreRefused(t *testing.T) {
	oldKern, oldRootfs := osPackages(t, readImage(t, "blink.bin"))
	cases := []struct {
		name    string
		rewrite func(t *testing.T, path string, n int, body []byte) []byte
		want    string // in the refusal
	}{
		{"arbitrary software: the bytes differ from the set", func(t *testing.T, path string, n int, body []byte) []byte {
			if path == api.PathImages {
				body = bytes.Clone(body)
				body[len(body)/2] ^= 1
			}
			return body
		}, "arbitrary software"},
		{"endless data: the download runs on", func(t *testing.T, path string, n int, body []byte) []byte {
			if path == api.PathImages {
				return append(bytes.Clone(body), make([]byte, 4096)...)
			}
			return body
		}, "endless data"},
		{"mix-and-match: a kernel of one release with the root file system of another", func(t *testing.T, path string, n int, body []byte) []byte {
			if path != api.PathUpdates {
				return body
			}
			return rewriteSet(t, body, func(s *api.UpdateSet) {
				for i, im := range s.Images {
					if im.ImageType == 8 { // RootFs: the old release's
						s.Images[i].SHA256, _ = hexDigest(digestHex(t, oldRootfs))
						s.Images[i].Size = len(oldRootfs)
					}
				}
			})
		}, "mix-and-match"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newCloud(t)
			c.addImages(t, "blink.imagepackage")
			_, err := c.svc.AddOSRelease(readImage(t, "blink-svn2.bin"))
			require.NoError(t, err)
			group := c.fieldGroup(t)
			c.via = c.tamperedLink(t, func(path string, n int, body []byte) []byte { return tc.rewrite(t, path, n, body) })
			rec := c.bootInGroup(t, readImage(t, "blink.bin"), group, 3*sim.Second)
			e, ok := rec.First("update.refused")
			require.True(t, ok, "not refused")
			require.Contains(t, e.Str("reason"), tc.want)
			_, installed := rec.First("update.installed")
			require.False(t, installed, "nothing of a refused set is installed")
			require.Equal(t, digestHex(t, oldKern), lastVerified(rec, "kernel"))
			recs, err := c.dev.ErrorRecords()
			require.NoError(t, err)
			require.True(t, hasRecord(recs, "UpdateRefused ("), "the refusal is in the error report")
		})
	}
}

// TestReplayedOlderReleaseIsRefused: once the device has confirmed an OS
// update, an answer replaying the older release is refused by Pluton's
// anti-rollback check at staging.
func TestReplayedOlderReleaseIsRefused(t *testing.T) {
	oldKern, oldRootfs := osPackages(t, readImage(t, "blink.bin"))
	newKern, _ := osPackages(t, readImage(t, "blink-svn2.bin"))
	c := newCloud(t)
	c.addImages(t, "blink.imagepackage")
	_, err := c.svc.AddOSRelease(readImage(t, "blink-svn2.bin"))
	require.NoError(t, err)
	group := c.fieldGroup(t)
	var recorded []byte // the first answer, replayed later with the old images
	c.via = c.tamperedLink(t, func(path string, n int, body []byte) []byte {
		if path != api.PathUpdates {
			return body
		}
		if n == 1 {
			recorded = body
			return body
		}
		return rewriteSet(t, recorded, func(s *api.UpdateSet) {
			for i, im := range s.Images {
				old := oldKern
				if im.ImageType == 8 {
					old = oldRootfs
				}
				s.Images[i].SHA256, _ = hexDigest(digestHex(t, old))
				s.Images[i].Size = len(old)
			}
		})
	})
	rec := c.bootInGroup(t, readImage(t, "blink.bin"), group, 6*sim.Second)
	_, ok := rec.First("update.confirm")
	require.True(t, ok, "the real update was installed and confirmed first")
	e, ok := rec.First("update.failed")
	require.True(t, ok, "the replayed release is refused")
	require.Contains(t, e.Str("reason"), "below the anti-rollback counter")
	require.Equal(t, digestHex(t, newKern), lastVerified(rec, "kernel"), "the device keeps the newer OS")
	recs, err := c.dev.ErrorRecords()
	require.NoError(t, err)
	require.True(t, hasRecord(recs, "UpdateRefused ("))
}

func hexDigest(s string) ([]byte, error) { return hex.DecodeString(s) }

func hasRecord(recs []device.ErrorRecord, prefix string) bool {
	for _, r := range recs {
		if strings.HasPrefix(r.Description, prefix) {
			return true
		}
	}
	return false
}

// TestNetworkAttacksOnTheServiceLink: a man in the middle with his own
// certificate, and a clock pushed 20 years ahead, each keep the device
// from talking to the service (it retries an hour later); once the attack
// ends, it attests.
func TestNetworkAttacksOnTheServiceLink(t *testing.T) {
	thirty := fault.Duration(30 * 60 * sim.Second)
	zero := fault.Duration(0)
	jump := fault.Duration(20 * 365 * 24 * 60 * 60 * sim.Second)
	cases := []struct {
		name   string
		plan   *fault.Plan
		reason string
	}{
		{"man in the middle", &fault.Plan{Faults: []fault.Fault{
			{Trigger: fault.Trigger{At: &zero}, Action: fault.Action{Network: &fault.NetworkAction{MITM: "on"}}},
			{Trigger: fault.Trigger{At: &thirty}, Action: fault.Action{Network: &fault.NetworkAction{MITM: "off"}}},
		}}, "certificate signed by unknown authority"},
		{"clock twenty years ahead", &fault.Plan{Faults: []fault.Fault{
			{Trigger: fault.Trigger{On: &fault.EventFilter{Event: "kernel.start"}}, Action: fault.Action{Network: &fault.NetworkAction{ClockJump: &jump}}},
			{Trigger: fault.Trigger{At: &thirty}, Action: fault.Action{Network: &fault.NetworkAction{ClockJump: ptrDur(-jump)}}},
		}}, "expired or is not yet valid"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newCloud(t)
			c.addImages(t, "blink.imagepackage")
			_, rec := c.boot(t, readImage(t, "blink.bin"), true, 61*60*sim.Second, func(cfg *device.Config) { cfg.Faults = tc.plan })
			e, ok := rec.First("service.error")
			require.True(t, ok)
			require.Contains(t, e.Str("reason"), tc.reason)
			a, ok := rec.First("service.attested")
			require.True(t, ok, "attested once the attack ended")
			require.Greater(t, a.T, 60*60*sim.Second)
		})
	}
}

func ptrDur(d fault.Duration) *fault.Duration { return &d }

// TestReplayedServiceAnswersAreRefused: an attacker replays, on each new
// connection, what the service sent on the last genuine one. TLS refuses
// the replay (the server's answer must echo this handshake's fresh
// values); the device keeps what it has and checks again the next day.
func TestReplayedServiceAnswersAreRefused(t *testing.T) {
	thirty := fault.Duration(30 * 60 * sim.Second)
	plan := &fault.Plan{Faults: []fault.Fault{
		{Trigger: fault.Trigger{On: &fault.EventFilter{Event: "service.attested"}}, Action: fault.Action{Network: &fault.NetworkAction{Replay: "on"}}},
		{Trigger: fault.Trigger{At: &thirty}, Action: fault.Action{Network: &fault.NetworkAction{Replay: "off"}}},
	}}
	c := newCloud(t)
	c.addImages(t, "blink.imagepackage")
	_, rec := c.boot(t, readImage(t, "blink.bin"), true, 25*60*60*sim.Second, func(cfg *device.Config) { cfg.Faults = plan })
	on, ok := rec.First("net.replay")
	require.True(t, ok)
	require.Equal(t, "true", on.Str("recorded"), "the first, genuine connections were recorded")
	e, ok := rec.First("service.error")
	require.True(t, ok)
	require.Equal(t, "updates", e.Str("call"))
	require.Contains(t, e.Str("reason"), "tls: server did not echo the legacy session ID")
	_, ok = rec.First("update.none")
	require.True(t, ok, "the next day's check, without the replay, gets through")
	attested := rec.Named("service.attested")
	require.Len(t, attested, 2)
}
