package hw_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sphere-emu/sphere-emu/hw"
	"github.com/sphere-emu/sphere-emu/sim"
	"github.com/sphere-emu/sphere-emu/trace"
)

// Register tables the fuzz programs index into.
var (
	fuzzMboxOffs = []uint32{
		hw.MboxRegVER, hw.MboxRegGenCtrl, hw.MboxRegSWIntPort, hw.MboxRegSWIntEn, hw.MboxRegSWIntSts,
		hw.MboxRegNFThrs, hw.MboxRegNEThrs, hw.MboxRegIntEn, hw.MboxRegIntSts, hw.MboxRegCmdPost,
		hw.MboxRegDataPost, hw.MboxRegPostCnt, hw.MboxRegCmdAcpt, hw.MboxRegDataAcpt, hw.MboxRegAcptCnt, hw.MboxRegSem,
	}
	fuzzGPTOffs = []uint32{
		hw.GPTRegISR, hw.GPTRegIER, hw.GPTRegGPT0Ctrl, hw.GPTRegGPT0ICnt, hw.GPTRegGPT1Ctrl, hw.GPTRegGPT1ICnt,
		hw.GPTRegGPT2Ctrl, hw.GPTRegGPT2Cnt, hw.GPTRegGPT0Cnt, hw.GPTRegGPT1Cnt, hw.GPTRegGPT3Ctrl,
		hw.GPTRegGPT3Init, hw.GPTRegGPT3Cnt, hw.GPTRegGPT3Exp,
	}
	fuzzWDTOffs = []uint32{
		hw.WDTRegMode, hw.WDTRegLength, hw.WDTRegRestart, hw.WDTRegSta, hw.WDTRegInterval, hw.WDTRegSwRst,
	}
	fuzzUARTOffs = []uint32{
		hw.M4UARTRegTHR, hw.M4UARTRegIER, hw.M4UARTRegIIR, hw.M4UARTRegLCR, hw.M4UARTRegMCR, hw.M4UARTRegLSR,
		hw.M4UARTRegMSR, hw.M4UARTRegSCR, hw.M4UARTRegHighSpeed, hw.M4UARTRegSampleCount,
		hw.M4UARTRegSamplePoint, hw.M4UARTRegFracDivL, hw.M4UARTRegFracDivM,
	}
	fuzzIOAddrs = func() []uint32 {
		var a []uint32
		gpio := []uint32{hw.GPIORegGlobalCtrl, hw.GPIORegDIN, hw.GPIORegDOUT, hw.GPIORegDOUTSet, hw.GPIORegDOUTReset,
			hw.GPIORegOE, hw.GPIORegOESet, hw.GPIORegOEReset, hw.GPIORegPU, hw.GPIORegPD + 4, hw.GPIORegIES + 8,
			hw.GPIORegPADDRV, hw.GPIORegTDSEL, hw.GPIORegEA}
		for _, blk := range []uint32{0x38000000, 0x38010000, 0x38030000, 0x38040000, 0x38060000} {
			for _, off := range gpio {
				a = append(a, blk+off)
			}
		}
		for _, pwm := range []uint32{0x38011000, 0x38031000} {
			a = append(a, pwm+hw.PWMRegGlobalCtrl)
			for ch := range uint32(hw.PWMChannels) {
				a = append(a, pwm+hw.PWMRegCtrl+ch*hw.PWMChannelStride, pwm+hw.PWMRegParamS0+ch*hw.PWMChannelStride,
					pwm+hw.PWMRegParamS1+ch*hw.PWMChannelStride)
			}
		}
		for _, off := range []uint32{hw.ADCRegCtl0, hw.ADCRegCtl3, hw.ADCRegFIFORBR, hw.ADCRegFIFOLSR, hw.ADCRegFIFOIIR,
			hw.ADCRegFIFOIER, hw.ADCRegDebug16, hw.ADCRegTriLvl} {
			a = append(a, 0x38000000+off)
		}
		return append(a, 0x38070000, 0x380C0500, 0x380D0000, 0x38010100, 0x38011004)
	}()
	// fuzzValues are values worth writing: keys, enables, channel maps.
	fuzzValues = []uint32{
		0, 1, 2, 3, 4, 8, 9, 0xB, 0xF, 0xFF, 0xFFFFFFFF, 0x80,
		hw.WDTModeKey | hw.WDTModeEnable, hw.WDTModeKey, hw.WDTRestartKey, hw.WDTSwRstKey,
		hw.WDTLengthKey, 3<<hw.WDTLengthShift | hw.WDTLengthKey,
		hw.GPTCtrlEnable | hw.GPTCtrlRepeat, hw.GPTCtrlEnable | hw.GPTCtrlRepeat | hw.GPTCtrlFast, hw.GPTCtrlEnable | hw.GPTCtrlRestart,
		hw.GPT3CtrlDefault | 1, 1<<16 | 1, 1<<19 | 1<<21 | 1, 1<<16 | hw.ADCCtl0PModeEn | 1,
		hw.PWMCtrlClockEn | hw.PWMCtrlKick, hw.PWMCtrlClockEn | hw.PWMCtrlGlobalKick, 1<<hw.PWMGloClockShift | 1,
		100<<16 | 100, 'h', 'i', '\n', 0xBA5E0001, 0xBA5E0003,
	}
)

