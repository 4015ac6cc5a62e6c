package hw

import (
	"fmt"

	"github.com/sphere-emu/sphere-emu/trace"
)

// Mailbox facts (reference §1.7; MediaTek's hdl_mbox.h): each channel has
// two FIFOs of 15 entries (a 32-bit command and a 32-bit data word each),
// 8 software interrupts in each direction, 4 FIFO interrupts and a
// semaphore.
const (
	MailboxFIFODepth = 15
	MailboxSoftIRQs  = 8
	MailboxVersion   = 0x00000001 // what VER reads: emulator-defined (the real value is not public)
)

// Register offsets of the "HSP CA7 normal" mailbox channel in an M4's view
// (base 0x21050000; reference §1.7, hdl_mbox.c).
const (
	MboxRegVER       = 0x00
	MboxRegGenCtrl   = 0x04
	MboxRegSWIntPort = 0x14
	MboxRegSWIntEn   = 0x18
	MboxRegSWIntSts  = 0x1C
	MboxRegNFThrs    = 0x30
	MboxRegNEThrs    = 0x34
	MboxRegIntEn     = 0x38
	MboxRegIntSts    = 0x3C
	MboxRegCmdPost   = 0x40
	MboxRegDataPost  = 0x44
	MboxRegPostCnt   = 0x48
	MboxRegCmdAcpt   = 0x50
	MboxRegDataAcpt  = 0x54
	MboxRegAcptCnt   = 0x58
	MboxRegSem       = 0x60
)

// Bits of the mailbox registers.
const (
	MboxGenSoftReset       = 1 << 0 // GEN_CTRL: MBOX_SOFT_RST
	MboxGenSoftResetMyself = 1 << 1 // GEN_CTRL: MBOX_SOFT_RST_MYSELF (what mtk_hdl_mbox_reset writes)

	// FIFO interrupts in INT_EN / INT_STS (hdl_mbox.h bit positions).
	MboxIntNE = 1 << 0 // non-empty: the A7→M4 FIFO holds more than NE_THRS entries (level)
	MboxIntWR = 1 << 1 // write: the A7 posted an entry to the M4 (latched; write 1 to clear)
	MboxIntNF = 1 << 2 // non-full: the M4→A7 FIFO has more than NF_THRS free slots (level)
	MboxIntRD = 1 << 3 // read: the A7 accepted an entry the M4 posted (latched; write 1 to clear)

	// Software interrupts of the intercore protocol (reference §7.2).
	MboxSWIntRTSent     = 1 << 0 // M4→A7: "the real-time app sent a message"
	MboxSWIntRTConsumed = 1 << 1 // M4→A7: "the real-time app consumed a message"
	MboxSWIntHLSent     = 1 << 1 // A7→M4: "the high-level app sent a message"

	// Semaphore states (enum mbox_sem_status).
	MboxSemUnlock  = 0
	MboxSemCM4Lock = 1
	MboxSemCA7Lock = 2

	mboxThrsMask  = 0x0F
	mboxSWIntMask = 1<<MailboxSoftIRQs - 1
	mboxIntMask   = MboxIntNE | MboxIntWR | MboxIntNF | MboxIntRD
)

type mboxEntry struct{ cmd, data uint32 }

// mboxFIFO is a ring of at most MailboxFIFODepth entries.
type mboxFIFO struct {
	e       [MailboxFIFODepth]mboxEntry
	head, n int
}

func (f *mboxFIFO) full() bool { return f.n == MailboxFIFODepth }

func (f *mboxFIFO) push(e mboxEntry) {
	f.e[(f.head+f.n)%MailboxFIFODepth] = e
	f.n++
}

func (f *mboxFIFO) peek() (mboxEntry, bool) {
	if f.n == 0 {
		return mboxEntry{}, false
	}
	return f.e[f.head], true
}

func (f *mboxFIFO) pop() (mboxEntry, bool) {
	e, ok := f.peek()
	if ok {
		f.head = (f.head + 1) % MailboxFIFODepth
		f.n--
	}
	return e, ok
}

