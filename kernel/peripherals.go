package kernel

import (
	"errors"

	"github.com/sphere-emu/sphere-emu/hw"
	"github.com/sphere-emu/sphere-emu/kernel/kernelmsg"
	"github.com/sphere-emu/sphere-emu/mailbox"
	"github.com/sphere-emu/sphere-emu/secmon/secmonmsg"
)

// peripheralSyscalls are the UART, I2C, SPI, ADC and PWM syscalls. Opening
// checks, in order: the manifest grants it (EACCES), it exists (ENODEV), it
// is not already open (EBUSY), the arguments are valid (EINVAL).
var peripheralSyscalls = map[mailbox.Kind]syscall{
	kernelmsg.KindUARTOpen:             {7, sysUARTOpen},
	kernelmsg.KindI2COpen:              {1, sysI2COpen},
	kernelmsg.KindI2CSetBusSpeed:       {2, sysI2CSetBusSpeed},
	kernelmsg.KindI2CSetTimeout:        {2, sysI2CSetTimeout},
	kernelmsg.KindI2CSetDefaultTarget:  {2, sysI2CSetDefaultTarget},
	kernelmsg.KindI2CTransfer:          {3, sysI2CTransfer},
	kernelmsg.KindSPIOpen:              {3, sysSPIOpen},
	kernelmsg.KindSPISetBusSpeed:       {2, sysSPISetBusSpeed},
	kernelmsg.KindSPISetMode:           {2, sysSPISetMode},
	kernelmsg.KindSPISetBitOrder:       {2, sysSPISetBitOrder},
	kernelmsg.KindSPITransfer:          {1, sysSPITransfer},
	kernelmsg.KindADCOpen:              {1, sysADCOpen},
	kernelmsg.KindADCGetSampleBitCount: {2, sysADCGetSampleBitCount},
	kernelmsg.KindADCSetReference:      {3, sysADCSetReference},
	kernelmsg.KindADCPoll:              {2, sysADCPoll},
	kernelmsg.KindPWMOpen:              {1, sysPWMOpen},
	kernelmsg.KindPWMApply:             {6, sysPWMApply},
}

// hwErrno maps a hardware model's error to an errno.
func hwErrno(err error) kernelmsg.Errno {
	switch {
	case err == nil:
		return 0
	case errors.Is(err, hw.ErrNoAck):
		return kernelmsg.ENXIO
	case errors.Is(err, hw.ErrInvalid):
		return kernelmsg.EINVAL
	case errors.Is(err, hw.ErrNoDevice):
		return kernelmsg.ENODEV
	case errors.Is(err, hw.ErrWouldBlock):
		return kernelmsg.EAGAIN
	}
	return kernelmsg.EIO
}

// isOpen reports whether some descriptor of p satisfies match.
func (p *process) isOpen(match func(f file) bool) bool {
	for _, f := range p.fds {
		if match(f) {
			return true
		}
	}
	return false
}

// --- UART -------------------------------------------------------------------

type uartFile struct {
	nb
	u *hw.UART
}

func (f *uartFile) kind() string    { return "uart" }
func (f *uartFile) close(k *Kernel) {}

// The UART driver hands received bytes to readers when its RX FIFO holds
// uartRxThreshold of them, or once the line has been idle for
// uartRxIdleChars character times (the FIFO's receive timeout), so a burst
// arrives in one read as on the device (emulator-chosen values).
const (
	uartRxThreshold = 16
	uartRxIdleChars = 4
)

// rxDeadline is when buffered bytes become readable by the idle timeout.
func (f *uartFile) rxDeadline() int64 { return f.u.LastRx() + uartRxIdleChars*f.u.CharTime() }

func (f *uartFile) readable(k *Kernel) bool {
	n := f.u.Buffered()
	return n >= uartRxThreshold || (n > 0 && k.now() >= f.rxDeadline())
}

func (f *uartFile) read(k *Kernel, max int) ([]byte, kernelmsg.Errno) {
	if !f.readable(k) {
		return nil, kernelmsg.EAGAIN
	}
	buf := make([]byte, max)
	n := f.u.Read(buf)
	if n == 0 && max > 0 {
		return nil, kernelmsg.EAGAIN
	}
	return buf[:n], 0
}
func (f *uartFile) write(k *Kernel, p []byte) (int, kernelmsg.Errno) {
	n, err := f.u.Write(p)
	if n > 0 {
		return n, 0 // a short write: the rest did not fit the transmit buffer
	}
	return n, hwErrno(err)
}
func (f *uartFile) ready(k *Kernel) (bool, bool) { return f.readable(k), true }

// uartIDBase is the UART_Id of ISU0's UART: mt3620.json numbers the ISU
// UARTs 4–8 (MT3620_ISU0_UART is 4), while I2C and SPI interfaces are 0–4.
const uartIDBase = 4

