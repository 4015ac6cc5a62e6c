package kernel

import (
	"encoding/binary"
	"sort"

	"github.com/sphere-emu/sphere-emu/kernel/kernelmsg"
	"github.com/sphere-emu/sphere-emu/sim"
)

// Event-loop event bits (the epoll values of EventLoop_IoEvents).
const (
	evInput  = 0x1
	evOutput = 0x4
	evError  = 0x8
)

// eventLoop is the kernel object behind EventLoop_Create: an epoll-like set
// of watched descriptors, level-triggered.
type eventLoop struct {
	nb
	regs map[int32]registration
}

type registration struct {
	events uint32
	token  uint32
}

func (e *eventLoop) kind() string    { return "eventloop" }
func (e *eventLoop) close(k *Kernel) {}

// readyList returns the registrations whose descriptors are ready, in fd
// order, at most max of them.
func (e *eventLoop) readyList(k *Kernel, max int) []byte {
	fds := make([]int32, 0, len(e.regs))
	for fd := range e.regs {
		fds = append(fds, fd)
	}
	sort.Slice(fds, func(i, j int) bool { return fds[i] < fds[j] })
	var out []byte
	n := 0
	for _, fd := range fds {
		if n >= max {
			break
		}
		r := e.regs[fd]
		var got uint32
		f, open := k.app.fds[fd]
		if !open {
			continue // closed while registered: epoll forgets it too
		}
		if p, ok := f.(poller); ok {
			in, outReady := p.ready(k)
			if in && r.events&evInput != 0 {
				got |= evInput
			}
			if outReady && r.events&evOutput != 0 {
				got |= evOutput
			}
		}
		if got == 0 {
			continue
		}
		out = binary.LittleEndian.AppendUint32(out, r.token)
		out = binary.LittleEndian.AppendUint32(out, got)
		n++
	}
	return out
}

func (e *eventLoop) ready(k *Kernel) (bool, bool) {
	return len(e.readyList(k, 1)) > 0, false
}

func (c *call) eventLoop(fd int64) (*eventLoop, kernelmsg.Errno) {
	el, ok := c.p.fds[int32(fd)].(*eventLoop)
	if !ok || fd != int64(int32(fd)) {
		return nil, kernelmsg.EBADF
	}
	return el, 0
}

func sysEventLoopCreate(c *call) (kernelmsg.Result, *wait) {
	return c.install(&eventLoop{regs: map[int32]registration{}}), nil
}

func sysEventLoopRegister(c *call) (kernelmsg.Result, *wait) {
	el, e := c.eventLoop(c.arg(0))
	if e != 0 {
		return fail(e), nil
	}
	fd, events := int32(c.arg(1)), c.arg(2)
	if _, open := c.p.fds[fd]; !open || c.arg(1) != int64(fd) {
		return fail(kernelmsg.EBADF), nil
	}
	if _, dup := el.regs[fd]; dup {
		return fail(kernelmsg.EEXIST), nil
	}
	if events < 0 || events&^(evInput|evOutput|evError) != 0 || c.p.fds[fd] == file(el) {
		return fail(kernelmsg.EINVAL), nil
	}
	if _, pollable := c.p.fds[fd].(poller); !pollable {
		return fail(kernelmsg.EPERM), nil // like epoll on a regular file or a GPIO handle
	}
	el.regs[fd] = registration{events: uint32(events), token: uint32(c.arg(3))}
	return ok(0), nil
}

func sysEventLoopModify(c *call) (kernelmsg.Result, *wait) {
	el, e := c.eventLoop(c.arg(0))
	if e != 0 {
		return fail(e), nil
	}
	r, found := el.regs[int32(c.arg(1))]
	if !found {
		return fail(kernelmsg.ENOENT), nil
	}
	events := c.arg(2)
	if events < 0 || events&^(evInput|evOutput|evError) != 0 {
		return fail(kernelmsg.EINVAL), nil
	}
	r.events = uint32(events)
	el.regs[int32(c.arg(1))] = r
	return ok(0), nil
}