// Fuzz program opcodes (the low 3 bits of an op byte; bit 3 selects write).
const (
	fzMbox = iota
	fzGPT
	fzWDT
	fzUART
	fzIO
	fzA7
	fzTime
	fzWorld
)

// fuzzSeedEvidence is what each seed program must show in its log, so the
// seed corpus keeps exercising what its name says.
var fuzzSeedEvidence = map[string][]string{
	"intercore_setup":           {`"cmd":"0xba5e0003"`, "mbox false 0x50 0xba5e0002", "accept 0xba5e0001 0xff true", "a7 pending 0x1"},
	"fill_both_fifos":           {"mbox.overflow", `"ev":"mbox.reset"`, "accept 0x0 0x0 false"},
	"gpt_one_shot_and_periodic": {"3000000 gpt irq", "30518 gpt irq", "gpt false 0x58 0x"},
	"watchdog_kick_then_expire": {`"ev":"wdt.kick"`, "wdt.badkey", "225000000 core reset", "wdt false 0x3c 0x8000", "wdt.swrst"},
	"uart_hello_and_gpio":       {`"line":"hi"`, "uart irq", `"led":"LED1 red","lit":true`, "io false 0x38040004 0xe"},
	"pwm_and_adc":               {`"ev":"pwm.set"`, "io false 0x38000200 0xccc3", "ADC periodic mode is not modelled", "ISU5 is not modelled"},
}

// fuzzOp encodes one register access for a seed program: kind, write, a
// table index for the offset, and a value (as a fuzzValues index when it
// has one).
func fuzzOp(kind int, write bool, table []uint32, off, v uint32) []byte {
	op := byte(kind)
	if write {
		op |= 8
	}
	out := []byte{op}
	if i := slices.Index(table, off); i >= 0 {
		out = append(out, byte(i))
	} else {
		out = append(out, 0xFF, byte(off), byte(off>>8))
	}
	if !write {
		return out
	}
	if i := slices.Index(fuzzValues, v); i >= 0 {
		return append(out, byte(i))
	}
	return append(out, 0xFF, byte(v), byte(v>>8), byte(v>>16), byte(v>>24))
}

