package service_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sphere-emu/sphere-emu/service"
)

// BenchmarkAttest measures attestations per second through the store:
// each one is a challenge (a nonce written), the device signing its token
// (device work, about a third of a verify), the service verifying it,
// consuming the nonce, matching the measurements, checking and raising
// the SVN marks, issuing both certificates and recording them and the log
// entry. Goroutines attest different devices, as a fleet does.
func BenchmarkAttest(b *testing.B) {
	for _, store := range []string{"memory", "file"} {
		b.Run(store, func(b *testing.B) {
			cfg := service.Config{Now: newClock().Now, Rand: seeded(9)}
			if store == "file" {
				cfg.DataDir = b.TempDir()
			}
			s, err := service.New(cfg)
			require.NoError(b, err)
			defer s.Close()
			_, err = s.CreateTenant("Bench")
			require.NoError(b, err)
			_, err = s.AddImage("", testdata(b, "images/blink.imagepackage"))
			require.NoError(b, err)
			devs := make([]*device, 64)
			for i := range devs {
				devs[i] = newDevice(b)
				_, err := s.ClaimDevice("", devs[i].ID(), "")
				require.NoError(b, err)
			}
			ms := measurements(b, testdata(b, "images/blink.bin"))
			var next atomic.Int64
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				d := devs[int(next.Add(1)-1)%len(devs)]
				for pb.Next() {
					if _, err := d.attest(b, s, ms, nil); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "attest/s")
		})
	}
}

// BenchmarkECDSAVerify is the floor under BenchmarkAttest: raw P-256
// signature verifications, in parallel the same way.
func BenchmarkECDSAVerify(b *testing.B) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(b, err)
	digest := sha256.Sum256([]byte("attestation"))
	sig, err := ecdsa.SignASN1(rand.Reader, k, digest[:])
	require.NoError(b, err)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if !ecdsa.VerifyASN1(&k.PublicKey, digest[:], sig) {
				b.Error("verify failed")
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verify/s")
}
