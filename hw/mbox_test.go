package hw_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sphere-emu/sphere-emu/hw"
)

func TestMailboxA7ToM4FIFOHoldsFifteenInOrder(t *testing.T) {
	bn := newRTBench(t)
	m := hw.NewMailboxChannel(0, bn.tr)
	for i := range uint32(hw.MailboxFIFODepth) {
		require.NoError(t, m.A7Post(0x100+i, 0x200+i))
	}
	err := m.A7Post(0xdead, 0xbeef)
	require.True(t, errors.Is(err, hw.ErrWouldBlock), "%v", err)
	require.EqualValues(t, 15, rd(t, m, hw.MboxRegAcptCnt))
	require.Len(t, bn.rec.Named("mbox.post"), 15, "the refused post left no trace")

	for i := range uint32(hw.MailboxFIFODepth) {
		require.Equal(t, 0x200+i, rd(t, m, hw.MboxRegDataAcpt), "DATA_ACPT shows the head's data")
		require.Equal(t, 0x200+i, rd(t, m, hw.MboxRegDataAcpt), "reading DATA_ACPT does not pop")
		require.Equal(t, 0x100+i, rd(t, m, hw.MboxRegCmdAcpt), "CMD_ACPT pops")
		require.Equal(t, 14-i, rd(t, m, hw.MboxRegAcptCnt))
	}
	require.Zero(t, rd(t, m, hw.MboxRegCmdAcpt), "an empty FIFO reads 0")
	require.Zero(t, rd(t, m, hw.MboxRegDataAcpt))
	require.Zero(t, rd(t, m, hw.MboxRegAcptCnt))
	require.NoError(t, m.A7Post(1, 2), "room again")
}

func TestMailboxM4PostsDataThenCommand(t *testing.T) {
	bn := newRTBench(t)
	m := hw.NewMailboxChannel(1, bn.tr)
	a7 := 0
	m.OnA7IRQ(func() { a7++ })

	wr(t, m, hw.MboxRegDataPost, 0x1234)
	require.Zero(t, rd(t, m, hw.MboxRegPostCnt), "DATA_POST alone posts nothing")
	wr(t, m, hw.MboxRegCmdPost, 0xBA5E0001)
	wr(t, m, hw.MboxRegCmdPost, 7) // command only: data 0
	require.EqualValues(t, 2, rd(t, m, hw.MboxRegPostCnt))
	require.Equal(t, 2, a7, "each post rings the A7")

	cmd, data, ok := m.A7Accept()
	require.True(t, ok)
	require.Equal(t, [2]uint32{0xBA5E0001, 0x1234}, [2]uint32{cmd, data})
	cmd, data, ok = m.A7Accept()
	require.True(t, ok)
	require.Equal(t, [2]uint32{7, 0}, [2]uint32{cmd, data})
	_, _, ok = m.A7Accept()
	require.False(t, ok)

	e, ok := bn.rec.First("mbox.post", "dir", "m4>a7")
	require.True(t, ok)
	require.Equal(t, "1", e.Str("core"))
	require.Equal(t, "0xba5e0001", e.Str("cmd"))
	require.Equal(t, "0x00001234", e.Str("data"))
	require.Equal(t, "hw", e.Dom)

	for i := range uint32(hw.MailboxFIFODepth + 2) {
		wr(t, m, hw.MboxRegDataPost, i)
		wr(t, m, hw.MboxRegCmdPost, i)
	}
	require.EqualValues(t, 15, rd(t, m, hw.MboxRegPostCnt), "a full FIFO takes no more")
	require.Len(t, bn.rec.Named("mbox.overflow"), 2)
	for i := range uint32(hw.MailboxFIFODepth) {
		cmd, data, ok := m.A7Accept()
		require.True(t, ok)
		require.Equal(t, [2]uint32{i, i}, [2]uint32{cmd, data}, "FIFO order")
	}
}