func fuzzSeeds() map[string][]byte {
	cat := func(ops ...[]byte) []byte { return slices.Concat(ops...) }
	mb := func(w bool, off, v uint32) []byte { return fuzzOp(fzMbox, w, fuzzMboxOffs, off, v) }
	gpt := func(w bool, off, v uint32) []byte { return fuzzOp(fzGPT, w, fuzzGPTOffs, off, v) }
	wdt := func(w bool, off, v uint32) []byte { return fuzzOp(fzWDT, w, fuzzWDTOffs, off, v) }
	uart := func(off, v uint32) []byte { return fuzzOp(fzUART, true, fuzzUARTOffs, off, v) }
	io := func(w bool, addr, v uint32) []byte { return fuzzOp(fzIO, w, fuzzIOAddrs, addr, v) }
	a7 := func(sub byte, args ...byte) []byte { return append([]byte{fzA7, sub}, args...) }
	wait := func(unit, n byte) []byte { return []byte{fzTime, unit, n} }
	return map[string][]byte{
		"intercore_setup": cat(
			mb(true, hw.MboxRegSWIntEn, 2), mb(true, hw.MboxRegIntEn, 0xF),
			a7(0, 0x01, 0x00, 0x5E, 0xBA, 0x45, 0, 0, 0x20), a7(0, 0x02, 0x00, 0x5E, 0xBA, 0x45, 4, 0, 0x20),
			a7(0, 0x03, 0x00, 0x5E, 0xBA, 0, 0, 0, 0), a7(2, 2),
			mb(false, hw.MboxRegAcptCnt, 0), mb(false, hw.MboxRegDataAcpt, 0), mb(false, hw.MboxRegCmdAcpt, 0),
			mb(false, hw.MboxRegDataAcpt, 0), mb(false, hw.MboxRegCmdAcpt, 0), mb(true, hw.MboxRegSWIntSts, 2),
			mb(true, hw.MboxRegDataPost, 0xFF), mb(true, hw.MboxRegCmdPost, 0xBA5E0001), mb(true, hw.MboxRegSWIntPort, 1),
			a7(1), a7(3, 3)),
		"fill_both_fifos": cat(
			slices.Repeat(a7(0, 1, 2, 3, 4, 5, 6, 7, 8), 17),
			slices.Repeat(mb(true, hw.MboxRegCmdPost, 9), 17),
			mb(true, hw.MboxRegGenCtrl, 2), a7(1)),
		"gpt_one_shot_and_periodic": cat(
			gpt(true, hw.GPTRegIER, 3), gpt(true, hw.GPTRegGPT0ICnt, 3), gpt(true, hw.GPTRegGPT0Ctrl, 9),
			gpt(true, hw.GPTRegGPT1ICnt, 1), gpt(true, hw.GPTRegGPT1Ctrl, hw.GPTCtrlEnable|hw.GPTCtrlRepeat|hw.GPTCtrlFast),
			gpt(true, hw.GPTRegGPT3Ctrl, hw.GPT3CtrlDefault|1), wait(2, 5), gpt(false, hw.GPTRegISR, 0),
			gpt(true, hw.GPTRegISR, 3), gpt(false, hw.GPTRegGPT3Cnt, 0), gpt(true, hw.GPTRegGPT2Ctrl, 3), wait(1, 40),
			gpt(false, hw.GPTRegGPT2Cnt, 0), gpt(false, hw.GPTRegGPT1Cnt, 0)),
		"watchdog_kick_then_expire": cat(
			wdt(true, hw.WDTRegLength, 3<<hw.WDTLengthShift|hw.WDTLengthKey), wdt(true, hw.WDTRegMode, hw.WDTModeKey|hw.WDTModeEnable),
			wait(2, 100), wdt(true, hw.WDTRegRestart, hw.WDTRestartKey), wdt(true, hw.WDTRegRestart, 1),
			wait(2, 200), wdt(false, hw.WDTRegSta, 0), wdt(true, hw.WDTRegSwRst, hw.WDTSwRstKey)),
		"uart_hello_and_gpio": cat(
			uart(hw.M4UARTRegLCR, 0x80), uart(hw.M4UARTRegTHR, 1), uart(hw.M4UARTRegLCR, 3),
			uart(hw.M4UARTRegTHR, 'h'), uart(hw.M4UARTRegTHR, 'i'), uart(hw.M4UARTRegTHR, '\n'),
			uart(hw.M4UARTRegIER, 2),
			io(true, 0x38030000+hw.GPIORegDOUTSet, 0xF), io(true, 0x38030000+hw.GPIORegOESet, 1),
			io(true, 0x38030000+hw.GPIORegDOUTReset, 1), io(false, 0x38040000+hw.GPIORegDIN, 0),
			[]byte{fzWorld, 12, 0}, io(false, 0x38040000+hw.GPIORegDIN, 0)),
		"pwm_and_adc": cat(
			io(true, 0x38031000+hw.PWMRegGlobalCtrl, 1<<hw.PWMGloClockShift|1),
			io(true, 0x38031000+hw.PWMRegParamS0, 100<<16|100),
			io(true, 0x38031000+hw.PWMRegCtrl, hw.PWMCtrlClockEn|hw.PWMCtrlKick),
			[]byte{fzWorld, 3, 200},
			io(true, 0x38000000+hw.ADCRegCtl0, 1<<19|1<<21|1), io(false, 0x38000000+hw.ADCRegDebug16, 0),
			io(false, 0x38000000+hw.ADCRegFIFORBR, 0), io(false, 0x38000000+hw.ADCRegFIFORBR, 0),
			io(true, 0x38000000+hw.ADCRegCtl0, 0), io(true, 0x38000000+hw.ADCRegCtl0, 1<<16|hw.ADCCtl0PModeEn|1),
			io(false, 0x380C0500, 0)),
	}
}

