package hw

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestStuckBitSurvivesProgramAndErase: a stuck cell keeps its value
// whatever is written or erased; its neighbours behave.
func TestStuckBitSurvivesProgramAndErase(t *testing.T) {
	f, err := NewFlash(2*FlashBlockSize, nil)
	require.NoError(t, err)
	require.NoError(t, f.StickBit(10, 3, false))
	require.NoError(t, f.StickBit(11, 0, true))
	read := func(off uint32) byte {
		b, err := f.Read(off, 1)
		require.NoError(t, err)
		return b[0]
	}
	require.Equal(t, byte(0xF7), read(10), "erased, but bit 3 is stuck at 0")
	require.NoError(t, f.Program(10, []byte{0x00, 0x00, 0x00}))
	require.Equal(t, []byte{0x00, 0x01, 0x00}, []byte{read(10), read(11), read(12)}, "bit 0 of byte 11 is stuck at 1")
	require.NoError(t, f.Erase(0))
	require.Equal(t, []byte{0xF7, 0xFF, 0xFF}, []byte{read(10), read(11), read(12)})
	require.NoError(t, f.Program(FlashBlockSize, []byte{0}), "other blocks are not touched")
	require.Error(t, f.StickBit(2*FlashBlockSize, 0, true))
}

// TestStuckRAMBit: a stuck RAM cell keeps its value through writes and
// Clear; an address outside the RAM is refused.
func TestStuckRAMBit(t *testing.T) {
	r := NewRAM(0x1000, 16)
	require.NoError(t, r.StickBit(0x1002, 7, true))
	require.NoError(t, r.Write(0x1000, []byte{0, 0, 0, 0}))
	b := make([]byte, 4)
	require.NoError(t, r.Read(0x1000, b))
	require.Equal(t, []byte{0, 0, 0x80, 0}, b)
	r.Clear()
	require.NoError(t, r.Read(0x1000, b))
	require.Equal(t, []byte{0, 0, 0x80, 0}, b)
	require.Error(t, r.StickBit(0x1010, 0, true))
}
