package secmonmsg

import (
	"fmt"

	"github.com/sphere-emu/sphere-emu/mailbox"
)

// Mutable storage requests: each app's mutable storage file lives in the
// MutableStorage partition, which only the Security Monitor may write. The
// kernel names the app by its component ID (16 bytes, in the GUID wire
// order of image.GUID) and always reads or replaces a whole file
// (emulator-defined numbers; docs/storage.md).
const (
	// KindStorageRead: fixed[16] component ID → StorageContent.
	KindStorageRead mailbox.Kind = 0x54
	// KindStorageWrite: StorageWrite → u64 record number. The reply comes
	// only once the new content is wholly programmed: it survives any
	// power cut from then on.
	KindStorageWrite mailbox.Kind = 0x55
	// KindStorageDelete: fixed[16] component ID → u8 1 if a file existed.
	KindStorageDelete mailbox.Kind = 0x56
)

func init() {
	mailbox.RegisterKind(mailbox.Secmon, KindStorageRead, "secmon.StorageRead")
	mailbox.RegisterKind(mailbox.Secmon, KindStorageWrite, "secmon.StorageWrite")
	mailbox.RegisterKind(mailbox.Secmon, KindStorageDelete, "secmon.StorageDelete")
}

// ErrStorage is the error code of a storage request the store cannot serve:
// no MutableStorage partition, or a flash failure.
const ErrStorage uint32 = 49<<20 | 8

// ErrStorageFull is the error code of a write that does not fit in the
// partition beside the other apps' files.
const ErrStorageFull uint32 = 49<<20 | 9

// MaxStorageFile bounds one app's mutable storage file: 64 KiB, the real
// device's limit (reference §5.5).
const MaxStorageFile = 64 << 10

// ComponentIDSize is the size of a component ID on the wire.
const ComponentIDSize = 16

// EncodeComponentID encodes a read or delete request.
func EncodeComponentID(cid [ComponentIDSize]byte) []byte {
	var e mailbox.Encoder
	e.Fixed(cid[:])
	return e.Bytes()
}

// DecodeComponentID decodes a read or delete request.
func DecodeComponentID(p []byte) ([ComponentIDSize]byte, error) {
	var cid [ComponentIDSize]byte
	d := mailbox.NewDecoder(p)
	b := d.Fixed(ComponentIDSize)
	if err := d.Finish(); err != nil {
		return cid, wrap("component ID", err)
	}
	copy(cid[:], b)
	return cid, nil
}

// StorageWrite replaces an app's file: fixed[16] component ID, blob data.
type StorageWrite struct {
	ComponentID [ComponentIDSize]byte
	Data        []byte
}

// Marshal encodes w.
func (w *StorageWrite) Marshal() []byte {
	var e mailbox.Encoder
	e.Fixed(w.ComponentID[:])
	e.Blob(w.Data)
	return e.Bytes()
}

// UnmarshalStorageWrite decodes a StorageWrite; a file over MaxStorageFile
// is an error.
func UnmarshalStorageWrite(p []byte) (StorageWrite, error) {
	var w StorageWrite
	d := mailbox.NewDecoder(p)
	copy(w.ComponentID[:], d.Fixed(ComponentIDSize))
	w.Data = d.Blob()
	if err := d.Finish(); err != nil {
		return StorageWrite{}, wrap("StorageWrite", err)
	}
	if len(w.Data) > MaxStorageFile {
		return StorageWrite{}, fmt.Errorf("StorageWrite: a file of %d bytes exceeds the %d-byte limit of mutable storage", len(w.Data), MaxStorageFile)
	}
	return w, nil
}

// StorageContent answers KindStorageRead: u8 found (0 or 1), blob data
// (empty when not found).
type StorageContent struct {
	Found bool
	Data  []byte
}

// Marshal encodes c.
func (c *StorageContent) Marshal() []byte {
	var e mailbox.Encoder
	e.Bool(c.Found)
	e.Blob(c.Data)
	return e.Bytes()
}

// UnmarshalStorageContent decodes a StorageContent.
func UnmarshalStorageContent(p []byte) (StorageContent, error) {
	d := mailbox.NewDecoder(p)
	c := StorageContent{Found: d.Bool(), Data: d.Blob()}
	if err := d.Finish(); err != nil {
		return StorageContent{}, wrap("StorageContent", err)
	}
	if len(c.Data) > MaxStorageFile {
		return StorageContent{}, fmt.Errorf("StorageContent: a file of %d bytes exceeds the %d-byte limit of mutable storage", len(c.Data), MaxStorageFile)
	}
	if !c.Found && len(c.Data) > 0 {
		return StorageContent{}, fmt.Errorf("StorageContent: %d bytes of a file that does not exist", len(c.Data))
	}
	return c, nil
}

// EncodeBool encodes a single u8 0 or 1 (the answer to KindStorageDelete).
func EncodeBool(v bool) []byte {
	var e mailbox.Encoder
	e.Bool(v)
	return e.Bytes()
}

// DecodeBool decodes a single u8 0 or 1.
func DecodeBool(p []byte) (bool, error) {
	d := mailbox.NewDecoder(p)
	v := d.Bool()
	return v, wrap("bool", d.Finish())
}
