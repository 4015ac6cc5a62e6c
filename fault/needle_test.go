package fault

import (
	"bytes"
	"encoding/hex"
	"math/rand/v2"
	"testing"
)

// TestNeedleFinderMatchesNaiveSearch: the one-pass finder reports the
// needle and offset that searching for each needle in turn reports.
func TestNeedleFinderMatchesNaiveSearch(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var needles []needle
	var f needleFinder
	for s := 0; s < 6; s++ {
		secret := make([]byte, 32)
		for i := range secret {
			secret[i] = byte(r.IntN(4)) // few symbols: many shared prefixes
		}
		for at := 0; at < len(secret); at += needleLen {
			part := secret[at : at+needleLen]
			for _, n := range []needle{{at: at, b: bytes.Clone(part)}, {at: at, b: []byte(hex.EncodeToString(part)), hex: true}} {
				f.add(n.b, len(needles))
				needles = append(needles, n)
			}
		}
	}
	for trial := 0; trial < 2000; trial++ {
		b := make([]byte, r.IntN(200))
		for i := range b {
			b[i] = byte(r.IntN(4))
			if r.IntN(3) == 0 {
				b[i] = "0123"[r.IntN(4)]
			}
		}
		if len(b) > 20 && r.IntN(2) == 0 {
			n := needles[r.IntN(len(needles))].b
			copy(b[r.IntN(len(b)-len(n)+1):], n)
		}
		wantK, wantAt := -1, -1
		for k, n := range needles {
			if i := bytes.Index(b, n.b); i >= 0 {
				wantK, wantAt = k, i
				break
			}
		}
		k, at := find(&f, needles, b)
		ks, ats := find(&f, needles, string(b))
		if k != wantK || at != wantAt || ks != k || ats != at {
			t.Fatalf("trial %d: got needle %d at %d (string: %d at %d), want %d at %d", trial, k, at, ks, ats, wantK, wantAt)
		}
	}
}

// TestContainsMatchesBytesContains: contains agrees with bytes.Contains.
func TestContainsMatchesBytesContains(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for trial := 0; trial < 5000; trial++ {
		b := make([]byte, r.IntN(300))
		for i := range b {
			b[i] = byte(r.IntN(2))
		}
		var sub []byte
		switch r.IntN(3) {
		case 0: // a piece of b, maybe altered
			if len(b) > 0 {
				i := r.IntN(len(b))
				sub = bytes.Clone(b[i:min(len(b), i+r.IntN(100))])
				if len(sub) > 0 && r.IntN(2) == 0 {
					sub[r.IntN(len(sub))] ^= 1
				}
			}
		default:
			sub = make([]byte, r.IntN(80))
			for i := range sub {
				sub[i] = byte(r.IntN(2))
			}
		}
		if got, want := contains(b, sub), bytes.Contains(b, sub); got != want {
			t.Fatalf("trial %d: contains(%x, %x) = %v, want %v", trial, b, sub, got, want)
		}
	}
}