// MailboxChannel is the "HSP CA7 normal" mailbox channel between the A7 and
// one real-time core. The M4 reaches it through registers (Read32, Write32,
// offsets from 0x21050000); the kernel, standing for the A7, through the A7*
// methods. Two FIFOs carry entries (command word, data word), one each way;
// software interrupts are raised by one side and cleared by the other.
//
// Entries are posted by writing DATA_POST and then CMD_POST: the CMD_POST
// write pushes (command, last DATA_POST value) and clears the data holding
// register, so a command-only post (MBOX_TR_CMD_ONLY) carries data 0.
// They are accepted by reading DATA_ACPT (the head entry's data, no pop) and
// then CMD_ACPT (the head entry's command; pops it), as MediaTek's driver
// and the intercore sample do. CMD_POST on a full FIFO is dropped
// (mbox.overflow); CMD_ACPT and DATA_ACPT on an empty FIFO read 0.
//
// The M4's interrupt line (NVIC IRQ 11) is high while a software interrupt
// is both pending and enabled (SW_INT_STS & SW_INT_EN) or an enabled FIFO
// interrupt is active (INT_STS & INT_EN). On the real chip the FIFO
// interrupts have lines of their own (IRQ 6–10); the emulator folds them
// into IRQ 11.
//
// Like every model in this package it is passive and not safe for
// concurrent use.
type MailboxChannel struct {
	core int
	tr   *trace.Tracer

	toM4, toA7 mboxFIFO
	dataPost   uint32 // DATA_POST holding register

	swEn, swSts uint32 // A7→M4 software interrupts: enable and status (M4 registers)
	toA7Soft    uint32 // M4→A7 software interrupts pending at the A7
	intEn       uint32
	intLatch    uint32 // latched FIFO interrupts: WR, RD
	nfThrs      uint32
	neThrs      uint32
	sem         uint32

	line             bool // the M4 line's level after the last change
	m4Hooks, a7Hooks []func()
}

// NewMailboxChannel returns core's channel (0 for IO0, 1 for IO1) in its
// power-on state: FIFOs empty, every interrupt disabled and clear,
// thresholds 0, semaphore unlocked.
func NewMailboxChannel(core int, tr *trace.Tracer) *MailboxChannel {
	return &MailboxChannel{core: core, tr: tr}
}

// Core returns the number of the real-time core the channel belongs to.
func (m *MailboxChannel) Core() int { return m.core }

// Reset returns the channel to its power-on state (hooks stay registered).
func (m *MailboxChannel) Reset() {
	m.toM4, m.toA7 = mboxFIFO{}, mboxFIFO{}
	m.dataPost, m.swEn, m.swSts, m.toA7Soft = 0, 0, 0, 0
	m.intEn, m.intLatch, m.nfThrs, m.neThrs, m.sem = 0, 0, 0, 0, MboxSemUnlock
	m.line = false
}

// OnM4IRQ adds f to the functions called, synchronously and in the order
// added, when the M4's mailbox interrupt line may have risen: on every A7
// event (post, accept, software interrupt) that leaves the line high, and
// when an M4 register access takes it from low to high.
func (m *MailboxChannel) OnM4IRQ(f func()) {
	if f != nil {
		m.m4Hooks = append(m.m4Hooks, f)
	}
}

// OnA7IRQ adds f to the functions called when the M4 raises a software
// interrupt toward the A7 or posts an entry.
func (m *MailboxChannel) OnA7IRQ(f func()) {
	if f != nil {
		m.a7Hooks = append(m.a7Hooks, f)
	}
}

// M4IRQ reports the level of the M4's mailbox interrupt line (NVIC IRQ 11).
func (m *MailboxChannel) M4IRQ() bool {
	return m.swSts&m.swEn != 0 || m.intStatus()&m.intEn != 0
}

// Counts returns the number of entries in the A7→M4 and M4→A7 FIFOs.
func (m *MailboxChannel) Counts() (toM4, toA7 int) { return m.toM4.n, m.toA7.n }

