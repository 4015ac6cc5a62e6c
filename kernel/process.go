package kernel

import (
	"fmt"
	"sort"

	"github.com/sphere-emu/sphere-emu/image"
	"github.com/sphere-emu/sphere-emu/kernel/kernelmsg"
	"github.com/sphere-emu/sphere-emu/kernel/manifest"
	"github.com/sphere-emu/sphere-emu/mailbox"
	"github.com/sphere-emu/sphere-emu/secmon/secmonmsg"
	"github.com/sphere-emu/sphere-emu/trace"
)

// Signal numbers (Linux, ARM).
const (
	sigKILL = 9
	sigTERM = 15
)

// Signal dispositions an app declares through sigaction.
const (
	dispDefault = 0
	dispHandled = 1
	dispIgnored = 2
)

// maxFDs bounds an app's open descriptors (the real RLIMIT_NOFILE is
// larger; an app needs a few dozen at most).
const maxFDs = 256

// firstAppFD is the first descriptor open-type calls return: 0–2 are stdio
// and 3 is the preopened image-package directory.
const firstAppFD = 4

// process is a high-level app as the kernel sees it: identity, manifest,
// package, descriptor table, signal state.
type process struct {
	cid      string
	imageID  string
	name     string
	manifest *manifest.Manifest
	pkg      *image.FS
	wasm     []byte
	fds      map[int32]file
	starts   int   // launches so far
	started  int64 // virtual time of the last launch
	backoff  int64 // next restart delay

	disposition map[int32]int32 // signo → dispDefault/Handled/Ignored
	pending     int32           // signal to deliver (0 none)
	stopping    bool            // SIGTERM sent: the app is being stopped
	peakMem     int64
	out         [3][]byte // partial stdout/stderr lines
	// The REST API's view (gateway_routes.go).
	running   bool  // launched and not yet exited
	held      bool  // stopped through the REST API: no restart until started
	debugging bool  // started with PATCH trigger startDebug
	memBytes  int64 // linear memory as last known (declared, or reported by the app)
}

func newProcess(m *manifest.Manifest, pkg *image.FS, wasm []byte) *process {
	return &process{cid: m.ComponentID, name: m.Name, manifest: m, pkg: pkg, wasm: wasm, disposition: map[int32]int32{}}
}

// reset forgets everything of a previous run, before a (re)launch.
func (p *process) reset(k *Kernel) {
	for fd, f := range p.fds {
		f.close(k)
		delete(p.fds, fd)
	}
	p.fds = map[int32]file{
		0: &stdio{fd: 0}, 1: &stdio{fd: 1}, 2: &stdio{fd: 2},
		3: &packageDir{},
	}
	p.disposition = map[int32]int32{}
	p.pending = 0
	p.stopping = false
	p.out = [3][]byte{}
}

// install puts f in the lowest free descriptor ≥ firstAppFD.
func (p *process) install(f file) (int32, kernelmsg.Errno) {
	if len(p.fds) >= maxFDs {
		return -1, kernelmsg.EMFILE
	}
	fd := int32(firstAppFD)
	for p.fds[fd] != nil {
		fd++
	}
	p.fds[fd] = f
	return fd, 0
}

// packageRoot is where the app's image package is mounted.
func (p *process) packageRoot() string { return "/mnt/apps/" + p.cid }

// hasPowerControl reports whether the manifest's PowerControls lists c.
func (p *process) hasPowerControl(c string) bool {
	for _, x := range p.manifest.Capabilities.PowerControls {
		if x == c {
			return true
		}
	}
	return false
}

// isuClaims maps the manifest's ISU capability lists to peripheral types.
var isuCaps = []struct {
	t    secmonmsg.PeripheralType
	list func(c *manifest.Capabilities) []string
}{
	{secmonmsg.PeripheralUART, func(c *manifest.Capabilities) []string { return c.Uart }},
	{secmonmsg.PeripheralI2C, func(c *manifest.Capabilities) []string { return c.I2cMaster }},
	{secmonmsg.PeripheralSPIMaster, func(c *manifest.Capabilities) []string { return c.SpiMaster }},
}

// peripheralClaims lists every peripheral instance a manifest asks for, in
// a fixed order: GPIOs, ISUs, PWM controllers, ADC controllers.
func peripheralClaims(m *manifest.Manifest) ([]secmonmsg.Peripheral, error) {
	var out []secmonmsg.Peripheral
	add := func(t secmonmsg.PeripheralType, i int) {
		out = append(out, secmonmsg.Peripheral{Type: t, Index: uint16(i), Owner: mailbox.Appcore, ComponentID: m.ComponentID})
	}
	gpios := append([]int(nil), m.Capabilities.Gpio...)
	sort.Ints(gpios)
	for _, g := range gpios {
		add(secmonmsg.PeripheralGPIO, g)
	}
	for _, ic := range isuCaps {
		for _, name := range ic.list(&m.Capabilities) {
			var n int
			if _, err := fmt.Sscanf(name, "ISU%d", &n); err != nil {
				return nil, fmt.Errorf("peripheral %q is not an ISU name", name)
			}
			add(ic.t, n)
		}
	}
	for _, name := range m.Capabilities.Pwm {
		var n int
		if _, err := fmt.Sscanf(name, "PWM-CONTROLLER-%d", &n); err != nil {
			return nil, fmt.Errorf("peripheral %q is not a PWM controller", name)
		}
		add(secmonmsg.PeripheralPWM, n)
	}
	for _, name := range m.Capabilities.Adc {
		var n int
		if _, err := fmt.Sscanf(name, "ADC-CONTROLLER-%d", &n); err != nil {
			return nil, fmt.Errorf("peripheral %q is not an ADC controller", name)
		}
		add(secmonmsg.PeripheralADC, n)
	}
	return out, nil
}

// hasISU reports whether the manifest grants ISU n for the given type.
func (p *process) hasISU(t secmonmsg.PeripheralType, n int64) bool {
	for _, ic := range isuCaps {
		if ic.t != t {
			continue
		}
		for _, name := range ic.list(&p.manifest.Capabilities) {
			if name == fmt.Sprintf("ISU%d", n) {
				return true
			}
		}
	}
	return false
}

// hasController reports whether list names "<prefix><n>".
func hasController(list []string, prefix string, n int64) bool {
	for _, name := range list {
		if name == fmt.Sprintf("%s%d", prefix, n) {
			return true
		}
	}
	return false
}

// emitOutput turns stdout/stderr bytes into app.output lines.
func (k *Kernel) emitOutput(p *process, fd int32, b []byte) {
	stream := "stdout"
	if fd == 2 {
		stream = "stderr"
	}
	buf := append(p.out[fd], b...)
	for {
		i := indexByte(buf, '\n')
		if i < 0 {
			if len(buf) <= 4096 {
				break
			}
			i = len(buf)
		}
		k.tr.Emit(trace.Appcore, "app.output", trace.Str("cid", p.cid), trace.Str("stream", stream), trace.Str("line", string(buf[:i])))
		k.logLine("%s %s: %s", p.cid, stream, buf[:i])
		if i < len(buf) {
			i++
		}
		buf = buf[i:]
	}
	p.out[fd] = append([]byte(nil), buf...)
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}