func sysUARTOpen(c *call) (kernelmsg.Result, *wait) {
	isu := c.arg(0) - uartIDBase
	if !c.p.hasISU(secmonmsg.PeripheralUART, isu) {
		return fail(kernelmsg.EACCES), nil
	}
	if isu < 0 || isu >= hw.ISUCount {
		return fail(kernelmsg.ENODEV), nil
	}
	u := c.k.board.UART[isu]
	if c.p.isOpen(func(f file) bool { g, ok := f.(*uartFile); return ok && g.u == u }) {
		return fail(kernelmsg.EBUSY), nil
	}
	blocking := c.arg(2)
	if blocking != 0 { // UART_BlockingMode_NonBlocking is the only mode applibs supports
		return fail(kernelmsg.EINVAL), nil
	}
	for i := 1; i <= 6; i++ {
		if c.arg(i) < 0 || c.arg(i) > 1<<32-1 {
			return fail(kernelmsg.EINVAL), nil
		}
	}
	cfg := hw.UARTConfig{BaudRate: uint32(c.arg(1)), DataBits: uint8(c.arg(3)), Parity: uint8(c.arg(4)), StopBits: uint8(c.arg(5)), FlowControl: uint8(c.arg(6))}
	if c.arg(3) > 255 || c.arg(4) > 255 || c.arg(5) > 255 || c.arg(6) > 255 {
		return fail(kernelmsg.EINVAL), nil
	}
	if err := u.Configure(cfg); err != nil {
		return fail(hwErrno(err)), nil
	}
	f := &uartFile{u: u}
	f.setNonblocking(true)
	return c.install(f), nil
}

// --- I2C --------------------------------------------------------------------

type i2cFile struct {
	nb
	bus     *hw.I2CBus
	target  int64 // default target address, −1 until set
	timeout int64 // milliseconds
}

func (f *i2cFile) kind() string    { return "i2c" }
func (f *i2cFile) close(k *Kernel) {}
func (f *i2cFile) read(k *Kernel, max int) ([]byte, kernelmsg.Errno) {
	if f.target < 0 {
		return nil, kernelmsg.ENXIO // no default target address set
	}
	b, err := f.transfer(k, uint8(f.target), nil, max)
	return b, hwErrno(err)
}
func (f *i2cFile) write(k *Kernel, p []byte) (int, kernelmsg.Errno) {
	if f.target < 0 {
		return 0, kernelmsg.ENXIO
	}
	if _, err := f.transfer(k, uint8(f.target), p, 0); err != nil {
		return 0, hwErrno(err)
	}
	return len(p), 0
}

// transfer runs one bus transaction, taking its time on the bus.
func (f *i2cFile) transfer(k *Kernel, addr uint8, w []byte, rlen int) ([]byte, error) {
	k.proc.Sleep(f.bus.Duration(len(w), rlen))
	return f.bus.Transfer(addr, w, rlen)
}

func (c *call) i2c(fd int64) (*i2cFile, kernelmsg.Errno) {
	f, ok := c.p.fds[int32(fd)].(*i2cFile)
	if !ok || fd != int64(int32(fd)) {
		return nil, kernelmsg.EBADF
	}
	return f, 0
}

func sysI2COpen(c *call) (kernelmsg.Result, *wait) {
	isu := c.arg(0)
	if !c.p.hasISU(secmonmsg.PeripheralI2C, isu) {
		return fail(kernelmsg.EACCES), nil
	}
	if isu < 0 || isu >= hw.ISUCount {
		return fail(kernelmsg.ENODEV), nil
	}
	bus := c.k.board.I2C[isu]
	if c.p.isOpen(func(f file) bool { g, ok := f.(*i2cFile); return ok && g.bus == bus }) {
		return fail(kernelmsg.EBUSY), nil
	}
	return c.install(&i2cFile{bus: bus, target: -1, timeout: 1000}), nil
}

func sysI2CSetBusSpeed(c *call) (kernelmsg.Result, *wait) {
	f, e := c.i2c(c.arg(0))
	if e != 0 {
		return fail(e), nil
	}
	hz := c.arg(1)
	if hz <= 0 || hz > 1<<32-1 {
		return fail(kernelmsg.EINVAL), nil
	}
	return fail(hwErrno(f.bus.SetSpeed(uint32(hz)))), nil
}

func sysI2CSetTimeout(c *call) (kernelmsg.Result, *wait) {
	f, e := c.i2c(c.arg(0))
	if e != 0 {
		return fail(e), nil
	}
	if c.arg(1) <= 0 || c.arg(1) > 1<<31 {
		return fail(kernelmsg.EINVAL), nil
	}
	f.timeout = c.arg(1)
	return ok(0), nil
}

