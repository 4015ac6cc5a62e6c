package device

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/sphere-emu/sphere-emu/hw"
)

// flashState is what StateDir/flash.json keeps of the flash part between
// runs: the blocks the device wrote (telemetry, apps' mutable storage,
// staged updates) on top of the image file it was flashed with. Booting
// another image file with the same state directory is a re-flash: the
// saved blocks are dropped.
type flashState struct {
	ImageSHA256 string            `json:"image_sha256"`
	Blocks      map[string][]byte `json:"blocks"` // block index → 4 KiB (base64)
}

const flashStateFile = "flash.json"

func imageDigest(img []byte) string {
	h := sha256.Sum256(img)
	return hex.EncodeToString(h[:])
}

// loadFlashState restores the written blocks saved for this image; it
// reports whether there were any.
func loadFlashState(dir string, img []byte, f *hw.Flash) (bool, error) {
	b, err := os.ReadFile(filepath.Join(dir, flashStateFile))
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("device: state %s: %w", dir, err)
	}
	var st flashState
	if err := json.Unmarshal(b, &st); err != nil {
		return false, fmt.Errorf("device: state %s: %s: %w", dir, flashStateFile, err)
	}
	if st.ImageSHA256 != imageDigest(img) {
		return false, nil
	}
	for k, data := range st.Blocks {
		i, err := strconv.ParseUint(k, 10, 32)
		if err != nil {
			return false, fmt.Errorf("device: state %s: %s: block %q: %w", dir, flashStateFile, k, err)
		}
		if err := f.RestoreBlock(uint32(i), data); err != nil {
			return false, fmt.Errorf("device: state %s: %s: %w", dir, flashStateFile, err)
		}
	}
	return len(st.Blocks) > 0, nil
}

// saveFlashState writes the written blocks atomically (temporary file,
// sync, rename).
func saveFlashState(dir string, img []byte, f *hw.Flash) error {
	st := flashState{ImageSHA256: imageDigest(img), Blocks: map[string][]byte{}}
	for i, b := range f.WrittenBlocks() {
		st.Blocks[strconv.FormatUint(uint64(i), 10)] = b
	}
	b, err := json.Marshal(&st)
	if err != nil {
		return fmt.Errorf("device: %w", err)
	}
	tmp, err := os.CreateTemp(dir, flashStateFile+".*.tmp")
	if err != nil {
		return fmt.Errorf("device: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("device: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("device: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("device: %w", err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, flashStateFile)); err != nil {
		return fmt.Errorf("device: %w", err)
	}
	return nil
}
