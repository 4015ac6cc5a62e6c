package kernel

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sphere-emu/sphere-emu/hw"
	"github.com/sphere-emu/sphere-emu/image"
	"github.com/sphere-emu/sphere-emu/secmon/secmonmsg"
)

const (
	hlCID = "25025d2c-66da-4448-bae1-ac26fcdd3627"
	rtCID = "005180bc-402f-4cb3-a662-72937dbcde47"
)

// hlCIDBytes is hlCID in Windows GUID byte order, written out by hand.
var hlCIDBytes = []byte{0x2c, 0x5d, 0x02, 0x25, 0xda, 0x66, 0x48, 0x44, 0xba, 0xe1, 0xac, 0x26, 0xfc, 0xdd, 0x36, 0x27}

func newLink(t *testing.T) (*Kernel, *rtLink, *hw.RAM, *hw.MailboxChannel) {
	t.Helper()
	ram := hw.NewRAM(secmonmsg.SharedBufferBase, secmonmsg.SharedBufferSize)
	mb := hw.NewMailboxChannel(0, nil)
	k := &Kernel{}
	l := &rtLink{core: 0, cid: rtCID, hw: RTLink{Mailbox: mb, Shared: ram}}
	require.NoError(t, k.setupIntercore(l, secmonmsg.SharedBufferBase))
	return k, l, ram, mb
}

func read(t *testing.T, ram *hw.RAM, addr, n uint32) []byte {
	b := make([]byte, n)
	require.NoError(t, ram.Read(addr, b))
	return b
}

// TestIntercoreSetupWords: the A7 posts the three setup words of §7.2; the
// descriptors are the 32-byte-aligned buffer address with log2(size) in the
// low five bits.
func TestIntercoreSetupWords(t *testing.T) {
	_, _, _, mb := newLink(t)
	var got [][2]uint32
	for i := 0; i < 3; i++ {
		data, err := mb.Read32(hw.MboxRegDataAcpt)
		require.NoError(t, err)
		cmd, err := mb.Read32(hw.MboxRegCmdAcpt) // pops
		require.NoError(t, err)
		got = append(got, [2]uint32{cmd, data})
	}
	require.Equal(t, [][2]uint32{{0xBA5E0001, 0x8038000C}, {0xBA5E0002, 0x8038100C}, {0xBA5E0003, 0}}, got)
}

// TestIntercoreBlocksAreBitExact compares shared memory byte by byte with
// layouts computed by hand from reference §7.2.
func TestIntercoreBlocksAreBitExact(t *testing.T) {
	_, l, ram, _ := newLink(t)
	from, err := image.ParseGUID(hlCID)
	require.NoError(t, err)
	require.Equal(t, hlCIDBytes, from[:], "Windows GUID order")

	// HL → RT: "hi" goes into the inbound ring at 0x80381000.
	msg := append(append(append([]byte{}, hlCIDBytes...), 0, 0, 0, 0), 'h', 'i')
	require.True(t, l.sendBlock(msg))
	want := []byte{22, 0, 0, 0} // block size: 16 (ID) + 4 (reserved) + 2 (payload)
	want = append(want, hlCIDBytes...)
	want = append(want, 0, 0, 0, 0, 'h', 'i')
	require.Equal(t, want, read(t, ram, 0x80381040, uint32(len(want))))
	require.Equal(t, []byte{32, 0, 0, 0}, read(t, ram, 0x80381000, 4), "inbound writePosition: 26 rounded up to 16")
	require.Equal(t, make([]byte, 6), read(t, ram, 0x80381040+26, 6), "padding untouched")

	// RT → HL: the RT app wrote "yo" to the outbound ring at 0x80380000
	// and moved its write position; the kernel reads it and stores its
	// read position in the inbound header (cross-stored).
	block := append(append([]byte{22, 0, 0, 0}, hlCIDBytes...), 0, 0, 0, 0, 'y', 'o')
	require.NoError(t, ram.Write(0x80380040, block))
	require.NoError(t, ram.Write(0x80380000, []byte{32, 0, 0, 0}))
	msgs, err := l.recvBlocks(8)
	require.NoError(t, err)
	require.Len(t, msgs, 1)
	require.Equal(t, append(append([]byte{}, hlCIDBytes...), 0, 0, 0, 0, 'y', 'o'), msgs[0])
	require.Equal(t, []byte{32, 0, 0, 0}, read(t, ram, 0x80381004, 4), "inbound header readPosition = HL's read offset into outbound")
	require.Equal(t, []byte{0, 0, 0, 0}, read(t, ram, 0x80380004, 4), "the RT's read position is the RT's to write")
}

// TestIntercoreWrapAndFull: blocks wrap at the end of the data area with the
// size field never straddling it, and the ring refuses to become full.
func TestIntercoreWrapAndFull(t *testing.T) {
	_, l, ram, _ := newLink(t)
	size := l.inbound.size // 4096 − 64
	require.EqualValues(t, 4032, size)
	// Pretend the RT app has read everything up to near the end.
	start := size - 16
	l.inbound.setWrite(start)
	l.outbound.setRead(start)
	payload := bytes.Repeat([]byte{0xAB}, 40)
	msg := append(append(append([]byte{}, hlCIDBytes...), 0, 0, 0, 0), payload...)
	require.True(t, l.sendBlock(msg))
	// size field in the last 16 bytes, the rest wraps to the start.
	require.Equal(t, binary.LittleEndian.AppendUint32(nil, 60), read(t, ram, 0x80381040+start, 4))
	require.Equal(t, hlCIDBytes[:12], read(t, ram, 0x80381040+start+4, 12))
	require.Equal(t, hlCIDBytes[12:], read(t, ram, 0x80381040, 4))
	require.EqualValues(t, 64-16, l.inbound.write(), "(start + 4 + 60) rounded to 16, modulo the size")

	// Fill the ring: it accepts blocks until less than block+16 is free.
	n := 0
	for l.sendBlock(msg) {
		n++
		require.Less(t, n, 100)
	}
	free := free(l.outbound.read(), l.inbound.write(), size)
	require.Less(t, free, uint32(4+60+16))
	require.NotZero(t, free, "never completely full")
}

func TestIntercoreCorruptRingIsRefused(t *testing.T) {
	_, l, ram, _ := newLink(t)
	require.NoError(t, ram.Write(0x80380040, []byte{0xff, 0xff, 0, 0})) // block size 65535
	require.NoError(t, ram.Write(0x80380000, []byte{32, 0, 0, 0}))
	msgs, err := l.recvBlocks(8)
	require.Error(t, err)
	require.Empty(t, msgs)
	require.Equal(t, []byte{32, 0, 0, 0}, read(t, ram, 0x80381004, 4), "skipped to the write position")
}
