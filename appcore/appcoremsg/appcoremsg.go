// Package appcoremsg defines the messages the high-level app core serves:
// the kernel's request to start an app. Wire format only.
package appcoremsg

import (
	"bytes"
	"crypto/sha256"
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
	sum := sha256.Sum256(s.Wasm)
	e.Fixed(sum[:])
	return e.Bytes()
}

// UnmarshalStartApp decodes a StartApp. The module travels with its
// SHA-256, so code damaged in transit is refused rather than run.
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
	sum := d.Fixed(sha256.Size)
	if err := d.Finish(); err != nil {
		return s, fmt.Errorf("StartApp: %w", err)
	}
	if got := sha256.Sum256(s.Wasm); !bytes.Equal(got[:], sum) {
		return s, fmt.Errorf("StartApp: the module's SHA-256 does not match: code damaged in transit")
	}
	return s, nil
}