// intStatus is INT_STS: the latched WR and RD events and the NE and NF levels.
func (m *MailboxChannel) intStatus() uint32 {
	s := m.intLatch
	if uint32(m.toM4.n) > m.neThrs {
		s |= MboxIntNE
	}
	if uint32(MailboxFIFODepth-m.toA7.n) > m.nfThrs {
		s |= MboxIntNF
	}
	return s
}

// update records the line's level and calls the M4 hooks if it is high and
// either rose or event says something new happened.
func (m *MailboxChannel) update(event bool) {
	was := m.line
	m.line = m.M4IRQ()
	if m.line && (event || !was) {
		for _, f := range m.m4Hooks {
			f()
		}
	}
}

func (m *MailboxChannel) raiseA7() {
	for _, f := range m.a7Hooks {
		f()
	}
}

func hex32(v uint32) string { return fmt.Sprintf("0x%08x", v) }

func (m *MailboxChannel) emitEntry(ev, dir string, e mboxEntry) {
	m.tr.Emit(trace.HW, ev, trace.Int("core", int64(m.core)), trace.Str("dir", dir),
		trace.Str("cmd", hex32(e.cmd)), trace.Str("data", hex32(e.data)))
}

// A7Post puts an entry into the M4-bound FIFO, as the A7 writing its
// CMD_POST, and latches the M4's WR interrupt. A full FIFO (15 entries)
// accepts nothing and the error wraps ErrWouldBlock.
func (m *MailboxChannel) A7Post(cmd, data uint32) error {
	if m.toM4.full() {
		return fmt.Errorf("mailbox IO%d: the A7→M4 FIFO holds %d entries: %w", m.core, MailboxFIFODepth, ErrWouldBlock)
	}
	e := mboxEntry{cmd, data}
	m.toM4.push(e)
	m.intLatch |= MboxIntWR
	m.emitEntry("mbox.post", "a7>m4", e)
	m.update(true)
	return nil
}

// A7Accept takes the oldest entry the M4 posted, if any, and latches the
// M4's RD interrupt.
func (m *MailboxChannel) A7Accept() (cmd, data uint32, ok bool) {
	e, ok := m.toA7.pop()
	if !ok {
		return 0, 0, false
	}
	m.intLatch |= MboxIntRD
	m.emitEntry("mbox.accept", "m4>a7", e)
	m.update(true)
	return e.cmd, e.data, true
}

// A7RaiseSoftIRQ sets bits (0–7) in the M4's SW_INT_STS.
func (m *MailboxChannel) A7RaiseSoftIRQ(bits uint32) {
	bits &= mboxSWIntMask
	if bits == 0 {
		return
	}
	m.swSts |= bits
	m.tr.Emit(trace.HW, "mbox.swint", trace.Int("core", int64(m.core)), trace.Str("dir", "a7>m4"), trace.Str("bits", fmt.Sprintf("0x%02x", bits)))
	m.update(true)
}

// A7PendingSoftIRQ returns the software interrupts the M4 raised through
// SW_INT_PORT that the A7 has not cleared.
func (m *MailboxChannel) A7PendingSoftIRQ() uint32 { return m.toA7Soft }

// A7ClearSoftIRQ clears bits of A7PendingSoftIRQ.
func (m *MailboxChannel) A7ClearSoftIRQ(bits uint32) { m.toA7Soft &^= bits }

// A7SemTake tries to take the semaphore for the A7 and reports whether the
// A7 holds it.
func (m *MailboxChannel) A7SemTake() bool {
	if m.sem == MboxSemUnlock {
		m.sem = MboxSemCA7Lock
	}
	return m.sem == MboxSemCA7Lock
}

// A7SemRelease releases the semaphore if the A7 holds it.
func (m *MailboxChannel) A7SemRelease() {
	if m.sem == MboxSemCA7Lock {
		m.sem = MboxSemUnlock
	}
}

func (m *MailboxChannel) badOffset(verb string, off uint32) error {
	return fmt.Errorf("mailbox IO%d: %s of offset %#x: no such register: %w", m.core, verb, off, ErrInvalid)
}

