package device_test

import (
	"runtime"
	"testing"

	"github.com/tetratelabs/wazero"

	sphereemu "github.com/sphere-emu/sphere-emu"
	"github.com/sphere-emu/sphere-emu/device"
	"github.com/sphere-emu/sphere-emu/sim"
)

// bootToFirstInstruction powers a blink device on and runs it until the app's
// first instruction, then powers it off.
func bootToFirstInstruction(b *testing.B, c wazero.CompilationCache) {
	var d *device.Device
	d, err := device.New(device.Config{
		Image: sphereemu.SampleImage, Seed: 1, DeviceSeed: 1, Cache: c,
		OnFirstInstruction: func() { d.Sim().Stop("first instruction") },
	})
	if err != nil {
		b.Fatal(err)
	}
	res := d.Run(10 * sim.Second)
	if !res.AppStarted || res.Stop != "first instruction" {
		b.Fatalf("app did not start: %+v", res)
	}
	_ = d.Close()
}

// BenchmarkBootToFirstInstruction measures, in host time, a boot of blink.bin
// from power-on to the app's first instruction: the whole chain of trust
// (eight ECDSA P-256 verifies) plus compiling or loading the WASM module.
func BenchmarkBootToFirstInstruction(b *testing.B) {
	b.Run("cold", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			bootToFirstInstruction(b, wazero.NewCompilationCache()) // empty cache: full compile
		}
	})
	b.Run("warm", func(b *testing.B) {
		c := wazero.NewCompilationCache()
		bootToFirstInstruction(b, c)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			bootToFirstInstruction(b, c)
		}
	})
}

// BenchmarkIdleBlinkHeap reports the Go heap a booted, idle blink device
// holds (the device is kept alive while measuring).
func BenchmarkIdleBlinkHeap(b *testing.B) {
	c := wazero.NewCompilationCache()
	bootToFirstInstruction(b, c)
	var total uint64
	for i := 0; i < b.N; i++ {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		d, err := device.New(device.Config{Image: sphereemu.SampleImage, Seed: 1, DeviceSeed: 1, Cache: c})
		if err != nil {
			b.Fatal(err)
		}
		d.Run(5 * sim.Second)
		runtime.GC()
		runtime.ReadMemStats(&after)
		total += after.HeapAlloc - before.HeapAlloc
		runtime.KeepAlive(d)
		_ = d.Close()
	}
	b.ReportMetric(float64(total)/float64(b.N), "heap-bytes/device")
}

// BenchmarkVirtualSecond measures how long one virtual second of the idle
// blink device takes in host time.
func BenchmarkVirtualSecond(b *testing.B) {
	d, err := device.New(device.Config{Image: sphereemu.SampleImage, Seed: 1, DeviceSeed: 1, Cache: cache})
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	d.Run(sim.Second)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d.Run(int64(i+2) * sim.Second)
	}
}
