// Package kernelmsg defines the messages the kernel serves: the start message
// from the Security Monitor and the syscalls of the high-level app, whose
// results use Linux errno values. Wire format only.
package kernelmsg

import (
	"fmt"

	"github.com/sphere-emu/sphere-emu/mailbox"
)

// Message kinds served by the kernel (emulator-defined numbers).
const (
	KindStart mailbox.Kind = 0x01 // from the Security Monitor: boot the OS

	KindLog            mailbox.Kind = 0x10 // Log_Debug
	KindGPIOOpenInput  mailbox.Kind = 0x20 // GPIO_OpenAsInput
	KindGPIOOpenOutput mailbox.Kind = 0x21 // GPIO_OpenAsOutput
	KindGPIOGetValue   mailbox.Kind = 0x22 // GPIO_GetValue
	KindGPIOSetValue   mailbox.Kind = 0x23 // GPIO_SetValue

	KindAppExited mailbox.Kind = 0x30 // from the app core: the app ended
)

func init() {
	for k, n := range map[mailbox.Kind]string{
		KindStart: "kernel.Start", KindLog: "kernel.Log",
		KindGPIOOpenInput: "kernel.GPIO_OpenAsInput", KindGPIOOpenOutput: "kernel.GPIO_OpenAsOutput",
		KindGPIOGetValue: "kernel.GPIO_GetValue", KindGPIOSetValue: "kernel.GPIO_SetValue",
		KindAppExited: "kernel.AppExited",
	} {
		mailbox.RegisterKind(mailbox.Kernel, k, n)
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

// Args is the argument list of a syscall: a sequence of i32 values and at
// most one trailing blob, encoded as u8 count, i32 × count, blob.
type Args struct {
	Ints []int32
	Data []byte
}

// Marshal encodes a.
func (a *Args) Marshal() []byte {
	var e mailbox.Encoder
	e.U8(uint8(len(a.Ints)))
	for _, v := range a.Ints {
		e.I32(v)
	}
	e.Blob(a.Data)
	return e.Bytes()
}

// UnmarshalArgs decodes syscall arguments and checks their count is want.
func UnmarshalArgs(p []byte, want int) (Args, error) {
	d := mailbox.NewDecoder(p)
	n := int(d.U8())
	var a Args
	for i := 0; i < n && d.Err() == nil; i++ {
		a.Ints = append(a.Ints, d.I32())
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

// Result is a syscall's result: i32 value (≥ 0 success, −errno failure) and
// a blob of output data.
type Result struct {
	Value int32
	Data  []byte
}

// Marshal encodes r.
func (r *Result) Marshal() []byte {
	var e mailbox.Encoder
	e.I32(r.Value)
	e.Blob(r.Data)
	return e.Bytes()
}

// UnmarshalResult decodes a Result.
func UnmarshalResult(p []byte) (Result, error) {
	d := mailbox.NewDecoder(p)
	r := Result{Value: d.I32(), Data: d.Blob()}
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
