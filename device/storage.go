package device

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
)

// fileStorage keeps each app's mutable storage in StateDir/storage/<cid>.bin.
// Save writes a temporary file, syncs it, and renames it over the old one,
// then syncs the directory: after a power cut (of the emulator or the host)
// the file holds the old or the new content, never a mix.
type fileStorage struct{ dir string }

var cidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

func (s *fileStorage) path(cid string) (string, error) {
	if !cidPattern.MatchString(cid) {
		return "", fmt.Errorf("storage: %q is not a component ID", cid)
	}
	return filepath.Join(s.dir, cid+".bin"), nil
}

func (s *fileStorage) Load(cid string) ([]byte, bool, error) {
	p, err := s.path(cid)
	if err != nil {
		return nil, false, err
	}
	b, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("storage: %w", err)
	}
	return b, true, nil
}

func (s *fileStorage) Save(cid string, data []byte) error {
	p, err := s.path(cid)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(s.dir, 0o755); err != nil {
		return fmt.Errorf("storage: %w", err)
	}
	tmp, err := os.CreateTemp(s.dir, cid+".*.tmp")
	if err != nil {
		return fmt.Errorf("storage: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("storage: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("storage: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("storage: %w", err)
	}
	if err := os.Rename(tmp.Name(), p); err != nil {
		return fmt.Errorf("storage: %w", err)
	}
	if d, err := os.Open(s.dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

func (s *fileStorage) Delete(cid string) error {
	p, err := s.path(cid)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("storage: %w", err)
	}
	return nil
}
