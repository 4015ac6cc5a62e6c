package device

import (
	"context"

	"github.com/tetratelabs/wazero"

	"github.com/sphere-emu/sphere-emu/appcore"
	"github.com/sphere-emu/sphere-emu/image"
	"github.com/sphere-emu/sphere-emu/pluton"
	"github.com/sphere-emu/sphere-emu/rtcore"
)

// Shared is work that many devices of one process — the runs of a fault
// campaign — can share, because its result is a pure function of its
// inputs and no device can change it. A device built with Config.Shared
// behaves, and traces, byte for byte as one built without it: every check
// a device makes is still made, in every run; only the host's cost of
// computing the same answer again is saved.
//
//   - a wazero compilation cache (Config.Cache);
//   - warm WASM runtimes for the high-level app (appcore.Pool) and the
//     real-time apps (rtcore.Pool): the host modules compiled once, an
//     app's module instrumented with its fuel counter and compiled once
//     per runtime, keyed by its exact bytes;
//   - the outcome of Pluton's ECDSA P-256 signature arithmetic
//     (image.SignatureMemo), keyed by public key, digest and signature:
//     Pluton still reads, hashes, checks and decides every image, and a
//     glitch still acts on that decision;
//   - the public points of the key pairs Pluton derives (pluton.KeyMemo),
//     keyed by the derived scalar: every device still derives every
//     secret and key itself.
//
// A Shared is safe for concurrent use by devices on several goroutines.
type Shared struct {
	cache    wazero.CompilationCache
	ownCache bool
	apps     *appcore.Pool
	rts      *rtcore.Pool
	sigs     *image.SignatureMemo
	keys     *pluton.KeyMemo
}

// NewShared returns state for devices to share. cache, if not nil, is the
// wazero compilation cache to use; nil makes a new in-memory one, which
// Close closes.
func NewShared(cache wazero.CompilationCache) *Shared {
	s := &Shared{cache: cache}
	if cache == nil {
		s.cache, s.ownCache = wazero.NewCompilationCache(), true
	}
	s.apps = appcore.NewPool(s.cache)
	s.rts = rtcore.NewPool(s.cache)
	s.sigs = image.NewSignatureMemo()
	s.keys = pluton.NewKeyMemo()
	return s
}

// Cache returns the compilation cache the devices share.
func (s *Shared) Cache() wazero.CompilationCache { return s.cache }

// Close releases what the devices shared; close their devices first.
func (s *Shared) Close() error {
	err := s.apps.Close()
	if rerr := s.rts.Close(); err == nil {
		err = rerr
	}
	if s.ownCache {
		if cerr := s.cache.Close(context.Background()); err == nil {
			err = cerr
		}
	}
	return err
}
