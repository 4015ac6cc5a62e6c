package pluton

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"sort"
	"strconv"

	"github.com/sphere-emu/sphere-emu/image"
)

// Fuses is Pluton's e-fuse array: the unique device secret, the hash of the
// platform root key, and the anti-rollback counters. Only Pluton reads it;
// the secret has no accessor. Counters can only go up, as fuses can only be
// burnt.
type Fuses struct {
	uds         [32]byte
	rootKeyHash [32]byte
	arb         map[uint16]uint32 // image type → minimum security version
	apps        map[string]uint32 // app component ID → minimum security version
}

// Manufacture returns the fuses of a new device: a unique device secret
// derived from deviceSeed (the emulator's stand-in for silicon randomness)
// and the SHA-256 of the platform root public key's 64-byte X‖Y encoding.
func Manufacture(deviceSeed uint64, rootKeyHash [32]byte) *Fuses {
	var in [8]byte
	binary.LittleEndian.PutUint64(in[:], deviceSeed)
	h := sha256.New()
	h.Write([]byte("sphere-emu/pluton/uds\x00"))
	h.Write(in[:])
	f := &Fuses{rootKeyHash: rootKeyHash, arb: map[uint16]uint32{}}
	copy(f.uds[:], h.Sum(nil))
	return f
}

// RootKeyHash returns the fused hash of the platform root public key.
func (f *Fuses) RootKeyHash() [32]byte { return f.rootKeyHash }

// AppRollbackCounter returns the anti-rollback counter of one app (by
// component ID): apps are versioned each on its own, not as one image type.
func (f *Fuses) AppRollbackCounter(cid string) uint32 { return f.apps[cid] }

// BurnAppRollbackCounter raises an app's anti-rollback counter to v.
func (f *Fuses) BurnAppRollbackCounter(cid string, v uint32) error {
	if v < f.apps[cid] {
		return fmt.Errorf("fuses: cannot lower the anti-rollback counter of app %s from %d to %d", cid, f.apps[cid], v)
	}
	if f.apps == nil {
		f.apps = map[string]uint32{}
	}
	f.apps[cid] = v
	return nil
}

// RollbackCounter returns the anti-rollback counter for an image type.
func (f *Fuses) RollbackCounter(imageType uint16) uint32 { return f.arb[imageType] }

// BurnRollbackCounter raises the anti-rollback counter for an image type to
// v. Lowering a counter is impossible and returns an error.
func (f *Fuses) BurnRollbackCounter(imageType uint16, v uint32) error {
	if v < f.arb[imageType] {
		return fmt.Errorf("fuses: cannot lower anti-rollback counter for image type %d from %d to %d", imageType, f.arb[imageType], v)
	}
	f.arb[imageType] = v
	return nil
}

// fuseFile is the on-disk form of the fuse array in a device state
// directory. The file stands for the silicon: no emulated software reads it.
type fuseFile struct {
	Comment      string            `json:"comment"`
	UDS          string            `json:"uds"`
	RootKeyHash  string            `json:"root_key_hash"`
	AntiRollback map[string]uint32 `json:"anti_rollback"`
	// AppAntiRollback holds the apps' counters, by component ID.
	AppAntiRollback map[string]uint32 `json:"app_anti_rollback,omitempty"`
}

// Save writes the fuse array to path.
func (f *Fuses) Save(path string) error {
	ff := fuseFile{
		Comment:      "sphere-emu e-fuse array: the emulated silicon. Only Pluton reads it; counters only go up.",
		UDS:          hex.EncodeToString(f.uds[:]),
		RootKeyHash:  hex.EncodeToString(f.rootKeyHash[:]),
		AntiRollback: map[string]uint32{},
	}
	keys := make([]int, 0, len(f.arb))
	for k := range f.arb {
		keys = append(keys, int(k))
	}
	sort.Ints(keys)
	for _, k := range keys {
		ff.AntiRollback[strconv.Itoa(k)] = f.arb[uint16(k)]
	}
	if len(f.apps) > 0 {
		ff.AppAntiRollback = maps.Clone(f.apps)
	}
	b, err := json.MarshalIndent(ff, "", "  ")
	if err != nil {
		return fmt.Errorf("fuses: %w", err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("fuses: %w", err)
	}
	return nil
}

// LoadFuses reads a fuse array written by Save.
func LoadFuses(path string) (*Fuses, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("fuses: %w", err)
	}
	var ff fuseFile
	if err := json.Unmarshal(b, &ff); err != nil {
		return nil, fmt.Errorf("fuses: %s: %w", path, err)
	}
	f := &Fuses{arb: map[uint16]uint32{}}
	if err := decodeHex32(ff.UDS, &f.uds); err != nil {
		return nil, fmt.Errorf("fuses: %s: uds: %w", path, err)
	}
	if err := decodeHex32(ff.RootKeyHash, &f.rootKeyHash); err != nil {
		return nil, fmt.Errorf("fuses: %s: root_key_hash: %w", path, err)
	}
	for k, v := range ff.AntiRollback {
		t, err := strconv.ParseUint(k, 10, 16)
		if err != nil {
			return nil, fmt.Errorf("fuses: %s: anti_rollback key %q is not an image type", path, k)
		}
		f.arb[uint16(t)] = v
	}
	for k, v := range ff.AppAntiRollback {
		if _, err := image.ParseGUID(k); err != nil {
			return nil, fmt.Errorf("fuses: %s: app_anti_rollback key %q is not a component ID", path, k)
		}
		if f.apps == nil {
			f.apps = map[string]uint32{}
		}
		f.apps[k] = v
	}
	return f, nil
}

func decodeHex32(s string, out *[32]byte) error {
	b, err := hex.DecodeString(s)
	if err != nil {
		return err
	}
	if len(b) != 32 {
		return fmt.Errorf("want 32 bytes, got %d", len(b))
	}
	copy(out[:], b)
	return nil
}

// Clone returns an independent copy of the fuse array: the same silicon in
// another emulated run (fault campaigns power a device's state on again).
func (f *Fuses) Clone() *Fuses {
	c := &Fuses{uds: f.uds, rootKeyHash: f.rootKeyHash, arb: maps.Clone(f.arb), apps: maps.Clone(f.apps)}
	if c.arb == nil {
		c.arb = map[uint16]uint32{}
	}
	return c
}
