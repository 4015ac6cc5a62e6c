// Package appcoremsg defines the messages the high-level app core serves:
// the kernel's request to start an app. Wire format only.
package appcoremsg

import (
	"fmt"

	"github.com/sphere-emu/sphere-emu/mailbox"
)

// KindStartApp asks the app core to run an app (emulator-defined number).
const KindStartApp mailbox.Kind = 0x01

func init() {
	mailbox.RegisterKind(mailbox.Appcore, KindStartApp, "appcore.StartApp")
}

// StartApp describes the app to run: string component ID, string name,
// u32 argument count and strings, blob WASM module.
type StartApp struct {
	ComponentID string
	Name        string
	Args        []string
	Wasm        []byte
}

// MaxArgs bounds the argument count.
const MaxArgs = 256

// Marshal encodes s.
func (s *StartApp) Marshal() []byte {
	var e mailbox.Encoder
	e.String(s.ComponentID)
	e.String(s.Name)
	e.U32(uint32(len(s.Args)))
	for _, a := range s.Args {
		e.String(a)
	}
	e.Blob(s.Wasm)
	return e.Bytes()
}

// UnmarshalStartApp decodes a StartApp.
func UnmarshalStartApp(p []byte) (StartApp, error) {
	d := mailbox.NewDecoder(p)
	s := StartApp{ComponentID: d.String(), Name: d.String()}
	n := d.U32()
	if n > MaxArgs {
		return s, fmt.Errorf("StartApp: %d arguments exceed %d", n, MaxArgs)
	}
	for i := uint32(0); i < n && d.Err() == nil; i++ {
		s.Args = append(s.Args, d.String())
	}
	s.Wasm = d.Blob()
	if err := d.Finish(); err != nil {
		return s, fmt.Errorf("StartApp: %w", err)
	}
	return s, nil
}
