package hw_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sphere-emu/sphere-emu/hw"
	"github.com/sphere-emu/sphere-emu/sim"
	"github.com/sphere-emu/sphere-emu/trace"
)

// Offsets within an ISU block that ISU fuzz programs index into: every
// modelled register and a few holes.
var isuFuzzOffs = func() []uint32 {
	o := []uint32{
		hw.GPIORegGlobalCtrl, hw.GPIORegDIN, hw.GPIORegDOUT, hw.GPIORegDOUTSet, hw.GPIORegDOUTReset,
		hw.GPIORegOE, hw.GPIORegOESet, hw.GPIORegOEReset, hw.GPIORegPU, hw.GPIORegEA + 4, hw.GPIORegPADDRV,
	}
	for _, r := range []uint32{
		hw.ISUI2CRegIntCtrl, hw.ISUI2CRegPadCon0, hw.ISUI2CRegCntValPHL, hw.ISUI2CRegCntValPHH,
		hw.ISUI2CRegCntBytePK0, hw.ISUI2CRegCntBytePK0 + 4, hw.ISUI2CRegCntBytePK0 + 8, hw.ISUI2CRegSlaveID,
		hw.ISUI2CRegPackCon0, hw.ISUI2CRegAckVal, hw.ISUI2CRegCon0, hw.ISUI2CRegStatus, hw.ISUI2CRegFIFOCon0,
		hw.ISUI2CRegFIFOStatus, hw.ISUI2CRegFIFOPtr, hw.ISUI2CRegFIFOData, hw.ISUI2CRegDMACon0, hw.ISUI2CRegSCon0,
		hw.ISUI2CRegSFIFOStatus, hw.ISUI2CRegSFIFOData,
	} {
		o = append(o, hw.ISUI2COffset+r)
	}
	for _, r := range []uint32{
		hw.ISUSPIRegSTCSR, hw.ISUSPIRegSOAR, hw.ISUSPIRegSDOR0, hw.ISUSPIRegSDOR0 + 4, hw.ISUSPIRegSMMR,
		hw.ISUSPIRegSMBCR, hw.ISUSPIRegQCtl, hw.ISUSPIRegSCSR, hw.ISUSPIRegCSPol, hw.ISUSPIRegDataPort,
		hw.ISUSPIRegSDIR0, hw.ISUSPIRegSDIR0 + 4,
	} {
		o = append(o, hw.ISUSPIMOffset+r)
	}
	for _, r := range []uint32{
		hw.ISUUARTRegTHR, hw.ISUUARTRegIER, hw.ISUUARTRegIIR, hw.ISUUARTRegLCR, hw.ISUUARTRegMCR,
		hw.ISUUARTRegLSR, hw.ISUUARTRegSCR, hw.ISUUARTRegHighSpeed, hw.ISUUARTRegSampleCount,
		hw.ISUUARTRegFracDivL, hw.ISUUARTRegVFIFOEn, hw.ISUUARTRegRxOffset, hw.ISUUARTRegTxOffset,
	} {
		o = append(o, hw.ISUUARTOffset+r)
	}
	return append(o, hw.ISUSPISOffset, hw.ISUI2COffset+4, 0x600)
}()

// isuFuzzValues are values worth writing: enables, starts, counts, divisors.
var isuFuzzValues = []uint32{
	0, 1, 2, 3, 6, 0xFF, 0xFFFFFFFF, hw.AccelI2CAddress, hw.LSM6DS3RegWhoAmI, 0x80 | hw.LSM6DS3RegWhoAmI,
	hw.LSM6DS3RegOutXLXL, hw.ISUI2CCon0MasterEn | hw.ISUI2CCon0Start, hw.ISUI2CCon0MasterEn,
	1<<hw.ISUI2CPackValShift | hw.ISUI2CPackRead<<1, 0x4141, 0x1010,
	hw.ISUSPISMMRMoreBuf | 38<<hw.ISUSPISMMRClkShift, hw.ISUSPISMMRMoreBuf | 1<<hw.ISUSPISMMRCSShift,
	8<<hw.ISUSPISMBCRCmdShift | 8<<hw.ISUSPISMBCRMISOShift, 16 << hw.ISUSPISMBCRCmdShift, hw.ISUSPISTCSRStart,
	hw.ISUUARTLCREFR, 0x83, 0x03, 0x10, 224, 223, 'h', 'i', 0xD7, hw.ISUGlobalDefault &^ hw.ISUGlobalSwRstB,
}

