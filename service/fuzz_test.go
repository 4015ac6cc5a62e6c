package service_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sphere-emu/sphere-emu/attest"
	"github.com/sphere-emu/sphere-emu/image"
	"github.com/sphere-emu/sphere-emu/service"
	"github.com/sphere-emu/sphere-emu/service/api"
)

// The fuzz targets' seed corpora are in testdata/fuzz/<target>; f.Add adds
// the large real inputs (flash images, packages) that would bloat them.

// FuzzParseChallengeRequest: any body parses to a canonical device ID or
// an ErrInvalid error, never a panic.
func FuzzParseChallengeRequest(f *testing.F) {
	f.Add([]byte(`{"deviceId":"` + strings.Repeat("Ab", 64) + `"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		id, err := service.ParseChallengeRequest(body)
		if err != nil {
			if !errors.Is(err, service.ErrInvalid) {
				t.Fatalf("error %v is not ErrInvalid", err)
			}
			return
		}
		if len(id) != 128 || strings.ToLower(id) != id {
			t.Fatalf("device ID %q is not canonical", id)
		}
		if _, err := hex.DecodeString(id); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzParseErrorReport: what the parser accepts, the store holds, and the
// CSV export then works.
func FuzzParseErrorReport(f *testing.F) {
	fx := newFixture(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		rep, err := service.ParseErrorReport(body)
		if err != nil {
			if !errors.Is(err, service.ErrInvalid) {
				t.Fatalf("error %v is not ErrInvalid", err)
			}
			return
		}
		if len(rep.Events) > api.MaxErrorEvents {
			t.Fatalf("%d events accepted", len(rep.Events))
		}
		acc, err := fx.s.ReportErrors(fx.dev.ID(), rep)
		if err != nil {
			t.Fatalf("an accepted report is not stored: %v", err)
		}
		if acc.Accepted != len(rep.Events) {
			t.Fatalf("accepted %d of %d", acc.Accepted, len(rep.Events))
		}
		var buf bytes.Buffer
		if err := fx.s.ErrorReportCSV("", &buf); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzAttest: any token is refused with a 4xx Refusal (or, for a seed
// that happens to be valid, accepted), never an internal error or a panic.
func FuzzAttest(f *testing.F) {
	fx := newFixture(f)
	ch, err := fx.s.Challenge(fx.dev.ID())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(fx.dev.token(f, fx.dev.claims(ch.Nonce, fx.ms)))
	f.Fuzz(func(t *testing.T, token []byte) {
		_, err := fx.s.Attest(token)
		if err == nil {
			return
		}
		var r *service.Refusal
		if !errors.As(err, &r) {
			t.Fatalf("not a refusal: %v", err)
		}
		if r.Status < 400 || r.Status > 499 || r.Body.Code == "" || r.Body.Reason == "" {
			t.Fatalf("refusal %d %q %q", r.Status, r.Body.Code, r.Body.Reason)
		}
		if len(token) > attest.MaxTokenSize && r.Body.Code != api.ReasonTooLarge {
			t.Fatalf("an over-long token refused as %s", r.Body.Code)
		}
	})
}

// FuzzAddOSRelease: any flash image is registered or refused as invalid
// (or already known), never a panic or an internal error.
func FuzzAddOSRelease(f *testing.F) {
	s, _ := newService(f)
	f.Add(testdata(f, "images/blink-svn2.bin"))
	f.Add(testdata(f, "images/blink.bin")[:0x3000])
	f.Fuzz(func(t *testing.T, flash []byte) {
		_, err := s.AddOSRelease(flash)
		if err != nil && !errors.Is(err, service.ErrInvalid) && !errors.Is(err, service.ErrConflict) {
			t.Fatalf("unexpected error kind: %v", err)
		}
	})
}

// FuzzAddImage: any package is added or refused as invalid (or a
// duplicate), never a panic or an internal error.
func FuzzAddImage(f *testing.F) {
	s, _ := newService(f)
	if _, err := s.CreateTenant("A"); err != nil {
		f.Fatal(err)
	}
	f.Add(testdata(f, "images/blink.imagepackage"))
	f.Add(testdata(f, "images/rt-hello.imagepackage"))
	f.Fuzz(func(t *testing.T, pkg []byte) {
		_, err := s.AddImage("", pkg)
		if err != nil && !errors.Is(err, service.ErrInvalid) && !errors.Is(err, service.ErrConflict) {
			t.Fatalf("unexpected error kind: %v", err)
		}
	})
}

// FuzzAdminBodies: any JSON body to any admin route gets a 2xx or 4xx
// with a JSON error, never a 5xx or a panic. The first byte picks the route.
func FuzzAdminBodies(f *testing.F) {
	fx := newFixture(f)
	routes := []struct{ method, path string }{
		{"POST", service.AdminTenants},
		{"POST", service.AdminProducts},
		{"POST", service.AdminDeviceGroups},
		{"POST", service.AdminDevices},
		{"PATCH", service.AdminDevices + "/" + fx.dev.ID()},
		{"POST", service.AdminDeployments},
		{"GET", service.AdminTelemetry + "?limit=5"},
	}
	h := fx.s.Handler()
	f.Fuzz(func(t *testing.T, route uint8, body []byte) {
		r := routes[int(route)%len(routes)]
		req := httptest.NewRequest(r.method, r.path, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+fx.s.AdminToken())
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s: %d %s", r.method, r.path, rec.Code, rec.Body.String())
		}
		if rec.Code >= 400 && !strings.Contains(rec.Body.String(), `"reason"`) {
			t.Fatalf("a refusal without a reason: %s", rec.Body.String())
		}
	})
}

// FuzzTelemetryBody: the cloud route's body check never panics, and what
// it stores lists back as the same JSON.
func FuzzTelemetryBody(f *testing.F) {
	fx := newFixture(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		acc, err := fx.s.RecordTelemetry(fx.tenant.ID, fx.dev.ID(), body)
		if err != nil {
			if !errors.Is(err, service.ErrInvalid) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		recs, err := fx.s.ListTelemetry("", 1)
		if err != nil || len(recs) != 1 || recs[0].ID != acc.ID || !bytes.Equal(recs[0].Body, body) {
			t.Fatalf("stored %q, listed %v (%v)", body, recs, err)
		}
	})
}

// FuzzImageDownload: any digest a claimed device asks for is either one of
// the images it may have or a clean refusal; a delivered package is the
// one with that digest.
func FuzzImageDownload(f *testing.F) {
	fx := newFixture(f) // its tenant holds the blink image
	ims, err := fx.s.ListImages("")
	if err != nil || len(ims) == 0 {
		f.Fatalf("the fixture has no image: %v", err)
	}
	known, _ := hex.DecodeString(ims[0].Digest)
	f.Add(known)
	f.Add(make([]byte, 32))
	f.Add([]byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, digest []byte) {
		pkg, err := fx.s.ImagePackage(fx.dev.ID(), digest)
		if err != nil {
			if !errors.Is(err, service.ErrInvalid) && !errors.Is(err, service.ErrNotFound) {
				t.Fatalf("error %v is neither ErrInvalid nor ErrNotFound", err)
			}
			return
		}
		p, err := image.ParsePackage(pkg)
		if err != nil {
			t.Fatal(err)
		}
		d := p.Digest()
		if !bytes.Equal(d[:], digest) {
			t.Fatalf("asked for %x, got %x", digest, d)
		}
	})
}

// FuzzUpdateCheck: any update-check body parses or is refused as
// ErrInvalid; a parsed one is answered.
func FuzzUpdateCheck(f *testing.F) {
	fx := newFixture(f)
	f.Add([]byte(`{"osVersion":"26.11","installed":["AAEC"]}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var check api.UpdateCheck
		if err := service.DecodeJSON(body, &check); err != nil {
			if !errors.Is(err, service.ErrInvalid) {
				t.Fatalf("error %v is not ErrInvalid", err)
			}
			return
		}
		if _, err := fx.s.Updates(fx.dev.ID(), check); err != nil {
			t.Fatalf("a parsed check was not answered: %v", err)
		}
	})
}