// runRegisterProgram runs prog against a fresh set of blocks and returns
// everything observable: read values, errors, interrupt hooks and the
// trace, in order. It fails t if an invariant breaks.
func runRegisterProgram(t *testing.T, prog []byte) []string {
	var log []string
	s := sim.New(1)
	tr := trace.New(s.Now, trace.SinkFunc(func(e *trace.Event) {
		log = append(log, string(trace.AppendJSON(nil, e)))
	}))
	board := hw.NewBoard(tr, s.Now, s.Schedule)
	mb := hw.NewMailboxChannel(0, tr)
	gpt := hw.NewGPT(0, tr, s.Now, s.Schedule)
	wdt := hw.NewWatchdog(0, tr, s.Now, s.Schedule)
	uart := hw.NewM4UART(0, tr)
	note := func(what string) func() { return func() { log = append(log, fmt.Sprintf("%d %s", s.Now(), what)) } }
	mb.OnM4IRQ(note("m4 irq"))
	mb.OnA7IRQ(note("a7 irq"))
	gpt.OnIRQ(note("gpt irq"))
	uart.OnIRQ(note("uart irq"))
	wdt.OnExpire(func() {
		note("core reset")()
		gpt.Reset()
		uart.Reset()
		mb.Reset()
	})

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
	pick := func(table []uint32) uint32 {
		if i := next(); i < 0xF0 {
			return table[int(i)%len(table)]
		}
		return uint32(next()) | uint32(next())<<8 // anything, aligned or not
	}
	value := func() uint32 {
		if i := next(); i < 0xF0 {
			return fuzzValues[int(i)%len(fuzzValues)]
		}
		return word()
	}
	access := func(name string, write bool, addr uint32, rd func(uint32) (uint32, error), wr func(uint32, uint32) error) {
		var v uint32
		var err error
		if write {
			v = value()
			err = wr(addr, v)
		} else {
			v, err = rd(addr)
		}
		if err != nil {
			require.Truef(t, errors.Is(err, hw.ErrInvalid), "%s %#x: %v does not wrap ErrInvalid", name, addr, err)
			log = append(log, fmt.Sprintf("%s %#x: %v", name, addr, err))
			return
		}
		log = append(log, fmt.Sprintf("%s %v %#x %#x", name, write, addr, v))
	}

	for len(prog) > 0 {
		op := next()
		write := op&8 != 0
		switch op % 8 {
		case fzMbox:
			access("mbox", write, pick(fuzzMboxOffs), mb.Read32, mb.Write32)
		case fzGPT:
			access("gpt", write, pick(fuzzGPTOffs), gpt.Read32, gpt.Write32)
		case fzWDT:
			access("wdt", write, pick(fuzzWDTOffs), wdt.Read32, wdt.Write32)
		case fzUART:
			access("uart", write, pick(fuzzUARTOffs), uart.Read32, uart.Write32)
		case fzIO:
			addr := pick(fuzzIOAddrs)
			if addr < 0x10000 {
				addr += 0x38000000
			}
			access("io", write, addr, board.IORead32, board.IOWrite32)
		case fzA7:
			switch next() % 6 {
			case 0:
				cmd, data := word(), word()
				toM4, _ := mb.Counts()
				err := mb.A7Post(cmd, data)
				if err != nil {
					require.ErrorIs(t, err, hw.ErrWouldBlock)
					require.Equal(t, hw.MailboxFIFODepth, toM4, "only a full FIFO refuses")
				}
			case 1:
				cmd, data, ok := mb.A7Accept()
				log = append(log, fmt.Sprintf("accept %#x %#x %v", cmd, data, ok))
			case 2:
				mb.A7RaiseSoftIRQ(uint32(next()))
			case 3:
				log = append(log, fmt.Sprintf("a7 pending %#x", mb.A7PendingSoftIRQ()))
				mb.A7ClearSoftIRQ(uint32(next()))
			case 4:
				log = append(log, fmt.Sprintf("a7 sem %v", mb.A7SemTake()))
			case 5:
				mb.A7SemRelease()
			}
		case fzTime:
			unit := []int64{sim.Microsecond, 50 * sim.Microsecond, sim.Millisecond}[next()%3]
			at := s.Now() + int64(next())*unit
			s.Schedule(at, func() {})
			s.Run(at)
		case fzWorld:
			pin, v := int(next()), next()
			if pin%2 == 0 {
				_ = board.GPIO.Drive(pin%hw.GPIOCount, v&1)
			} else {
				_ = board.ADC.SetVoltage(pin%hw.ADCChannels, float64(v)/100)
			}
		}

		toM4, toA7 := mb.Counts()
		require.True(t, toM4 >= 0 && toM4 <= hw.MailboxFIFODepth && toA7 >= 0 && toA7 <= hw.MailboxFIFODepth, "counts %d %d", toM4, toA7)
		post, _ := mb.Read32(hw.MboxRegPostCnt)
		acpt, _ := mb.Read32(hw.MboxRegAcptCnt)
		require.Equal(t, [2]uint32{uint32(toA7), uint32(toM4)}, [2]uint32{post, acpt})
		isr, _ := gpt.Read32(hw.GPTRegISR)
		require.Zero(t, isr&^3, "GPT_ISR has two bits")
		require.Equal(t, isr&func() uint32 { v, _ := gpt.Read32(hw.GPTRegIER); return v }() != 0, gpt.IRQ())
	}
	uart.Flush()
	return log
}

