package kernel

import (
	"crypto/sha256"
	"encoding/hex"
	"sync"

	"github.com/sphere-emu/sphere-emu/kernel/kernelmsg"
	"github.com/sphere-emu/sphere-emu/trace"
)

// Storage keeps the apps' mutable storage files, one per component ID. Save
// must be atomic: after a power cut the file holds the old or the new
// content, never a mix; once Save returns, the content survives power cuts.
type Storage interface {
	Load(componentID string) (data []byte, found bool, err error)
	Save(componentID string, data []byte) error
	Delete(componentID string) error
}

// MemoryStorage is a Storage that lives as long as the device object: it
// survives reboots within a run, not the end of the run.
type MemoryStorage struct {
	mu    sync.Mutex
	files map[string][]byte
}

// NewMemoryStorage returns an empty MemoryStorage.
func NewMemoryStorage() *MemoryStorage { return &MemoryStorage{files: map[string][]byte{}} }

// Load returns a copy of the file.
func (m *MemoryStorage) Load(cid string) ([]byte, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.files[cid]
	return append([]byte(nil), b...), ok, nil
}

// Save replaces the file.
func (m *MemoryStorage) Save(cid string, data []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.files[cid] = append([]byte(nil), data...)
	return nil
}

// Delete removes the file.
func (m *MemoryStorage) Delete(cid string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.files, cid)
	return nil
}

// mutableFile is an open mutable storage file. Every successful write is
// saved at once, atomically, so it survives a power cut at any later point.
type mutableFile struct {
	nb
	cid   string
	data  []byte
	pos   int64
	limit int64
	// unsaved: acknowledged writes not yet saved (only with
	// TestOnlyAckStorageBeforePersist).
	unsaved bool
}

func (f *mutableFile) kind() string { return "mutable-storage" }
func (f *mutableFile) close(k *Kernel) {
	if f.unsaved { // only with TestOnlyAckStorageBeforePersist
		_ = k.storage.Save(f.cid, f.data)
		f.unsaved = false
	}
}
func (f *mutableFile) read(k *Kernel, max int) ([]byte, kernelmsg.Errno) {
	return readAt(f.data, &f.pos, max), 0
}
func (f *mutableFile) ready(k *Kernel) (bool, bool) { return true, true }
func (f *mutableFile) seek(off int64, whence int) (int64, kernelmsg.Errno) {
	return seekTo(&f.pos, int64(len(f.data)), off, whence)
}
func (f *mutableFile) size() int64 { return int64(len(f.data)) }

// write stores p at the file position. A write that would grow the file
// beyond MutableStorage.SizeKB fails with EDQUOT and changes nothing (the
// emulator's choice: the real device's exact errno is not documented).
func (f *mutableFile) write(k *Kernel, p []byte) (int, kernelmsg.Errno) {
	end := f.pos + int64(len(p))
	if end > f.limit {
		k.tr.Emit(trace.Kernel, "storage.quota", trace.Str("cid", f.cid), trace.Int("size", end), trace.Int("limit", f.limit))
		return 0, kernelmsg.EDQUOT
	}
	next := append([]byte(nil), f.data...)
	if end > int64(len(next)) {
		next = append(next, make([]byte, end-int64(len(next)))...)
	}
	copy(next[f.pos:], p)
	if TestOnlyAckStorageBeforePersist {
		f.unsaved = true
	} else if err := k.storage.Save(f.cid, next); err != nil {
		k.tr.Emit(trace.Kernel, "storage.error", trace.Str("cid", f.cid), trace.Str("error", err.Error()))
		return 0, kernelmsg.EIO
	}
	f.data = next
	f.pos = end
	sum := sha256.Sum256(next)
	k.tr.Emit(trace.Kernel, "storage.write", trace.Str("cid", f.cid), trace.Int("offset", end-int64(len(p))), trace.Int("len", int64(len(p))), trace.Int("size", int64(len(next))),
		trace.Str("sha256", hex.EncodeToString(sum[:])))
	return len(p), 0
}

func (f *mutableFile) truncate(k *Kernel, n int64) kernelmsg.Errno {
	if n < 0 {
		return kernelmsg.EINVAL
	}
	if n > f.limit {
		return kernelmsg.EDQUOT
	}
	next := append([]byte(nil), f.data...)
	if n <= int64(len(next)) {
		next = next[:n]
	} else {
		next = append(next, make([]byte, n-int64(len(next)))...)
	}
	if err := k.storage.Save(f.cid, next); err != nil {
		return kernelmsg.EIO
	}
	f.data = next
	return 0
}

// storageLimit is the app's mutable storage quota in bytes (0 = none).
func (p *process) storageLimit() int64 {
	if ms := p.manifest.Capabilities.MutableStorage; ms != nil {
		return int64(ms.SizeKB) * 1024
	}
	return 0
}

func sysStorageOpenMutable(c *call) (kernelmsg.Result, *wait) {
	limit := c.p.storageLimit()
	if limit <= 0 {
		return fail(kernelmsg.EACCES), nil
	}
	data, _, err := c.k.storage.Load(c.p.cid)
	if err != nil {
		c.k.tr.Emit(trace.Kernel, "storage.error", trace.Str("cid", c.p.cid), trace.Str("error", err.Error()))
		return fail(kernelmsg.EIO), nil
	}
	return c.install(&mutableFile{cid: c.p.cid, data: data, limit: limit}), nil
}

func sysStorageDeleteMutable(c *call) (kernelmsg.Result, *wait) {
	if c.p.storageLimit() <= 0 {
		return fail(kernelmsg.EACCES), nil
	}
	_, found, err := c.k.storage.Load(c.p.cid)
	if err == nil && !found {
		return fail(kernelmsg.ENOENT), nil
	}
	if err == nil {
		err = c.k.storage.Delete(c.p.cid)
	}
	if err != nil {
		return fail(kernelmsg.EIO), nil
	}
	for _, f := range c.p.fds { // open descriptors now see an empty file
		if m, ok := f.(*mutableFile); ok {
			m.data, m.pos = nil, 0
		}
	}
	c.k.tr.Emit(trace.Kernel, "storage.delete", trace.Str("cid", c.p.cid))
	return ok(0), nil
}

func sysStoragePackageRoot(c *call) (kernelmsg.Result, *wait) {
	return kernelmsg.Result{Data: []byte(c.p.packageRoot())}, nil
}