// Opcodes of an ISU fuzz program (the low 2 bits of an op byte; bit 3 selects write).
const (
	isuFzAccess = iota
	isuFzTime
	isuFzWorld
	isuFzHL
)

// isuFuzzOp encodes one register access: ISU n at block offset off.
func isuFuzzOp(write bool, n int, off, v uint32) []byte {
	op := byte(isuFzAccess)
	if write {
		op |= 8
	}
	out := []byte{op, byte(n)}
	if i := slices.Index(isuFuzzOffs, off); i >= 0 {
		out = append(out, byte(i))
	} else {
		out = append(out, 0xFF, byte(off), byte(off>>8))
	}
	if !write {
		return out
	}
	if i := slices.Index(isuFuzzValues, v); i >= 0 {
		return append(out, byte(i))
	}
	return append(out, 0xFF, byte(v), byte(v>>8), byte(v>>16), byte(v>>24))
}

// isuFuzzSeedEvidence is what each seed program must show in its log.
var isuFuzzSeedEvidence = map[string][]string{
	"i2c_whoami":     {`"ev":"i2c.xfer","isu":2,"addr":106,"wlen":1,"rlen":1,"ack":true`, "io false 0x38090290 0x69"},
	"i2c_nack":       {`"ack":false`, "io false 0x3809026c 0x100"},
	"spi_whoami":     {`"ev":"spi.xfer","isu":1,"cs":0`, "io false 0x38080348 0x69", "io false 0x38080334 0x7"},
	"uart_loopback":  {`"ev":"uart.tx","isu":0,"len":1,"text":"h"`, "io false 0x38070500 0x68", "io false 0x38070500 0x69"},
	"gpio_and_reset": {`"ev":"gpio.set","gpio":26`, "io false 0x38090274 0x4", "io false 0x38090200 0x0"},
	"faults":         {"ISU5 is not modelled", "START without master mode", "SPI subordinate is not modelled", "not within 3%"},
}