func sysI2CSetDefaultTarget(c *call) (kernelmsg.Result, *wait) {
	f, e := c.i2c(c.arg(0))
	if e != 0 {
		return fail(e), nil
	}
	if c.arg(1) < 0 || c.arg(1) > 0x7F {
		return fail(kernelmsg.EINVAL), nil
	}
	f.target = c.arg(1)
	return ok(0), nil
}

func sysI2CTransfer(c *call) (kernelmsg.Result, *wait) {
	f, e := c.i2c(c.arg(0))
	if e != 0 {
		return fail(e), nil
	}
	addr, rlen := c.arg(1), c.arg(2)
	w := c.args.Data
	if addr < 0 || addr > 0x7F || rlen < 0 || rlen > hw.I2CMaxTransfer || len(w) > hw.I2CMaxTransfer || (rlen == 0 && len(w) == 0) {
		return fail(kernelmsg.EINVAL), nil
	}
	b, err := f.transfer(c.k, uint8(addr), w, int(rlen))
	if err != nil {
		return fail(hwErrno(err)), nil
	}
	return kernelmsg.Result{Value: int64(len(w)) + rlen, Data: b}, nil
}

// --- SPI --------------------------------------------------------------------

type spiFile struct {
	nb
	bus *hw.SPIBus
	cs  int
}

func (f *spiFile) kind() string    { return "spi" }
func (f *spiFile) close(k *Kernel) {}
func (f *spiFile) read(k *Kernel, max int) ([]byte, kernelmsg.Errno) {
	seg := []hw.SPISegment{{Read: make([]byte, max)}}
	if err := f.transfer(k, seg); err != nil {
		return nil, hwErrno(err)
	}
	return seg[0].Read, 0
}
func (f *spiFile) write(k *Kernel, p []byte) (int, kernelmsg.Errno) {
	if err := f.transfer(k, []hw.SPISegment{{Write: p}}); err != nil {
		return 0, hwErrno(err)
	}
	return len(p), 0
}

func (f *spiFile) transfer(k *Kernel, segs []hw.SPISegment) error {
	n := 0
	for _, s := range segs {
		n += len(s.Write) + len(s.Read)
	}
	k.proc.Sleep(f.bus.Duration(n))
	return f.bus.Transfer(f.cs, segs)
}

func (c *call) spi(fd int64) (*spiFile, kernelmsg.Errno) {
	f, ok := c.p.fds[int32(fd)].(*spiFile)
	if !ok || fd != int64(int32(fd)) {
		return nil, kernelmsg.EBADF
	}
	return f, 0
}

func sysSPIOpen(c *call) (kernelmsg.Result, *wait) {
	isu, cs, pol := c.arg(0), c.arg(1), c.arg(2)
	if !c.p.hasISU(secmonmsg.PeripheralSPIMaster, isu) {
		return fail(kernelmsg.EACCES), nil
	}
	if isu < 0 || isu >= hw.ISUCount {
		return fail(kernelmsg.ENODEV), nil
	}
	bus := c.k.board.SPI[isu]
	if c.p.isOpen(func(f file) bool { g, ok := f.(*spiFile); return ok && g.bus == bus }) {
		return fail(kernelmsg.EBUSY), nil
	}
	// MT3620_SPI_CS_A and _B are -1 and -2 in mt3620.json.
	chip := map[int64]int{-1: hw.SPIChipSelectA, -2: hw.SPIChipSelectB}
	sel, known := chip[cs]
	if !known || (pol != 1 && pol != 2) {
		return fail(kernelmsg.EINVAL), nil
	}
	return c.install(&spiFile{bus: bus, cs: sel}), nil
}

func sysSPISetBusSpeed(c *call) (kernelmsg.Result, *wait) {
	f, e := c.spi(c.arg(0))
	if e != 0 {
		return fail(e), nil
	}
	if c.arg(1) <= 0 || c.arg(1) > 1<<32-1 {
		return fail(kernelmsg.EINVAL), nil
	}
	return fail(hwErrno(f.bus.SetSpeed(uint32(c.arg(1))))), nil
}

func sysSPISetMode(c *call) (kernelmsg.Result, *wait) {
	f, e := c.spi(c.arg(0))
	if e != 0 {
		return fail(e), nil
	}
	return fail(hwErrno(f.bus.SetMode(int(c.arg(1))))), nil
}

func sysSPISetBitOrder(c *call) (kernelmsg.Result, *wait) {
	f, e := c.spi(c.arg(0))
	if e != 0 {
		return fail(e), nil
	}
	return fail(hwErrno(f.bus.SetBitOrder(int(c.arg(1))))), nil
}

