package kernel

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"

	"github.com/sphere-emu/sphere-emu/image"
	"github.com/sphere-emu/sphere-emu/kernel/kernelmsg"
	"github.com/sphere-emu/sphere-emu/mailbox"
	"github.com/sphere-emu/sphere-emu/secmon/secmonmsg"
	"github.com/sphere-emu/sphere-emu/sim"
	"github.com/sphere-emu/sphere-emu/trace"
)

// Each app's mutable storage file lives in the MutableStorage partition,
// which only the Security Monitor writes (secmon/storage.go,
// docs/storage.md). The kernel reads a whole file when the app opens it and
// sends the whole new content at each write: the Security Monitor answers
// once it is wholly in flash, and only then is the write acknowledged to
// the app (and traced as storage.write).

// storageTimeout bounds one storage request: a write may first reclaim
// blocks, erasing flash.
const storageTimeout = 10 * sim.Second

// storageError is a failed storage request, with the errno the app sees.
type storageError struct {
	errno kernelmsg.Errno
	err   error
}

func (e *storageError) Error() string { return e.err.Error() }

// storageCall sends one request about cid's file to the Security Monitor.
// A failure is traced (storage.error) and mapped to an errno: ENOSPC when
// the partition is full, EIO otherwise (no partition, a flash failure, no
// answer).
func (k *Kernel) storageCall(kind mailbox.Kind, cid string, data []byte) ([]byte, *storageError) {
	id, err := image.ParseGUID(cid)
	var resp []byte
	if err == nil {
		payload := secmonmsg.EncodeComponentID(id)
		if kind == secmonmsg.KindStorageWrite {
			w := secmonmsg.StorageWrite{ComponentID: id, Data: data}
			payload = w.Marshal()
		}
		resp, err = k.ep.Call(mailbox.Secmon, kind, payload, storageTimeout)
	}
	if err == nil {
		return resp, nil
	}
	e := &storageError{errno: kernelmsg.EIO, err: err}
	var re *mailbox.RemoteError
	if errors.As(err, &re) {
		e.err = errors.New(re.Text)
		if re.Code == secmonmsg.ErrStorageFull {
			e.errno = kernelmsg.ENOSPC
		}
	}
	k.tr.Emit(trace.Kernel, "storage.error", trace.Str("cid", cid), trace.Str("call", mailbox.KindName(mailbox.Message{To: mailbox.Secmon, Kind: kind})),
		trace.Str("errno", e.errno.String()), trace.Str("error", e.err.Error()))
	return nil, e
}

// loadStorage reads an app's file.
func (k *Kernel) loadStorage(cid string) ([]byte, bool, *storageError) {
	resp, e := k.storageCall(secmonmsg.KindStorageRead, cid, nil)
	if e != nil {
		return nil, false, e
	}
	c, err := secmonmsg.UnmarshalStorageContent(resp)
	if err != nil {
		k.tr.Emit(trace.Kernel, "storage.error", trace.Str("cid", cid), trace.Str("errno", "EIO"), trace.Str("error", err.Error()))
		return nil, false, &storageError{errno: kernelmsg.EIO, err: err}
	}
	return c.Data, c.Found, nil
}

// saveStorage replaces an app's file; nil means it is in flash.
func (k *Kernel) saveStorage(cid string, data []byte) *storageError {
	resp, e := k.storageCall(secmonmsg.KindStorageWrite, cid, data)
	if e != nil {
		return e
	}
	if _, err := secmonmsg.DecodeU64(resp); err != nil {
		k.tr.Emit(trace.Kernel, "storage.error", trace.Str("cid", cid), trace.Str("errno", "EIO"), trace.Str("error", err.Error()))
		return &storageError{errno: kernelmsg.EIO, err: err}
	}
	return nil
}

// deleteStorage deletes an app's file and says whether there was one.
func (k *Kernel) deleteStorage(cid string) (bool, *storageError) {
	resp, e := k.storageCall(secmonmsg.KindStorageDelete, cid, nil)
	if e != nil {
		return false, e
	}
	existed, err := secmonmsg.DecodeBool(resp)
	if err != nil {
		k.tr.Emit(trace.Kernel, "storage.error", trace.Str("cid", cid), trace.Str("errno", "EIO"), trace.Str("error", err.Error()))
		return false, &storageError{errno: kernelmsg.EIO, err: err}
	}
	return existed, nil
}

// mutableFile is an open mutable storage file. Every successful write is
// saved at once, atomically (the whole new content in one record), so it
// survives a power cut at any later point.
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
		_ = k.saveStorage(f.cid, f.data)
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
	} else if e := k.saveStorage(f.cid, next); e != nil {
		return 0, e.errno
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
	if e := k.saveStorage(f.cid, next); e != nil {
		return e.errno
	}
	f.data = next
	f.unsaved = false
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
	data, _, e := c.k.loadStorage(c.p.cid)
	if e != nil {
		return fail(e.errno), nil
	}
	return c.install(&mutableFile{cid: c.p.cid, data: data, limit: limit}), nil
}

func sysStorageDeleteMutable(c *call) (kernelmsg.Result, *wait) {
	if c.p.storageLimit() <= 0 {
		return fail(kernelmsg.EACCES), nil
	}
	existed, e := c.k.deleteStorage(c.p.cid)
	if e != nil {
		return fail(e.errno), nil
	}
	if !existed {
		return fail(kernelmsg.ENOENT), nil
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