// Read32 reads the register at off (relative to 0x21050000). CMD_ACPT pops
// the head entry; SEM tries to take the semaphore for the M4 and returns
// its state. Unknown or unaligned offsets wrap ErrInvalid.
func (m *MailboxChannel) Read32(off uint32) (uint32, error) {
	var v uint32
	switch off {
	case MboxRegVER:
		v = MailboxVersion
	case MboxRegGenCtrl, MboxRegSWIntPort, MboxRegCmdPost:
		// Self-clearing or write-only: read 0.
	case MboxRegDataPost:
		v = m.dataPost
	case MboxRegSWIntEn:
		v = m.swEn
	case MboxRegSWIntSts:
		v = m.swSts
	case MboxRegNFThrs:
		v = m.nfThrs
	case MboxRegNEThrs:
		v = m.neThrs
	case MboxRegIntEn:
		v = m.intEn
	case MboxRegIntSts:
		v = m.intStatus()
	case MboxRegPostCnt:
		v = uint32(m.toA7.n)
	case MboxRegAcptCnt:
		v = uint32(m.toM4.n)
	case MboxRegDataAcpt:
		e, _ := m.toM4.peek()
		v = e.data
	case MboxRegCmdAcpt:
		if e, ok := m.toM4.pop(); ok {
			v = e.cmd
			m.emitEntry("mbox.accept", "a7>m4", e)
		}
	case MboxRegSem:
		if m.sem == MboxSemUnlock {
			m.sem = MboxSemCM4Lock
		}
		v = m.sem
	default:
		return 0, m.badOffset("read", off)
	}
	m.update(false)
	return v, nil
}

// Write32 writes v to the register at off. Writes to read-only registers
// (VER, the counts, the accept ports) are ignored. Unknown or unaligned
// offsets wrap ErrInvalid.
func (m *MailboxChannel) Write32(off, v uint32) error {
	switch off {
	case MboxRegVER, MboxRegPostCnt, MboxRegAcptCnt, MboxRegCmdAcpt, MboxRegDataAcpt:
	case MboxRegGenCtrl:
		if v&(MboxGenSoftReset|MboxGenSoftResetMyself) != 0 {
			m.toM4, m.toA7 = mboxFIFO{}, mboxFIFO{}
			m.dataPost, m.intLatch = 0, 0
			m.tr.Emit(trace.HW, "mbox.reset", trace.Int("core", int64(m.core)))
		}
	case MboxRegSWIntPort:
		if bits := v & mboxSWIntMask; bits != 0 {
			m.toA7Soft |= bits
			m.tr.Emit(trace.HW, "mbox.swint", trace.Int("core", int64(m.core)), trace.Str("dir", "m4>a7"), trace.Str("bits", fmt.Sprintf("0x%02x", bits)))
			m.update(false)
			m.raiseA7()
			return nil
		}
	case MboxRegSWIntEn:
		m.swEn = v & mboxSWIntMask
	case MboxRegSWIntSts:
		m.swSts &^= v
	case MboxRegNFThrs:
		m.nfThrs = v & mboxThrsMask
	case MboxRegNEThrs:
		m.neThrs = v & mboxThrsMask
	case MboxRegIntEn:
		m.intEn = v & mboxIntMask
	case MboxRegIntSts:
		m.intLatch &^= v
	case MboxRegDataPost:
		m.dataPost = v
	case MboxRegCmdPost:
		e := mboxEntry{v, m.dataPost}
		m.dataPost = 0
		if m.toA7.full() {
			m.emitEntry("mbox.overflow", "m4>a7", e)
			break
		}
		m.toA7.push(e)
		m.emitEntry("mbox.post", "m4>a7", e)
		m.update(false)
		m.raiseA7()
		return nil
	case MboxRegSem:
		if v == MboxSemUnlock && m.sem == MboxSemCM4Lock {
			m.sem = MboxSemUnlock
		}
	default:
		return m.badOffset("write", off)
	}
	m.update(false)
	return nil
}