func isuFuzzSeeds() map[string][]byte {
	cat := func(ops ...[]byte) []byte { return slices.Concat(ops...) }
	w := func(n int, off, v uint32) []byte { return isuFuzzOp(true, n, off, v) }
	r := func(n int, off uint32) []byte { return isuFuzzOp(false, n, off, 0) }
	wait := func(unit, k byte) []byte { return []byte{isuFzTime, unit, k} }
	i2c := func(n int, target, reg uint32) []byte {
		return cat(w(n, hw.ISUI2COffset+hw.ISUI2CRegCon0, hw.ISUI2CCon0MasterEn),
			w(n, hw.ISUI2COffset+hw.ISUI2CRegCntValPHL, 0x4141), w(n, hw.ISUI2COffset+hw.ISUI2CRegCntValPHH, 0x4141),
			w(n, hw.ISUI2COffset+hw.ISUI2CRegSlaveID, target), w(n, hw.ISUI2COffset+hw.ISUI2CRegFIFOData, reg),
			w(n, hw.ISUI2COffset+hw.ISUI2CRegCntBytePK0, 1), w(n, hw.ISUI2COffset+hw.ISUI2CRegCntBytePK0+4, 1),
			w(n, hw.ISUI2COffset+hw.ISUI2CRegPackCon0, 1<<hw.ISUI2CPackValShift|hw.ISUI2CPackRead<<1),
			w(n, hw.ISUI2COffset+hw.ISUI2CRegCon0, hw.ISUI2CCon0MasterEn|hw.ISUI2CCon0Start))
	}
	uart := func(off, v uint32) []byte { return w(0, hw.ISUUARTOffset+off, v) }
	return map[string][]byte{
		"i2c_whoami": cat(i2c(2, hw.AccelI2CAddress, hw.LSM6DS3RegWhoAmI),
			r(2, hw.ISUI2COffset+hw.ISUI2CRegStatus), wait(1, 10),
			r(2, hw.ISUI2COffset+hw.ISUI2CRegStatus), r(2, hw.ISUI2COffset+hw.ISUI2CRegFIFOData)),
		"i2c_nack": cat(i2c(2, 0x10, 0), wait(1, 10), r(2, hw.ISUI2COffset+hw.ISUI2CRegAckVal)),
		"spi_whoami": cat(w(1, hw.ISUSPIMOffset+hw.ISUSPIRegSMMR, hw.ISUSPISMMRMoreBuf|38<<hw.ISUSPISMMRClkShift),
			w(1, hw.ISUSPIMOffset+hw.ISUSPIRegSOAR, 0x80|hw.LSM6DS3RegWhoAmI),
			w(1, hw.ISUSPIMOffset+hw.ISUSPIRegSMBCR, 8<<hw.ISUSPISMBCRCmdShift|8<<hw.ISUSPISMBCRMISOShift),
			w(1, hw.ISUSPIMOffset+hw.ISUSPIRegSTCSR, hw.ISUSPISTCSRStart), r(1, hw.ISUSPIMOffset+hw.ISUSPIRegSTCSR),
			wait(0, 10), r(1, hw.ISUSPIMOffset+hw.ISUSPIRegSDIR0), r(1, hw.ISUSPIMOffset+hw.ISUSPIRegSCSR)),
		"uart_loopback": cat(uart(hw.ISUUARTRegLCR, hw.ISUUARTLCREFR), uart(hw.ISUUARTRegEFR, 0x10),
			uart(hw.ISUUARTRegHighSpeed, 3), uart(hw.ISUUARTRegDLL, 1), uart(hw.ISUUARTRegSampleCount, 224),
			uart(hw.ISUUARTRegFracDivL, 223), uart(hw.ISUUARTRegLCR, 0x03), uart(hw.ISUUARTRegFCR, 0xD7),
			uart(hw.ISUUARTRegTHR, 'h'), uart(hw.ISUUARTRegTHR, 'i'), r(0, hw.ISUUARTOffset+hw.ISUUARTRegLSR),
			wait(1, 10), r(0, hw.ISUUARTOffset+hw.ISUUARTRegLSR), r(0, hw.ISUUARTOffset+hw.ISUUARTRegRBR),
			r(0, hw.ISUUARTOffset+hw.ISUUARTRegRBR), []byte{isuFzWorld, 0, 'z'}, r(0, hw.ISUUARTOffset+hw.ISUUARTRegIIR)),
		"gpio_and_reset": cat(w(0, hw.GPIORegDOUTSet, 1), w(0, hw.GPIORegOESet, 1), r(0, hw.GPIORegDIN),
			i2c(2, hw.AccelI2CAddress, hw.LSM6DS3RegWhoAmI), r(2, hw.ISUI2COffset+hw.ISUI2CRegStatus),
			w(2, hw.GPIORegGlobalCtrl, hw.ISUGlobalDefault&^hw.ISUGlobalSwRstB), w(2, hw.GPIORegGlobalCtrl, hw.ISUGlobalDefault),
			r(2, hw.ISUI2COffset+hw.ISUI2CRegStatus), wait(2, 2), r(2, hw.ISUI2COffset+hw.ISUI2CRegIntCtrl)),
		"faults": cat(r(5, 0), r(3, hw.ISUSPISOffset), w(3, hw.ISUI2COffset+hw.ISUI2CRegCon0, hw.ISUI2CCon0Start),
			uart(hw.ISUUARTRegLCR, 0x83), uart(hw.ISUUARTRegDLL, 1), uart(hw.ISUUARTRegLCR, 0x03),
			w(4, hw.ISUSPIMOffset+hw.ISUSPIRegSTCSR, hw.ISUSPISTCSRStart), r(1, 0x600)),
	}
}