func TestMailboxSoftwareInterrupts(t *testing.T) {
	bn := newRTBench(t)
	m := hw.NewMailboxChannel(0, bn.tr)
	m4, a7 := 0, 0
	m.OnM4IRQ(func() { m4++ })
	m.OnA7IRQ(func() { a7++ })

	// A7 → M4: status without enable keeps the line low.
	m.A7RaiseSoftIRQ(hw.MboxSWIntHLSent)
	require.EqualValues(t, 0x2, rd(t, m, hw.MboxRegSWIntSts))
	require.False(t, m.M4IRQ())
	require.Zero(t, m4)
	wr(t, m, hw.MboxRegSWIntEn, 0x2)
	require.True(t, m.M4IRQ(), "enabling a pending interrupt raises the line")
	require.Equal(t, 1, m4)
	m.A7RaiseSoftIRQ(hw.MboxSWIntHLSent)
	require.Equal(t, 2, m4, "a new A7 event rings again while high")
	wr(t, m, hw.MboxRegSWIntSts, 0x1) // clearing another bit changes nothing
	require.True(t, m.M4IRQ())
	wr(t, m, hw.MboxRegSWIntSts, 0x2)
	require.False(t, m.M4IRQ())
	require.Zero(t, rd(t, m, hw.MboxRegSWIntSts))
	m.A7RaiseSoftIRQ(0x100) // beyond the 8 software interrupts
	require.Zero(t, rd(t, m, hw.MboxRegSWIntSts))
	wr(t, m, hw.MboxRegSWIntEn, 0xFFFF)
	require.EqualValues(t, 0xFF, rd(t, m, hw.MboxRegSWIntEn))

	// M4 → A7.
	wr(t, m, hw.MboxRegSWIntPort, hw.MboxSWIntRTSent)
	wr(t, m, hw.MboxRegSWIntPort, hw.MboxSWIntRTConsumed)
	require.Equal(t, 2, a7)
	require.EqualValues(t, 0x3, m.A7PendingSoftIRQ())
	m.A7ClearSoftIRQ(0x1)
	require.EqualValues(t, 0x2, m.A7PendingSoftIRQ())
	require.Zero(t, rd(t, m, hw.MboxRegSWIntPort), "SW_INT_PORT is write-only")

	evs := bn.rec.Named("mbox.swint")
	require.Len(t, evs, 4)
	require.Equal(t, "a7>m4", evs[0].Str("dir"))
	require.Equal(t, "0x02", evs[0].Str("bits"))
	require.Equal(t, "m4>a7", evs[2].Str("dir"))
	require.Equal(t, "0x01", evs[2].Str("bits"))
}

func TestMailboxFIFOInterrupts(t *testing.T) {
	bn := newRTBench(t)
	m := hw.NewMailboxChannel(0, bn.tr)
	m4 := 0
	m.OnM4IRQ(func() { m4++ })

	// Reset state: the M4→A7 FIFO is not full, so NF is active but disabled.
	require.EqualValues(t, hw.MboxIntNF, rd(t, m, hw.MboxRegIntSts))
	require.False(t, m.M4IRQ())

	// NE follows the A7→M4 FIFO's level.
	wr(t, m, hw.MboxRegIntEn, hw.MboxIntNE)
	require.NoError(t, m.A7Post(1, 1))
	require.True(t, m.M4IRQ())
	require.Equal(t, 1, m4)
	require.EqualValues(t, hw.MboxIntNE|hw.MboxIntWR|hw.MboxIntNF, rd(t, m, hw.MboxRegIntSts))
	rd(t, m, hw.MboxRegCmdAcpt)
	require.False(t, m.M4IRQ(), "emptying the FIFO drops NE")

	// NE_THRS: non-empty means more than the threshold.
	wr(t, m, hw.MboxRegNEThrs, 2)
	require.NoError(t, m.A7Post(1, 1))
	require.NoError(t, m.A7Post(2, 2))
	require.False(t, m.M4IRQ())
	require.NoError(t, m.A7Post(3, 3))
	require.True(t, m.M4IRQ())
	wr(t, m, hw.MboxRegNEThrs, 0x1F)
	require.EqualValues(t, 0xF, rd(t, m, hw.MboxRegNEThrs), "thresholds are 4 bits")

	// WR is latched until cleared.
	wr(t, m, hw.MboxRegIntEn, hw.MboxIntWR)
	require.True(t, m.M4IRQ())
	wr(t, m, hw.MboxRegIntSts, hw.MboxIntWR)
	require.False(t, m.M4IRQ())

	// RD latches when the A7 accepts.
	wr(t, m, hw.MboxRegIntEn, hw.MboxIntRD)
	wr(t, m, hw.MboxRegCmdPost, 9)
	require.False(t, m.M4IRQ())
	_, _, ok := m.A7Accept()
	require.True(t, ok)
	require.True(t, m.M4IRQ())
	wr(t, m, hw.MboxRegIntSts, hw.MboxIntRD)
	require.False(t, m.M4IRQ())

	// NF: more free slots than NF_THRS.
	wr(t, m, hw.MboxRegIntEn, hw.MboxIntNF)
	require.True(t, m.M4IRQ())
	for range hw.MailboxFIFODepth {
		wr(t, m, hw.MboxRegCmdPost, 1)
	}
	require.False(t, m.M4IRQ(), "a full FIFO is not non-full")
	wr(t, m, hw.MboxRegNFThrs, 3)
	for range 3 {
		m.A7Accept()
	}
	require.False(t, m.M4IRQ(), "3 free slots are not more than 3")
	m.A7Accept()
	require.True(t, m.M4IRQ())
	wr(t, m, hw.MboxRegIntEn, 0xFF)
	require.EqualValues(t, 0xF, rd(t, m, hw.MboxRegIntEn))
}

