package hw

import (
	"fmt"

	"github.com/sphere-emu/sphere-emu/trace"
)

// Register offsets of an M4 core's watchdog (base 0x21020000; MediaTek's
// hdl_wdt.c). Offsets below 0x30 answer nothing.
const (
	WDTRegMode     = 0x30
	WDTRegLength   = 0x34
	WDTRegRestart  = 0x38
	WDTRegSta      = 0x3C
	WDTRegInterval = 0x40
	WDTRegSwRst    = 0x44
)

// Watchdog register fields and keys (hdl_wdt.c, hdl_wdt.h).
const (
	WDTModeKey     = 0x2200 // WDT_MODE writes need 0x22 in bits 15:8
	WDTModeKeyMask = 0xFF00
	WDTModeEnable  = 1 << 0
	WDTModeIRQ     = 1 << 3 // stored; interrupt mode is not modelled (an expiry always resets the core)
	WDTModeIRQOth  = 1 << 4 // stored
	wdtModeMask    = WDTModeEnable | WDTModeIRQ | WDTModeIRQOth

	WDTLengthKey     = 0x08 // WDT_LENGTH writes need 0x08 in bits 4:0
	WDTLengthKeyMask = 0x1F
	WDTLengthShift   = 5
	WDTLengthMax     = 0x7FF // bits 15:5

	WDTRestartKey = 0x1971
	WDTSwRstKey   = 0x1209

	WDTStaHW = 1 << 15 // WDT_STA: the last reset of the core was a watchdog timeout
	WDTStaSW = 1 << 14 // WDT_STA: the last reset of the core was WDT_SWRST

	// WDTTickNs is one WDT_LENGTH unit: 1024 periods of the 32.768 kHz
	// clock, 1/32 s. The timeout is (LENGTH+1) units.
	WDTTickNs = 31_250_000
	// WDTDefaultLength is WDT_LENGTH's reset value (64 s): emulator-defined.
	WDTDefaultLength = WDTLengthMax
)

// Watchdog is the watchdog timer of one real-time core. While enabled
// (WDT_MODE bit 0), it resets the core unless it is kicked — WDT_RESTART
// written with 0x1971 — within (LENGTH+1)/32 s of being enabled, kicked or
// given a new length. WDT_MODE and WDT_LENGTH writes take effect only with
// their keys (0x22 in bits 15:8, 0x08 in bits 4:0); WDT_SWRST written with
// 0x1209 resets the core at once. Writes with a wrong key are ignored and
// traced (wdt.badkey).
//
// A reset, by timeout or WDT_SWRST, records its cause in WDT_STA (bit 15
// timeout, bit 14 software), returns every other register to its reset
// value — so the watchdog is disabled again, as after any reset of the
// part — and calls the OnExpire functions, which reset the core.
type Watchdog struct {
	core     int
	tr       *trace.Tracer
	now      func() int64
	schedule func(at int64, f func())

	mode, length, interval, sta uint32
	gen                         uint64 // invalidates scheduled expiries
	deadline                    int64
	hooks                       []func()
}

// NewWatchdog returns core's watchdog, disabled, with a 64 s length. now
// and schedule are as for NewGPT; schedule must be set for the watchdog to
// expire.
func NewWatchdog(core int, tr *trace.Tracer, now func() int64, schedule func(at int64, f func())) *Watchdog {
	if now == nil {
		now = func() int64 { return 0 }
	}
	w := &Watchdog{core: core, tr: tr, now: now, schedule: schedule}
	w.Reset()
	return w
}

// OnExpire adds f to the functions called, synchronously and in the order
// added, when the watchdog resets the core (a timeout or WDT_SWRST). By
// then the watchdog's own registers are already back to their reset values.
func (w *Watchdog) OnExpire(f func()) {
	if f != nil {
		w.hooks = append(w.hooks, f)
	}
}

// Reset is a reset of the core: every register but WDT_STA returns to its
// reset value, and a pending expiry is cancelled.
func (w *Watchdog) Reset() {
	w.mode, w.length, w.interval = 0, WDTDefaultLength, 0
	w.gen++
	w.deadline = 0
}