// runISUProgram runs prog against a fresh board and returns everything
// observable: read values, errors and the trace, in order. It fails t if
// an invariant breaks.
func runISUProgram(t *testing.T, prog []byte) []string {
	var log []string
	s := sim.New(1)
	tr := trace.New(s.Now, trace.SinkFunc(func(e *trace.Event) {
		log = append(log, string(trace.AppendJSON(nil, e)))
	}))
	board := hw.NewBoard(tr, s.Now, s.Schedule)
	next := func() byte {
		if len(prog) == 0 {
			return 0
		}
		v := prog[0]
		prog = prog[1:]
		return v
	}
	word := func() uint32 {
		var b [4]byte
		for i := range b {
			b[i] = next()
		}
		return binary.LittleEndian.Uint32(b[:])
	}
	peek := func(addr uint32) uint32 { // a read without side effects
		v, err := board.IORead32(addr)
		if err != nil {
			t.Fatalf("%#08x: %v", addr, err)
		}
		return v
	}
	for len(prog) > 0 {
		op := next()
		write := op&8 != 0
		switch op % 4 {
		case isuFzAccess:
			n := int(next() % 6)
			var off uint32
			if i := next(); i < 0xF0 {
				off = isuFuzzOffs[int(i)%len(isuFuzzOffs)]
			} else {
				off = uint32(next()) | uint32(next())<<8 // anything in the block, aligned or not
			}
			addr := hw.IOISUBase + uint32(n)*hw.IOBlockSize + off
			var v uint32
			var err error
			if write {
				if i := next(); i < 0xF0 {
					v = isuFuzzValues[int(i)%len(isuFuzzValues)]
				} else {
					v = word()
				}
				err = board.IOWrite32(addr, v)
			} else {
				v, err = board.IORead32(addr)
			}
			if err != nil {
				require.Truef(t, errors.Is(err, hw.ErrInvalid), "%#x: %v does not wrap ErrInvalid", addr, err)
				log = append(log, fmt.Sprintf("io %#x: %v", addr, err))
			} else {
				log = append(log, fmt.Sprintf("io %v %#x %#x", write, addr, v))
			}
		case isuFzTime:
			unit := []int64{sim.Microsecond, 50 * sim.Microsecond, sim.Millisecond}[next()%3]
			at := s.Now() + int64(next())*unit
			s.Schedule(at, func() {})
			s.Run(at)
		case isuFzWorld:
			n, c := int(next()), next()
			switch n % 3 {
			case 0:
				board.UART[n/3%hw.ISUCount].Inject([]byte{c})
			case 1:
				board.Accel.SetAcceleration(float64(int8(c))/32, 0, 1)
			case 2:
				_ = board.GPIO.Drive(hw.ISUFirstPin(n/3%hw.ISUCount)+int(c%hw.ISUPins), c>>7)
			}
		case isuFzHL: // the high-level side's calls on the same models
			n := int(next() % hw.ISUCount)
			_, _ = board.I2C[n].Transfer(hw.AccelI2CAddress, []byte{next()}, int(next()%4))
		}

		for n := range hw.ISUCount {
			if st := peek(isuI2C(n, hw.ISUI2CRegStatus)); bits.OnesCount32(st&(hw.ISUI2CStatusBusBusy|hw.ISUI2CStatusStartReady)) != 1 {
				t.Fatalf("ISU%d I2C is neither busy nor ready, or both: %#x", n, st)
			}
			if fs := peek(isuI2C(n, hw.ISUI2CRegFIFOStatus)); fs&3 == 3 || fs&0x30 == 0x30 || fs&^0xFF != 0 {
				t.Fatalf("ISU%d I2C FIFO status %#x", n, fs)
			}
			if ptr := peek(isuI2C(n, hw.ISUI2CRegFIFOPtr)); ptr&0xFFFF8888 != 0 {
				t.Fatalf("ISU%d I2C FIFO pointers %#x: they count to 8", n, ptr)
			}
			if stcsr := peek(isuSPI(n, hw.ISUSPIRegSTCSR)); (stcsr&hw.ISUSPISTCSRBusy != 0) != (stcsr&hw.ISUSPISTCSRStart != 0) {
				t.Fatalf("ISU%d SPI STCSR %#x: START reads 1 exactly while busy", n, stcsr)
			}
			if tx := peek(isuUART(n, hw.ISUUARTRegTxOffset)); tx > hw.ISUUARTFIFODepth {
				t.Fatalf("ISU%d UART TX_OFFSET %d", n, tx)
			}
			if rx := peek(isuUART(n, hw.ISUUARTRegRxOffset)); rx > 63 {
				t.Fatalf("ISU%d UART RX_OFFSET %d", n, rx)
			}
		}
	}
	return log
}

// FuzzISURegisters drives the ISU blocks — pins, I2C, SPI and UART
// registers of ISU0–4 and the unmodelled ISU5 — with arbitrary sequences of
// reads, writes, outside input, high-level calls on the same bus models and
// the passing of virtual time: nothing panics, every error wraps
// ErrInvalid, the status bits stay consistent, and the same program always
// gives the same results and trace.
//
// The seed corpus is testdata/fuzz/FuzzISURegisters, written from
// isuFuzzSeeds (TestFuzzISURegistersSeedCorpus keeps the two in step).
func FuzzISURegisters(f *testing.F) {
	f.Fuzz(func(t *testing.T, prog []byte) {
		first := runISUProgram(t, prog)
		second := runISUProgram(t, prog)
		require.Equal(t, first, second, "determinism")
	})
}

// TestFuzzISURegistersSeedCorpus checks that each seed file holds its
// program from isuFuzzSeeds and that the program still does what its name says.
func TestFuzzISURegistersSeedCorpus(t *testing.T) {
	checkSeedCorpus(t, "FuzzISURegisters", isuFuzzSeeds(), isuFuzzSeedEvidence, runISUProgram)
}
