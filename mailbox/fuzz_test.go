package mailbox_test

import (
	"bytes"
	"testing"

	"github.com/sphere-emu/sphere-emu/appcore/appcoremsg"
	"github.com/sphere-emu/sphere-emu/device/devicemsg"
	"github.com/sphere-emu/sphere-emu/kernel/kernelmsg"
	"github.com/sphere-emu/sphere-emu/mailbox"
	"github.com/sphere-emu/sphere-emu/pluton/plutonmsg"
	"github.com/sphere-emu/sphere-emu/secmon/secmonmsg"
)

// FuzzUnmarshal: any bytes either decode to a message that re-encodes to the
// same bytes, or give an error; never a panic.
func FuzzUnmarshal(f *testing.F) {
	f.Add((&mailbox.Message{From: mailbox.Kernel, To: mailbox.Pluton, Kind: 0x42, Seq: 1, Payload: []byte("x")}).Marshal())
	f.Add((&mailbox.Message{From: mailbox.Appcore, To: mailbox.Kernel, Kind: 0x8010, Seq: 9}).Marshal())
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := mailbox.Unmarshal(b)
		if err != nil {
			return
		}
		if !bytes.Equal(m.Marshal(), b) {
			t.Fatalf("re-encoding differs: %x vs %x", m.Marshal(), b)
		}
	})
}

// FuzzPayloads feeds the same bytes to every payload decoder of every wire
// package: each must return an error or a value, never panic, and a decoded
// value must re-encode to the same bytes.
func FuzzPayloads(f *testing.F) {
	seeds := [][]byte{
		(&plutonmsg.VerifyImage{Purpose: plutonmsg.PurposeOS, ImageType: 7, Stage: "kernel", Image: []byte{1, 2, 3}}).Marshal(),
		(&plutonmsg.Verdict{OK: true, Stage: "app:x", SVN: 3}).Marshal(),
		plutonmsg.MarshalMeasurements([]plutonmsg.Measurement{{Type: 1}, {Type: 2}}),
		(&secmonmsg.Peripheral{Type: secmonmsg.PeripheralGPIO, Index: 8, Owner: mailbox.Appcore, ComponentID: "c"}).Marshal(),
		(&kernelmsg.Args{Ints: []int64{8, 0, 1}, Data: []byte("log")}).Marshal(),
		kernelmsg.MarshalPollSubs([]kernelmsg.PollSub{{Userdata: 1, Tag: 0, Deadline: 5}}),
		kernelmsg.MarshalSPITransfers([]kernelmsg.SPITransfer{{Flags: 2, Length: 2, Write: []byte{1, 2}}}),
		(&kernelmsg.Start{Kernel: []byte("{}"), RootFS: []byte("{}")}).Marshal(),
		(&appcoremsg.StartApp{ComponentID: "c", Name: "n", Args: []string{"a"}, Wasm: []byte{0, 'a', 's', 'm'}}).Marshal(),
		(&devicemsg.Halt{Stage: "kernel", Reason: "r"}).Marshal(),
		mailbox.EncodeError(1, "no"),
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		check := func(name string, enc []byte, err error) {
			if err == nil && !bytes.Equal(enc, b) {
				t.Fatalf("%s: decoded value re-encodes to %x, input %x", name, enc, b)
			}
		}
		if v, err := plutonmsg.UnmarshalVerifyImage(b); err == nil {
			check("VerifyImage", v.Marshal(), nil)
		}
		if v, err := plutonmsg.UnmarshalVerdict(b); err == nil {
			check("Verdict", v.Marshal(), nil)
		}
		if v, err := plutonmsg.UnmarshalSecurityState(b); err == nil {
			check("SecurityState", v.Marshal(), nil)
		}
		if v, err := plutonmsg.UnmarshalMeasurements(b); err == nil {
			check("Measurements", plutonmsg.MarshalMeasurements(v), nil)
		}
		if v, err := plutonmsg.UnmarshalAttestRequest(b); err == nil {
			check("AttestRequest", v.Marshal(), nil)
		}
		if v, err := plutonmsg.UnmarshalSignRequest(b); err == nil {
			check("SignRequest", v.Marshal(), nil)
		}
		if v, err := plutonmsg.UnmarshalCapabilities(b); err == nil {
			check("Capabilities", plutonmsg.MarshalCapabilities(v), nil)
		}
		if v, err := secmonmsg.UnmarshalTelemetryRead(b); err == nil {
			check("TelemetryRead", v.Marshal(), nil)
		}
		if v, err := secmonmsg.UnmarshalTelemetryRecords(b); err == nil {
			check("TelemetryRecords", secmonmsg.MarshalTelemetryRecords(v), nil)
		}
		if v, err := secmonmsg.UnmarshalTelemetryAppended(b); err == nil {
			check("TelemetryAppended", v.Marshal(), nil)
		}
		if v, err := secmonmsg.UnmarshalStage(b); err == nil {
			check("Stage", v.Marshal(), nil)
		}
		if v, err := secmonmsg.UnmarshalInstalled(b); err == nil {
			check("Installed", v.Marshal(), nil)
		}
		if v, err := kernelmsg.UnmarshalErrorRecord(b); err == nil {
			check("ErrorRecord", v.Marshal(), nil)
		}
		if v, err := secmonmsg.UnmarshalPeripheral(b); err == nil {
			check("Peripheral", v.Marshal(), nil)
		}
		if v, err := secmonmsg.UnmarshalBoot(b); err == nil {
			check("Boot", v.Marshal(), nil)
		}
		if v, err := kernelmsg.UnmarshalStart(b); err == nil {
			check("Start", v.Marshal(), nil)
		}
		for n := 0; n < 4; n++ {
			if v, err := kernelmsg.UnmarshalArgs(b, n); err == nil {
				check("Args", v.Marshal(), nil)
			}
		}
		if v, err := kernelmsg.UnmarshalResult(b); err == nil {
			check("Result", v.Marshal(), nil)
		}
		if v, err := kernelmsg.UnmarshalPollSubs(b); err == nil {
			check("PollSubs", kernelmsg.MarshalPollSubs(v), nil)
		}
		if v, err := kernelmsg.UnmarshalPollEvents(b); err == nil {
			check("PollEvents", kernelmsg.MarshalPollEvents(v), nil)
		}
		if v, err := kernelmsg.UnmarshalSPITransfers(b); err == nil {
			check("SPITransfers", kernelmsg.MarshalSPITransfers(v), nil)
		}
		if v, err := kernelmsg.UnmarshalAppExited(b); err == nil {
			check("AppExited", v.Marshal(), nil)
		}
		if v, err := appcoremsg.UnmarshalStartApp(b); err == nil {
			check("StartApp", v.Marshal(), nil)
		}
		if v, err := devicemsg.UnmarshalHalt(b); err == nil {
			check("Halt", v.Marshal(), nil)
		}
		if v, err := devicemsg.UnmarshalAppExit(b); err == nil {
			check("AppExit", v.Marshal(), nil)
		}
		_ = mailbox.DecodeError(mailbox.Pluton, b)
	})
}