func sysEventLoopUnregister(c *call) (kernelmsg.Result, *wait) {
	el, e := c.eventLoop(c.arg(0))
	if e != 0 {
		return fail(e), nil
	}
	if _, found := el.regs[int32(c.arg(1))]; !found {
		return fail(kernelmsg.ENOENT), nil
	}
	delete(el.regs, int32(c.arg(1)))
	return ok(0), nil
}

// maxWaitEvents bounds one eventloop_wait.
const maxWaitEvents = 64

// sysEventLoopWait blocks until a registered descriptor is ready or the
// timeout passes; an idle app costs nothing while it waits.
func sysEventLoopWait(c *call) (kernelmsg.Result, *wait) {
	el, e := c.eventLoop(c.arg(0))
	if e != 0 {
		return fail(e), nil
	}
	timeout, max := c.arg(1), c.arg(2)
	if max <= 0 || max > maxWaitEvents {
		max = maxWaitEvents
	}
	try := func() (kernelmsg.Result, bool) {
		if c.k.app != c.p {
			return fail(kernelmsg.EINTR), true
		}
		out := el.readyList(c.k, int(max))
		if len(out) == 0 {
			return kernelmsg.Result{}, false
		}
		return kernelmsg.Result{Value: int64(len(out) / 8), Data: out}, true
	}
	if r, done := try(); done || timeout == 0 {
		return r, nil
	}
	w := &wait{deadline: noDeadline, try: try, expire: func() kernelmsg.Result { return ok(0) }}
	if timeout > 0 {
		w.deadline = c.k.now() + timeout*sim.Millisecond
	}
	return kernelmsg.Result{}, w
}

// Clocks timerfd_create accepts (WASI clock ids as wasi-libc passes them).
const (
	clockRealtime   = 0
	clockMonotonic  = 1
	tfdTimerAbstime = 1
)

func sysTimerfdCreate(c *call) (kernelmsg.Result, *wait) {
	clock, flags := c.arg(0), c.arg(1)
	if clock != clockRealtime && clock != clockMonotonic {
		return fail(kernelmsg.EINVAL), nil
	}
	// TFD_NONBLOCK is O_NONBLOCK: 0x4 in wasi-libc, 0x800 on Linux; both
	// are accepted. TFD_CLOEXEC has no meaning without exec.
	t := &timerfd{clock: clock}
	if flags&(0x4|0x800) != 0 {
		t.setNonblocking(true)
	}
	return c.install(t), nil
}

func (c *call) timer(fd int64) (*timerfd, kernelmsg.Errno) {
	t, ok := c.p.fds[int32(fd)].(*timerfd)
	if !ok || fd != int64(int32(fd)) {
		return nil, kernelmsg.EBADF
	}
	return t, 0
}

// clockNow returns the current value of a clock: virtual time since power-on
// (monotonic) or the wall clock (realtime, with clock_settime's offset).
func (k *Kernel) clockNow(clock int64) int64 {
	if clock == clockRealtime {
		return k.wallNow()
	}
	return k.now()
}

func sysTimerfdSettime(c *call) (kernelmsg.Result, *wait) {
	t, e := c.timer(c.arg(0))
	if e != 0 {
		return fail(e), nil
	}
	flags, value, interval := c.arg(1), c.arg(2), c.arg(3)
	if value < 0 || interval < 0 || flags&^tfdTimerAbstime != 0 {
		return fail(kernelmsg.EINVAL), nil
	}
	t.count = 0
	t.interval = interval
	switch {
	case value == 0:
		t.next = 0
	case flags&tfdTimerAbstime != 0:
		// An absolute deadline on the timer's clock, converted to virtual time.
		t.next = max(value-c.k.clockNow(t.clock)+c.k.now(), c.k.now())
	default:
		t.next = c.k.now() + value
	}
	c.k.scheduleWake()
	return ok(0), nil
}

func sysTimerfdGettime(c *call) (kernelmsg.Result, *wait) {
	t, e := c.timer(c.arg(0))
	if e != 0 {
		return fail(e), nil
	}
	t.update(c.k.now())
	var remaining int64
	if t.next != 0 {
		remaining = t.next - c.k.now()
	}
	b := binary.LittleEndian.AppendUint64(nil, uint64(remaining))
	b = binary.LittleEndian.AppendUint64(b, uint64(t.interval))
	return kernelmsg.Result{Data: b}, nil
}
