package hw

import (
	"fmt"

	"github.com/sphere-emu/sphere-emu/trace"
)

// Register offsets of an M4 core's debug UART (base 0x21040000; reference
// §1.3 and §8, a 16550 with MediaTek's baud-rate extensions). DLL and DLM
// share THR/RBR and IER while LCR bit 7 (DLAB) is set.
const (
	M4UARTRegTHR         = 0x00 // write: send a byte; read: RBR (nothing is ever received: 0)
	M4UARTRegDLL         = 0x00 // with DLAB
	M4UARTRegIER         = 0x04
	M4UARTRegDLM         = 0x04 // with DLAB
	M4UARTRegIIR         = 0x08 // read
	M4UARTRegFCR         = 0x08 // write
	M4UARTRegLCR         = 0x0C
	M4UARTRegMCR         = 0x10
	M4UARTRegLSR         = 0x14
	M4UARTRegMSR         = 0x18
	M4UARTRegSCR         = 0x1C
	M4UARTRegHighSpeed   = 0x24
	M4UARTRegSampleCount = 0x28
	M4UARTRegSamplePoint = 0x2C
	M4UARTRegFracDivL    = 0x54
	M4UARTRegFracDivM    = 0x58
)

// M4 UART register bits.
const (
	M4UARTLCRDLAB   = 1 << 7
	M4UARTIERETBEI  = 1 << 1 // interrupt while the transmit holding register is empty
	M4UARTLSRIdle   = 0x60   // THRE | TEMT: the transmitter is always empty
	M4UARTLineLimit = 256    // bytes after which a line without '\n' is emitted
)

// M4UART is the debug UART of one real-time core (the IO0_TXD / IO1_TXD
// pins). Every byte written to THR leaves at once — LSR always reads 0x60,
// so polling drivers never wait — and nothing is ever received. The
// baud-rate registers are stored and read back; they do not slow the
// output. Output is assembled into lines: each '\n' (a '\r' before it is
// dropped), or M4UARTLineLimit bytes without one, emits rt.uart {core, line}.
//
// The UART interrupt line (NVIC IRQ 4) is high while IER bit 1 (ETBEI) is
// set, as the transmitter is always empty; IIR then reads 0x02 (0xC2 with
// the FIFOs enabled), otherwise 0x01.
type M4UART struct {
	core int
	tr   *trace.Tracer

	dll, dlm, ier, fcr, lcr, mcr, scr   uint32
	highSpeed, sampleCount, samplePoint uint32
	fracL, fracM                        uint32
	line                                []byte
	irq                                 bool
	hooks                               []func()
}

// NewM4UART returns core's debug UART in its reset state.
func NewM4UART(core int, tr *trace.Tracer) *M4UART {
	return &M4UART{core: core, tr: tr}
}

// Reset emits any partial line and returns the registers to their reset
// values (hooks stay registered).
func (u *M4UART) Reset() {
	u.Flush()
	u.dll, u.dlm, u.ier, u.fcr, u.lcr, u.mcr, u.scr = 0, 0, 0, 0, 0, 0, 0
	u.highSpeed, u.sampleCount, u.samplePoint, u.fracL, u.fracM = 0, 0, 0, 0, 0
	u.irq = false
}

// OnIRQ adds f to the functions called, synchronously and in the order
// added, when the UART interrupt line rises.
func (u *M4UART) OnIRQ(f func()) {
	if f != nil {
		u.hooks = append(u.hooks, f)
	}
}

// IRQ reports the level of the UART interrupt line (NVIC IRQ 4).
func (u *M4UART) IRQ() bool { return u.ier&M4UARTIERETBEI != 0 }

// Flush emits the bytes written since the last line as one rt.uart event.
func (u *M4UART) Flush() {
	if len(u.line) == 0 {
		return
	}
	u.tr.Emit(trace.HW, "rt.uart", trace.Int("core", int64(u.core)), trace.Str("line", string(u.line)))
	u.line = u.line[:0]
}

func (u *M4UART) send(b byte) {
	if b == '\n' {
		if n := len(u.line); n > 0 && u.line[n-1] == '\r' {
			u.line = u.line[:n-1]
		}
		u.tr.Emit(trace.HW, "rt.uart", trace.Int("core", int64(u.core)), trace.Str("line", string(u.line)))
		u.line = u.line[:0]
		return
	}
	u.line = append(u.line, b)
	if len(u.line) >= M4UARTLineLimit {
		u.Flush()
	}
}

func (u *M4UART) dlab() bool { return u.lcr&M4UARTLCRDLAB != 0 }

func (u *M4UART) badOffset(verb string, off uint32) error {
	return fmt.Errorf("m4 uart IO%d: %s of offset %#x: no such register: %w", u.core, verb, off, ErrInvalid)
}

// Read32 reads the register at off (relative to 0x21040000). Registers are
// 8 bits wide. Unknown or unaligned offsets wrap ErrInvalid.
func (u *M4UART) Read32(off uint32) (uint32, error) {
	switch off {
	case M4UARTRegTHR:
		if u.dlab() {
			return u.dll, nil
		}
		return 0, nil
	case M4UARTRegIER:
		if u.dlab() {
			return u.dlm, nil
		}
		return u.ier, nil
	case M4UARTRegIIR:
		v := uint32(0x01)
		if u.IRQ() {
			v = 0x02
		}
		if u.fcr&1 != 0 {
			v |= 0xC0
		}
		return v, nil
	case M4UARTRegLCR:
		return u.lcr, nil
	case M4UARTRegMCR:
		return u.mcr, nil
	case M4UARTRegLSR:
		return M4UARTLSRIdle, nil
	case M4UARTRegMSR:
		return 0, nil
	case M4UARTRegSCR:
		return u.scr, nil
	case M4UARTRegHighSpeed:
		return u.highSpeed, nil
	case M4UARTRegSampleCount:
		return u.sampleCount, nil
	case M4UARTRegSamplePoint:
		return u.samplePoint, nil
	case M4UARTRegFracDivL:
		return u.fracL, nil
	case M4UARTRegFracDivM:
		return u.fracM, nil
	}
	return 0, u.badOffset("read", off)
}

// Write32 writes the low 8 bits of v to the register at off. Unknown or
// unaligned offsets wrap ErrInvalid.
func (u *M4UART) Write32(off, v uint32) error {
	v &= 0xFF
	switch off {
	case M4UARTRegTHR:
		if u.dlab() {
			u.dll = v
		} else {
			u.send(byte(v))
		}
	case M4UARTRegIER:
		if u.dlab() {
			u.dlm = v
		} else {
			u.ier = v
		}
	case M4UARTRegFCR:
		u.fcr = v
	case M4UARTRegLCR:
		u.lcr = v
	case M4UARTRegMCR:
		u.mcr = v
	case M4UARTRegLSR, M4UARTRegMSR:
	case M4UARTRegSCR:
		u.scr = v
	case M4UARTRegHighSpeed:
		u.highSpeed = v
	case M4UARTRegSampleCount:
		u.sampleCount = v
	case M4UARTRegSamplePoint:
		u.samplePoint = v
	case M4UARTRegFracDivL:
		u.fracL = v
	case M4UARTRegFracDivM:
		u.fracM = v
	default:
		return u.badOffset("write", off)
	}
	was := u.irq
	u.irq = u.IRQ()
	if u.irq && !was {
		for _, f := range u.hooks {
			f()
		}
	}
	return nil
}
