// Package kernelmsg defines the messages the kernel serves: the start message
// from the Security Monitor and the syscalls of the high-level app, whose
// results use Linux errno values. Wire format only.
package kernelmsg

import (
	"fmt"

	"github.com/sphere-emu/sphere-emu/mailbox"
)

// Message kinds served by the kernel (emulator-defined numbers): the start
// message from the Security Monitor, the app core's report that an app ended,
// and the syscalls, listed in syscalls.go.
const (
	KindStart     mailbox.Kind = 0x01 // from the Security Monitor: boot the OS
	KindAppExited mailbox.Kind = 0x30 // from the app core: the app ended
	KindRTStopped mailbox.Kind = 0x31 // from the Security Monitor: a real-time app ended
)

func init() {
	mailbox.RegisterKind(mailbox.Kernel, KindStart, "kernel.Start")
	mailbox.RegisterKind(mailbox.Kernel, KindAppExited, "kernel.AppExited")
	mailbox.RegisterKind(mailbox.Kernel, KindRTStopped, "kernel.RTStopped")
	for k, n := range syscallNames {
		mailbox.RegisterKind(mailbox.Kernel, k, "kernel."+n)
	}
}

// Start carries the verified OS payloads: blob kernel config, blob rootfs config.
type Start struct{ Kernel, RootFS []byte }

// Marshal encodes s.
func (s *Start) Marshal() []byte {
	var e mailbox.Encoder
	e.Blob(s.Kernel)
	e.Blob(s.RootFS)
	return e.Bytes()
}

// UnmarshalStart decodes a Start.
func UnmarshalStart(p []byte) (Start, error) {
	d := mailbox.NewDecoder(p)
	s := Start{Kernel: d.Blob(), RootFS: d.Blob()}
	return s, wrap("Start", d.Finish())
}

// Args is the argument list of a syscall: integer arguments (i32 and i64
// values alike travel as i64) and at most one blob, encoded as u8 count,
// i64 × count, blob.
type Args struct {
	Ints []int64
	Data []byte
}

// MaxArgs bounds the integer arguments of one syscall.
const MaxArgs = 16

// Marshal encodes a.
func (a *Args) Marshal() []byte {
	var e mailbox.Encoder
	e.U8(uint8(len(a.Ints)))
	for _, v := range a.Ints {
		e.U64(uint64(v))
	}
	e.Blob(a.Data)
	return e.Bytes()
}

// UnmarshalArgs decodes syscall arguments and checks their count is want.
func UnmarshalArgs(p []byte, want int) (Args, error) {
	d := mailbox.NewDecoder(p)
	n := int(d.U8())
	var a Args
	if n > MaxArgs {
		return a, fmt.Errorf("syscall arguments: %d integers exceed %d", n, MaxArgs)
	}
	for i := 0; i < n && d.Err() == nil; i++ {
		a.Ints = append(a.Ints, int64(d.U64()))
	}
	a.Data = d.Blob()
	if err := d.Finish(); err != nil {
		return a, wrap("syscall arguments", err)
	}
	if n != want {
		return a, fmt.Errorf("syscall arguments: %d integers, want %d", n, want)
	}
	return a, nil
}

// Result is a syscall's result: i64 value (≥ 0 success, −errno failure), a
// blob of output data, and a signal the app core must deliver to the app
// before returning (0 for none): i64, blob, i32.
type Result struct {
	Value  int64
	Data   []byte
	Signal int32
}

// Marshal encodes r.
func (r *Result) Marshal() []byte {
	var e mailbox.Encoder
	e.U64(uint64(r.Value))
	e.Blob(r.Data)
	e.I32(r.Signal)
	return e.Bytes()
}

// UnmarshalResult decodes a Result.
func UnmarshalResult(p []byte) (Result, error) {
	d := mailbox.NewDecoder(p)
	r := Result{Value: int64(d.U64()), Data: d.Blob(), Signal: d.I32()}
	return r, wrap("syscall result", d.Finish())
}

// AppExited reports how the app ended: i32 exit code, i32 signal (0 = normal
// exit), string detail (the trap message of a crash).
type AppExited struct {
	Code, Signal int32
	Detail       string
}

// Marshal encodes a.
func (a *AppExited) Marshal() []byte {
	var e mailbox.Encoder
	e.I32(a.Code)
	e.I32(a.Signal)
	e.String(a.Detail)
	return e.Bytes()
}

// UnmarshalAppExited decodes an AppExited.
func UnmarshalAppExited(p []byte) (AppExited, error) {
	d := mailbox.NewDecoder(p)
	a := AppExited{Code: d.I32(), Signal: d.I32(), Detail: d.String()}
	return a, wrap("AppExited", d.Finish())
}

func wrap(what string, err error) error {
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// RTStopped reports that a real-time app ended: string core, string
// component ID, string reason ("exit", "fault", "watchdog", "crash",
// "runaway", "load", "stop"), string detail.
type RTStopped struct {
	Core, ComponentID, Reason, Detail string
}

// Marshal encodes r.
func (r *RTStopped) Marshal() []byte {
	var e mailbox.Encoder
	e.String(r.Core)
	e.String(r.ComponentID)
	e.String(r.Reason)
	e.String(r.Detail)
	return e.Bytes()
}

// UnmarshalRTStopped decodes an RTStopped.
func UnmarshalRTStopped(p []byte) (RTStopped, error) {
	d := mailbox.NewDecoder(p)
	r := RTStopped{Core: d.String(), ComponentID: d.String(), Reason: d.String(), Detail: d.String()}
	return r, wrap("RTStopped", d.Finish())
}