// FuzzRegisters drives every register block of a real-time core, and the
// shared peripheral space, with arbitrary sequences of reads, writes, A7
// mailbox operations and the passing of virtual time: nothing panics, every
// error wraps ErrInvalid, the mailbox FIFOs stay within 0..15 entries, and
// the same program always gives the same results and trace.
//
// The seed corpus is testdata/fuzz/FuzzRegisters, written from fuzzSeeds
// (TestFuzzRegistersSeedCorpus keeps the two in step).
func FuzzRegisters(f *testing.F) {
	f.Fuzz(func(t *testing.T, prog []byte) {
		first := runRegisterProgram(t, prog)
		second := runRegisterProgram(t, prog)
		require.Equal(t, first, second, "determinism")
	})
}

// TestFuzzRegistersSeedCorpus checks that each seed file holds its program
// from fuzzSeeds and that the program still does what its name says.
func TestFuzzRegistersSeedCorpus(t *testing.T) {
	checkSeedCorpus(t, "FuzzRegisters", fuzzSeeds(), fuzzSeedEvidence, runRegisterProgram)
}

// checkSeedCorpus checks that testdata/fuzz/<fuzzer> holds one file per seed
// program, and that each program's log still contains its evidence: the
// strings that show it does what its name says. SPHERE_EMU_WRITE_SEEDS=1
// rewrites the files from the programs.
func checkSeedCorpus(t *testing.T, fuzzer string, seeds map[string][]byte, evidence map[string][]string, run func(*testing.T, []byte) []string) {
	t.Helper()
	require.Len(t, evidence, len(seeds))
	dir := filepath.Join("testdata", "fuzz", fuzzer)
	for name, prog := range seeds {
		want := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", prog)
		if os.Getenv("SPHERE_EMU_WRITE_SEEDS") != "" {
			require.NoError(t, os.MkdirAll(dir, 0o755))
			require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(want), 0o644))
		}
		raw, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err, "seed file for %s", name)
		require.Equal(t, want, string(raw), "%s/%s is stale: run with SPHERE_EMU_WRITE_SEEDS=1", dir, name)
		log := strings.Join(run(t, prog), "\n")
		for _, ev := range evidence[name] {
			require.Contains(t, log, ev, "seed %s", name)
		}
	}
}
