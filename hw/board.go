package hw

import (
	"errors"

	"github.com/sphere-emu/sphere-emu/trace"
)

// Errors that the models wrap, so the kernel can map a failure to an errno
// with errors.Is. The wrapping message names the actual problem.
var (
	// ErrInvalid is an argument the hardware cannot accept (EINVAL).
	ErrInvalid = errors.New("invalid argument")
	// ErrNoDevice is a channel or unit that does not exist (ENODEV).
	ErrNoDevice = errors.New("no such device")
	// ErrNoAck is an I2C address that no device acknowledged (ENXIO).
	ErrNoAck = errors.New("no device acknowledged the address")
	// ErrWouldBlock is a full transmit buffer that accepted nothing (EAGAIN).
	ErrWouldBlock = errors.New("buffer full, operation would block")
)

// MT3620 RDB wiring used by NewBoard (reference §1.6).
const (
	ISUCount           = 5    // ISU0–ISU4, each usable as a UART, I2C master or SPI master
	PWMControllers     = 3    // PWM-CONTROLLER-0..2
	ButtonA            = 12   // GPIO of button A; reads low while pressed
	ButtonB            = 13   // GPIO of button B; reads low while pressed
	AccelI2CISU        = 2    // the ISU whose I2C bus carries the LSM6DS3 in the samples
	AccelI2CAddress    = 0x6A // the LSM6DS3's 7-bit I2C address (SA0 low)
	AccelSPIISU        = 1    // the ISU whose SPI bus carries the LSM6DS3 in the samples
	AccelSPIChipSelect = 0    // the LSM6DS3's chip select on that bus (MT3620_SPI_CS_A)
)

// Board is an MT3620 reference development board: the chip's peripherals and
// the parts wired to them. Like every model in this package it is passive:
// the kernel drives it, and inputs change only when a test bench, scenario
// or bridge calls a setter. It is not safe for concurrent use; everything
// runs on the simulation's one thread.
type Board struct {
	GPIO  *GPIO             // GPIO 0–80 with the RDB's buttons and LEDs
	UART  [ISUCount]*UART   // ISU0..ISU4 in UART mode
	I2C   [ISUCount]*I2CBus // ISU0..ISU4 in I2C master mode
	SPI   [ISUCount]*SPIBus // ISU0..ISU4 in SPI master mode
	ADC   *ADC              // ADC-CONTROLLER-0, 8 channels
	PWM   [PWMControllers]*PWM
	Accel *LSM6DS3 // on I2C[2] at 0x6A and on SPI[1] chip select A, as the samples expect

	hooks []func()
	io    *ioRegs // register state of the blocks real-time cores reach (iomux.go), made on first use
	// netDown is the world's network as the device's radio finds it: the
	// access point out of reach. It is the world's, so it outlives reboots.
	netDown bool
	tr      *trace.Tracer
}

// SetNetworkUp brings the network around the device up or down (the access
// point appears or vanishes) and tells the device, as any input does.
func (b *Board) SetNetworkUp(up bool) {
	if b.netDown == !up {
		return
	}
	b.netDown = !up
	b.tr.Emit(trace.HW, "net.link", trace.Bool("up", up))
	b.notify()
}

// NetworkUp reports whether the network around the device is reachable.
func (b *Board) NetworkUp() bool { return !b.netDown }

// NewBoard returns an RDB with its defaults: inputs pulled high (buttons
// released), every UART in loopback at 115200 8N1, the ADC referenced to
// 2.5 V with 0 V on every channel, PWM outputs disabled, and the LSM6DS3 at
// rest (0, 0, 1 g; 0 dps; 25 °C). now reads virtual time and schedule runs a
// function at a virtual time (sim.Sim's Now and Schedule); a nil now reads 0,
// and with a nil schedule UART bytes arrive at once instead of after their
// transmission time.
func NewBoard(tr *trace.Tracer, now func() int64, schedule func(at int64, f func())) *Board {
	if now == nil {
		now = func() int64 { return 0 }
	}
	b := &Board{tr: tr}
	b.GPIO = NewGPIO(tr)
	b.GPIO.notify = b.notify
	for i := range ISUCount {
		b.UART[i] = NewUART(i, tr, now, schedule)
		b.UART[i].notify = b.notify
		b.UART[i].loopback = true
		b.I2C[i] = NewI2CBus(i, tr)
		b.SPI[i] = NewSPIBus(i, tr)
	}
	b.ADC = NewADC(tr, now)
	b.ADC.notify = b.notify
	for i := range PWMControllers {
		b.PWM[i] = NewPWM(i, tr)
	}
	b.Accel = NewLSM6DS3(tr, now)
	b.Accel.notify = b.notify
	b.I2C[AccelI2CISU].Attach(AccelI2CAddress, b.Accel)
	b.SPI[AccelSPIISU].Attach(AccelSPIChipSelect, b.Accel)
	return b
}

// OnInput adds f to the functions called, synchronously and in the order
// added, whenever an input changes: a GPIO driven externally, UART bytes
// arriving, an ADC source changed, or sensor values set. The kernel uses it
// as its interrupt line to re-check blocked readers.
func (b *Board) OnInput(f func()) {
	if f != nil {
		b.hooks = append(b.hooks, f)
	}
}

func (b *Board) notify() {
	for _, f := range b.hooks {
		f()
	}
}