func TestMailboxIntercoreSetupWords(t *testing.T) {
	bn := newRTBench(t)
	m := hw.NewMailboxChannel(0, bn.tr)
	words := [][2]uint32{{0xBA5E0001, 0x20000045}, {0xBA5E0002, 0x20000445}, {0xBA5E0003, 0}}
	for _, w := range words {
		require.NoError(t, m.A7Post(w[0], w[1]))
	}
	for _, w := range words {
		data := rd(t, m, hw.MboxRegDataAcpt)
		cmd := rd(t, m, hw.MboxRegCmdAcpt)
		require.Equal(t, w, [2]uint32{cmd, data})
	}
	posts := bn.rec.Named("mbox.post")
	require.Len(t, posts, 3)
	require.Equal(t, "a7>m4", posts[1].Str("dir"))
	require.Equal(t, "0xba5e0002", posts[1].Str("cmd"))
	require.Equal(t, "0x20000445", posts[1].Str("data"))
	require.Len(t, bn.rec.Named("mbox.accept"), 3)
}

func TestMailboxSoftResetEmptiesBothFIFOs(t *testing.T) {
	bn := newRTBench(t)
	m := hw.NewMailboxChannel(0, bn.tr)
	require.NoError(t, m.A7Post(1, 2))
	wr(t, m, hw.MboxRegDataPost, 5)
	wr(t, m, hw.MboxRegCmdPost, 3)
	wr(t, m, hw.MboxRegSWIntEn, 0xFF)
	m.A7RaiseSoftIRQ(1)
	wr(t, m, hw.MboxRegGenCtrl, 0) // no reset bit: nothing
	toM4, toA7 := m.Counts()
	require.Equal(t, [2]int{1, 1}, [2]int{toM4, toA7})

	wr(t, m, hw.MboxRegGenCtrl, hw.MboxGenSoftResetMyself)
	toM4, toA7 = m.Counts()
	require.Equal(t, [2]int{0, 0}, [2]int{toM4, toA7})
	require.Zero(t, rd(t, m, hw.MboxRegGenCtrl), "the reset bits clear themselves")
	require.EqualValues(t, 1, rd(t, m, hw.MboxRegSWIntSts), "software interrupts survive")
	require.EqualValues(t, 0xFF, rd(t, m, hw.MboxRegSWIntEn))
	_, ok := bn.rec.First("mbox.reset", "core", "0")
	require.True(t, ok)

	m.Reset()
	require.Zero(t, rd(t, m, hw.MboxRegSWIntSts))
	require.Zero(t, rd(t, m, hw.MboxRegSWIntEn))
	require.EqualValues(t, hw.MailboxVersion, rd(t, m, hw.MboxRegVER))
	wr(t, m, hw.MboxRegVER, 77)
	require.EqualValues(t, hw.MailboxVersion, rd(t, m, hw.MboxRegVER), "VER is read-only")
}

func TestMailboxSemaphore(t *testing.T) {
	m := hw.NewMailboxChannel(0, nil)
	require.EqualValues(t, hw.MboxSemCM4Lock, rd(t, m, hw.MboxRegSem), "reading takes it for the M4")
	require.False(t, m.A7SemTake())
	require.EqualValues(t, hw.MboxSemCM4Lock, rd(t, m, hw.MboxRegSem))
	wr(t, m, hw.MboxRegSem, hw.MboxSemUnlock)
	require.True(t, m.A7SemTake())
	require.EqualValues(t, hw.MboxSemCA7Lock, rd(t, m, hw.MboxRegSem), "the M4 cannot take it from the A7")
	wr(t, m, hw.MboxRegSem, hw.MboxSemUnlock)
	require.EqualValues(t, hw.MboxSemCA7Lock, rd(t, m, hw.MboxRegSem), "nor release it")
	m.A7SemRelease()
	require.EqualValues(t, hw.MboxSemCM4Lock, rd(t, m, hw.MboxRegSem))
}

func TestMailboxRejectsUnknownAndUnalignedOffsets(t *testing.T) {
	m := hw.NewMailboxChannel(0, nil)
	requireBadOffsets(t, m, 0x08, 0x0C, 0x10, 0x20, 0x2C, 0x4C, 0x5C, 0x64, 0x1000, 0x41, 0x02, 0xFFFFFFFC)
}
