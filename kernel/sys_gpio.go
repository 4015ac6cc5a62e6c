package kernel

import "github.com/sphere-emu/sphere-emu/kernel/kernelmsg"

// gpioOpen reports whether GPIO n is already open in p.
func (p *process) gpioOpen(n int) bool {
	for _, f := range p.fds {
		if g, ok := f.(*gpioFile); ok && g.gpio == n {
			return true
		}
	}
	return false
}

// checkGPIO applies the checks GPIO_OpenAs* make, in the ABI's order:
// capability (EACCES), existence (ENODEV), already open (EBUSY).
func (c *call) checkGPIO(n int64) kernelmsg.Errno {
	if n < 0 || n > 1<<16 || !c.p.manifest.HasGpio(int(n)) {
		return kernelmsg.EACCES
	}
	if _, err := c.k.gpio.Get(int(n)); err != nil {
		return kernelmsg.ENODEV
	}
	if c.p.gpioOpen(int(n)) {
		return kernelmsg.EBUSY
	}
	return 0
}

func (c *call) install(f file) kernelmsg.Result {
	fd, e := c.p.install(f)
	if e != 0 {
		return fail(e)
	}
	return ok(int64(fd))
}

func sysGPIOOpenInput(c *call) (kernelmsg.Result, *wait) {
	n := c.arg(0)
	if e := c.checkGPIO(n); e != 0 {
		return fail(e), nil
	}
	if err := c.k.gpio.ConfigureInput(int(n)); err != nil {
		return fail(kernelmsg.EIO), nil
	}
	return c.install(&gpioFile{gpio: int(n)}), nil
}

func sysGPIOOpenOutput(c *call) (kernelmsg.Result, *wait) {
	n, mode, value := c.arg(0), c.arg(1), c.arg(2)
	if e := c.checkGPIO(n); e != 0 {
		return fail(e), nil
	}
	if mode < 0 || mode > 2 || value < 0 || value > 1 {
		return fail(kernelmsg.EINVAL), nil
	}
	if err := c.k.gpio.ConfigureOutput(int(n), uint8(value)); err != nil {
		return fail(kernelmsg.EIO), nil
	}
	return c.install(&gpioFile{gpio: int(n), output: true}), nil
}

// gpioFD returns the open GPIO behind a descriptor (EBADF otherwise).
func (c *call) gpioFD(fd int64) (*gpioFile, kernelmsg.Errno) {
	g, ok := c.p.fds[int32(fd)].(*gpioFile)
	if !ok || fd != int64(int32(fd)) {
		return nil, kernelmsg.EBADF
	}
	return g, 0
}

func sysGPIOGetValue(c *call) (kernelmsg.Result, *wait) {
	g, e := c.gpioFD(c.arg(0))
	if e != 0 {
		return fail(e), nil
	}
	v, err := c.k.gpio.Get(g.gpio)
	if err != nil {
		return fail(kernelmsg.EIO), nil
	}
	return kernelmsg.Result{Data: []byte{v}}, nil
}

func sysGPIOSetValue(c *call) (kernelmsg.Result, *wait) {
	g, e := c.gpioFD(c.arg(0))
	if e != 0 {
		return fail(e), nil
	}
	v := c.arg(1)
	if v < 0 || v > 1 {
		return fail(kernelmsg.EINVAL), nil
	}
	if !g.output {
		return ok(0), nil // no effect on inputs (reference §6)
	}
	if err := c.k.gpio.Set(g.gpio, uint8(v)); err != nil {
		return fail(kernelmsg.EIO), nil
	}
	return ok(0), nil
}