func sysSPITransfer(c *call) (kernelmsg.Result, *wait) {
	f, e := c.spi(c.arg(0))
	if e != 0 {
		return fail(e), nil
	}
	ts, err := kernelmsg.UnmarshalSPITransfers(c.args.Data)
	if err != nil {
		return fail(kernelmsg.EINVAL), nil
	}
	segs := make([]hw.SPISegment, len(ts))
	total := 0
	for i, t := range ts {
		switch t.Flags {
		case 1:
			segs[i].Read = make([]byte, t.Length)
		case 2:
			segs[i].Write = t.Write
		default: // the MT3620's SPI is half-duplex: read or write, not both
			return fail(kernelmsg.EINVAL), nil
		}
		total += int(t.Length)
	}
	if err := f.transfer(c.k, segs); err != nil {
		return fail(hwErrno(err)), nil
	}
	var out []byte
	for _, s := range segs {
		out = append(out, s.Read...)
	}
	return kernelmsg.Result{Value: int64(total), Data: out}, nil
}

// --- ADC and PWM --------------------------------------------------------------

type adcFile struct {
	nb
	adc *hw.ADC
}

func (f *adcFile) kind() string    { return "adc" }
func (f *adcFile) close(k *Kernel) {}

type pwmFile struct {
	nb
	pwm *hw.PWM
}

func (f *pwmFile) kind() string    { return "pwm" }
func (f *pwmFile) close(k *Kernel) {}

func sysADCOpen(c *call) (kernelmsg.Result, *wait) {
	n := c.arg(0)
	if !hasController(c.p.manifest.Capabilities.Adc, "ADC-CONTROLLER-", n) {
		return fail(kernelmsg.EACCES), nil
	}
	if n != 0 {
		return fail(kernelmsg.ENODEV), nil
	}
	if c.p.isOpen(func(f file) bool { _, ok := f.(*adcFile); return ok }) {
		return fail(kernelmsg.EBUSY), nil
	}
	return c.install(&adcFile{adc: c.k.board.ADC}), nil
}

func (c *call) adc(fd, ch int64) (*adcFile, kernelmsg.Errno) {
	f, ok := c.p.fds[int32(fd)].(*adcFile)
	if !ok || fd != int64(int32(fd)) {
		return nil, kernelmsg.EBADF
	}
	if ch < 0 || ch >= hw.ADCChannels {
		return nil, kernelmsg.ENODEV
	}
	return f, 0
}

func sysADCGetSampleBitCount(c *call) (kernelmsg.Result, *wait) {
	f, e := c.adc(c.arg(0), c.arg(1))
	if e != 0 {
		return fail(e), nil
	}
	return ok(int64(f.adc.BitCount())), nil
}

func sysADCSetReference(c *call) (kernelmsg.Result, *wait) {
	f, e := c.adc(c.arg(0), c.arg(1))
	if e != 0 {
		return fail(e), nil
	}
	return fail(hwErrno(f.adc.SetReference(int(c.arg(1)), float64(c.arg(2))/1e6))), nil
}

func sysADCPoll(c *call) (kernelmsg.Result, *wait) {
	f, e := c.adc(c.arg(0), c.arg(1))
	if e != 0 {
		return fail(e), nil
	}
	v, err := f.adc.Sample(int(c.arg(1)))
	if err != nil {
		return fail(hwErrno(err)), nil
	}
	return ok(int64(v)), nil
}

func sysPWMOpen(c *call) (kernelmsg.Result, *wait) {
	n := c.arg(0)
	if !hasController(c.p.manifest.Capabilities.Pwm, "PWM-CONTROLLER-", n) {
		return fail(kernelmsg.EACCES), nil
	}
	if n < 0 || n >= hw.PWMControllers {
		return fail(kernelmsg.ENODEV), nil
	}
	pwm := c.k.board.PWM[n]
	if c.p.isOpen(func(f file) bool { g, ok := f.(*pwmFile); return ok && g.pwm == pwm }) {
		return fail(kernelmsg.EBUSY), nil
	}
	return c.install(&pwmFile{pwm: pwm}), nil
}

func sysPWMApply(c *call) (kernelmsg.Result, *wait) {
	f, ok := c.p.fds[int32(c.arg(0))].(*pwmFile)
	if !ok || c.arg(0) != int64(int32(c.arg(0))) {
		return fail(kernelmsg.EBADF), nil
	}
	ch, period, duty, pol, enabled := c.arg(1), c.arg(2), c.arg(3), c.arg(4), c.arg(5)
	if ch < 0 || ch >= hw.PWMChannels {
		return fail(kernelmsg.ENODEV), nil
	}
	if period < 0 || period > 1<<32-1 || duty < 0 || duty > 1<<32-1 || (pol != 0 && pol != 1) || (enabled != 0 && enabled != 1) {
		return fail(kernelmsg.EINVAL), nil
	}
	return fail(hwErrno(f.pwm.Apply(int(ch), uint32(period), uint32(duty), int(pol), enabled == 1))), nil
}
