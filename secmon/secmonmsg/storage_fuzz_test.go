package secmonmsg

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzStorageWrite: any bytes decode to a write within the 64 KiB limit or
// an error, never a panic; what decodes encodes back to the same bytes.
func FuzzStorageWrite(f *testing.F) {
	cid := [ComponentIDSize]byte{0x51, 0xfa, 0x30, 0xec, 0x24, 0x8d, 0x62, 0x45, 0xb6, 0x88, 0x71, 0x80, 0xc5, 0xfc, 0x6f, 0xc4}
	f.Add((&StorageWrite{ComponentID: cid, Data: []byte{1, 0, 0, 0}}).Marshal())
	f.Add((&StorageWrite{ComponentID: cid}).Marshal())
	f.Add(append(cid[:], 0x01, 0x00, 0x01, 0x00)) // a length of 65537
	f.Add([]byte{})
	f.Add(bytes.Repeat([]byte{0xff}, 24))
	f.Fuzz(func(t *testing.T, b []byte) {
		w, err := UnmarshalStorageWrite(b)
		if err != nil {
			return
		}
		require.LessOrEqual(t, len(w.Data), MaxStorageFile)
		require.Equal(t, b, w.Marshal())
	})
}

// FuzzStorageContent: the read reply decodes or fails cleanly, and round-trips.
func FuzzStorageContent(f *testing.F) {
	f.Add((&StorageContent{Found: true, Data: []byte("counter")}).Marshal())
	f.Add((&StorageContent{}).Marshal())
	f.Add([]byte{0, 1, 0, 0, 0, 7})
	f.Add([]byte{2, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := UnmarshalStorageContent(b)
		if err != nil {
			return
		}
		require.LessOrEqual(t, len(c.Data), MaxStorageFile)
		require.True(t, c.Found || len(c.Data) == 0)
		require.Equal(t, b, c.Marshal())
	})
}

// FuzzComponentID: a read or delete request is exactly 16 bytes.
func FuzzComponentID(f *testing.F) {
	f.Add(make([]byte, ComponentIDSize))
	f.Add([]byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, b []byte) {
		cid, err := DecodeComponentID(b)
		if err != nil {
			require.NotEqual(t, ComponentIDSize, len(b))
			return
		}
		require.Equal(t, b, EncodeComponentID(cid))
	})
}
