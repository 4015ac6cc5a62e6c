package device_test

import (
	"encoding/binary"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sphere-emu/sphere-emu/sim"
)

// leb appends v as signed LEB128 (i32.const immediates).
func leb(b []byte, v int32) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0) {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

func section(id byte, body []byte) []byte {
	b := []byte{id}
	b = binary.AppendUvarint(b, uint64(len(body)))
	return append(b, body...)
}

// accessModule is a real-time app, built byte by byte, whose rt_main makes
// one register access: mmio_read32(addr) or mmio_write32(addr, value).
func accessModule(addr, value uint32, write bool) []byte {
	m := []byte{0, 'a', 's', 'm', 1, 0, 0, 0}
	// types: 0 = (i32) -> i32, 1 = (i32, i32) -> (), 2 = () -> (), 3 = (i32) -> ()
	m = append(m, section(1, []byte{4,
		0x60, 1, 0x7f, 1, 0x7f,
		0x60, 2, 0x7f, 0x7f, 0,
		0x60, 0, 0,
		0x60, 1, 0x7f, 0})...)
	imp := []byte{2}
	for _, im := range []struct {
		name string
		typ  byte
	}{{"mmio_read32", 0}, {"mmio_write32", 1}} {
		imp = append(imp, 6)
		imp = append(imp, "mt3620"...)
		imp = append(imp, byte(len(im.name)))
		imp = append(imp, im.name...)
		imp = append(imp, 0, im.typ)
	}
	m = append(m, section(2, imp)...)
	m = append(m, section(3, []byte{2, 2, 3})...) // rt_main: type 2, rt_irq: type 3
	m = append(m, section(5, []byte{1, 0, 1})...) // one memory, min 1 page
	exp := []byte{3, 7}
	exp = append(exp, "rt_main"...)
	exp = append(exp, 0, 2, 6)
	exp = append(exp, "rt_irq"...)
	exp = append(exp, 0, 3, 6)
	exp = append(exp, "memory"...)
	exp = append(exp, 2, 0)
	m = append(m, section(7, exp)...)
	var body []byte
	body = append(body, 0x41)
	body = leb(body, int32(addr))
	if write {
		body = append(body, 0x41)
		body = leb(body, int32(value))
		body = append(body, 0x10, 1) // call mmio_write32
	} else {
		body = append(body, 0x10, 0, 0x1a) // call mmio_read32; drop
	}
	body = append(body, 0x0b)
	f1 := append([]byte{0}, body...)
	f1 = append(binary.AppendUvarint(nil, uint64(len(f1))), f1...)
	f2 := []byte{2, 0, 0x0b}
	code := append([]byte{2}, f1...)
	code = append(code, f2...)
	return append(m, section(10, code)...)
}

// FuzzRTAccess loads a real-time app that makes one register access at an
// arbitrary address: it either works or is a bus fault of that app alone;
// nothing panics and the high-level app runs on.
func FuzzRTAccess(f *testing.F) {
	f.Add(uint32(0x21040000), uint32('A'), true)    // debug UART: allowed
	f.Add(uint32(0x38070000), uint32(0), false)     // ISU0: not granted
	f.Add(uint32(0x00140000), uint32(0), false)     // beyond the TCM
	f.Add(uint32(0x21050040), uint32(0xBA5E), true) // mailbox CMD_POST
	f.Add(uint32(0xE000E100), uint32(0xffffffff), true)
	f.Add(uint32(0x80381000), uint32(1), true)  // intercore buffers are memory, not registers
	f.Add(uint32(0x21020031), uint32(0), false) // unaligned
	f.Fuzz(func(t *testing.T, addr, value uint32, write bool) {
		dir := t.TempDir()
		wasmDir := dir + "/rt-probe"
		require.NoError(t, os.MkdirAll(wasmDir, 0o755))
		img := buildAppsFrom(t, map[string][]byte{"rt-probe": accessModule(addr, value, write)},
			appSpec{blinkCID, blinkManifest, "blink"},
			appSpec{"6b1a2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", `{"SchemaVersion":1,"Name":"probe","ComponentId":"6b1a2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d","EntryPoint":"/bin/app","Capabilities":{},"ApplicationType":"RealTimeCapable"}`, "rt-probe"})
		res, rec := boot(t, img, 1500*sim.Millisecond)
		require.Empty(t, res.Panic)
		stops := rec.Named("rt.stop")
		require.Len(t, stops, 1, "the probe ran once and ended")
		reason := stops[0].Str("reason")
		require.Contains(t, []string{"exit", "fault"}, reason)
		if reason == "fault" {
			_, ok := rec.First("rt.fault")
			require.True(t, ok)
		}
		require.GreaterOrEqual(t, len(rec.Named("gpio.set")), 2, "the high-level app keeps blinking")
	})
}