// Enabled reports whether the watchdog is counting.
func (w *Watchdog) Enabled() bool { return w.mode&WDTModeEnable != 0 }

// Deadline returns the virtual time at which the watchdog will reset the
// core unless kicked; ok is false while it is disabled.
func (w *Watchdog) Deadline() (at int64, ok bool) { return w.deadline, w.Enabled() }

// Timeout returns the current timeout in virtual nanoseconds.
func (w *Watchdog) Timeout() int64 { return int64(w.length+1) * WDTTickNs }

func (w *Watchdog) arm() {
	w.gen++
	if !w.Enabled() {
		w.deadline = 0
		return
	}
	w.deadline = w.now() + w.Timeout()
	if w.schedule == nil {
		return
	}
	gen := w.gen
	w.schedule(w.deadline, func() {
		if w.gen == gen && w.Enabled() {
			w.reset(WDTStaHW, "wdt.expire")
		}
	})
}

func (w *Watchdog) reset(cause uint32, ev string) {
	w.sta = cause
	w.Reset()
	w.tr.Emit(trace.HW, ev, trace.Int("core", int64(w.core)))
	for _, f := range w.hooks {
		f()
	}
}

func (w *Watchdog) badKey(reg string, v uint32) {
	w.tr.Emit(trace.HW, "wdt.badkey", trace.Int("core", int64(w.core)), trace.Str("reg", reg), trace.Str("value", hex32(v)))
}

func (w *Watchdog) badOffset(verb string, off uint32) error {
	return fmt.Errorf("watchdog IO%d: %s of offset %#x: no such register: %w", w.core, verb, off, ErrInvalid)
}

// Read32 reads the register at off (relative to 0x21020000): WDT_MODE
// reads its mode bits without the key, WDT_LENGTH the length in bits 15:5,
// WDT_RESTART and WDT_SWRST 0. Unknown or unaligned offsets wrap ErrInvalid.
func (w *Watchdog) Read32(off uint32) (uint32, error) {
	switch off {
	case WDTRegMode:
		return w.mode, nil
	case WDTRegLength:
		return w.length << WDTLengthShift, nil
	case WDTRegRestart, WDTRegSwRst:
		return 0, nil
	case WDTRegSta:
		return w.sta, nil
	case WDTRegInterval:
		return w.interval, nil
	}
	return 0, w.badOffset("read", off)
}

// Write32 writes v to the register at off. Unknown or unaligned offsets wrap
// ErrInvalid.
func (w *Watchdog) Write32(off, v uint32) error {
	switch off {
	case WDTRegMode:
		if v&WDTModeKeyMask != WDTModeKey {
			w.badKey("MODE", v)
			return nil
		}
		was := w.Enabled()
		w.mode = v & wdtModeMask
		if w.Enabled() != was {
			w.tr.Emit(trace.HW, "wdt.mode", trace.Int("core", int64(w.core)), trace.Bool("enabled", w.Enabled()),
				trace.Int("timeout_ns", w.Timeout()))
			w.arm()
		}
	case WDTRegLength:
		if v&WDTLengthKeyMask != WDTLengthKey {
			w.badKey("LENGTH", v)
			return nil
		}
		w.length = v >> WDTLengthShift & WDTLengthMax
		if w.Enabled() {
			w.arm()
		}
	case WDTRegRestart:
		if v != WDTRestartKey {
			w.badKey("RESTART", v)
			return nil
		}
		w.tr.Emit(trace.HW, "wdt.kick", trace.Int("core", int64(w.core)))
		w.arm()
	case WDTRegSwRst:
		if v != WDTSwRstKey {
			w.badKey("SWRST", v)
			return nil
		}
		w.reset(WDTStaSW, "wdt.swrst")
	case WDTRegSta:
	case WDTRegInterval:
		w.interval = v & 0xFFF
	default:
		return w.badOffset("write", off)
	}
	return nil
}
