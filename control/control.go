// Package control serves the control API of an emulated device: a small
// HTTP+JSON API on the host's loopback interface with which a test in any
// language pauses, resumes, steps and runs the device, injects faults,
// drives its inputs and reads its outputs and trace (docs/control-api.md).
//
// The HTTP goroutines never touch the device. A request is decoded and
// checked on its own goroutine, then handed to the loop (Controller.Loop),
// which owns the simulation's thread: it takes requests only between two
// virtual instants, never while an event runs, the way the device REST
// API's requests enter the simulation (sim.SetHostInput, kernel/gateway.go).
// While paused the loop runs nothing at all, so a test that changes the
// device only while it is paused, and runs it only by step and run
// requests, gets the same trace from the same requests every time.
package control

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/sphere-emu/sphere-emu/device"
	"github.com/sphere-emu/sphere-emu/fault"
	"github.com/sphere-emu/sphere-emu/sim"
	"github.com/sphere-emu/sphere-emu/trace"
)

// Options configure a Controller.
type Options struct {
	// Horizon, if positive, is the virtual time no run goes past (boot --for).
	Horizon int64
}

// Controller is the control API of one device: an http.Handler for the
// host side and a Loop for the simulation's thread.
type Controller struct {
	d       *device.Device
	log     *device.Log
	horizon int64
	calls   chan *call
	done    chan struct{}

	// The loop's state, touched only by Loop.
	resumed bool
	anchor  time.Time // wall time of virtual time 0 while resumed
	pending *pendingRun
	quit    bool
}

type call struct {
	cmd   *command
	reply chan reply // buffered: the loop never blocks on it
}

type reply struct {
	status int
	body   any
}

type pendingRun struct {
	call  *call
	steps int   // step: instants left; 0 for a run
	until int64 // the run's end
	filt  *fault.EventFilter
	seen  int
	from  int // log index the filter has looked at
}

// New returns the control API of d. d should have been made by
// device.Open (so its trace is recorded from power-on); Loop must run on
// the goroutine that owns d.
func New(d *device.Device, o Options) *Controller {
	h := o.Horizon
	if h <= 0 {
		h = sim.Forever
	}
	return &Controller{d: d, log: d.Log(), horizon: h, calls: make(chan *call, 64), done: make(chan struct{})}
}

// Listen listens on addr, a loopback host:port (an empty host or
// "localhost" means 127.0.0.1; port 0 picks a free port).
func Listen(addr string) (net.Listener, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("control: address %q: %w", addr, err)
	}
	if host == "" || host == "localhost" {
		host = "127.0.0.1"
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("control: %q is not a loopback address; the control API never listens beyond this machine", host)
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(host, port))
	if err != nil {
		return nil, fmt.Errorf("control: %w", err)
	}
	return ln, nil
}

// Serve serves the API on ln until ctx ends, then closes it.
func (c *Controller) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{Handler: c, ReadHeaderTimeout: 10 * time.Second, MaxHeaderBytes: 64 << 10}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if srv.Shutdown(sctx) != nil {
			_ = srv.Close()
		}
	}()
	err := srv.Serve(ln)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// ServeHTTP decodes a request and hands it to the loop.
func (c *Controller) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			writeJSON(w, http.StatusRequestEntityTooLarge, errBody(fmt.Sprintf("body: more than %d bytes", MaxBody)))
			return
		}
		writeJSON(w, http.StatusBadRequest, errBody("body: "+err.Error()))
		return
	}
	cmd, aerr := decode(r.Method, r.URL.Path, r.URL.Query(), body)
	if aerr != nil {
		writeJSON(w, aerr.Status, errBody(aerr.Msg))
		return
	}
	cl := &call{cmd: cmd, reply: make(chan reply, 1)}
	select {
	case c.calls <- cl:
	case <-c.done:
		writeJSON(w, http.StatusServiceUnavailable, errBody("the device is off: the control loop has ended"))
		return
	case <-r.Context().Done():
		return
	}
	select {
	case rp := <-cl.reply:
		writeJSON(w, rp.status, rp.body)
	case <-c.done:
		select {
		case rp := <-cl.reply:
			writeJSON(w, rp.status, rp.body)
		default:
			writeJSON(w, http.StatusServiceUnavailable, errBody("the device is off: the control loop has ended"))
		}
	case <-r.Context().Done():
	}
}

func errBody(msg string) map[string]string { return map[string]string{"error": msg} }

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"encoding the answer failed"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// Loop runs the device as the requests say, on the calling goroutine
// (the one that owns the device), until a quit request or ctx ends. The
// device starts paused.
func (c *Controller) Loop(ctx context.Context) {
	defer close(c.done)
	for !c.quit {
		if c.pending == nil && !c.resumed {
			select {
			case cl := <-c.calls:
				c.handle(cl)
			case <-ctx.Done():
				return
			}
			continue
		}
		if ctx.Err() != nil {
			c.finish("quit")
			return
		}
		c.drain()
		switch {
		case c.quit:
		case c.pending != nil:
			c.advance()
		case c.resumed:
			c.free(ctx)
		}
	}
}

// drain handles every request waiting, without blocking.
func (c *Controller) drain() {
	for !c.quit {
		select {
		case cl := <-c.calls:
			c.handle(cl)
		default:
			return
		}
	}
}

// advance runs the next virtual instant of the pending run or step.
func (c *Controller) advance() {
	p := c.pending
	if stopped, why := c.d.Stopped(); stopped {
		c.finish(why)
		return
	}
	t, ok := c.d.Sim().NextEvent()
	if !ok || t > p.until {
		c.d.Run(max(p.until, c.d.Now()))
		switch {
		case p.steps > 0:
			c.finish("idle")
		case p.filt != nil:
			c.finish("limit")
		default:
			c.finish("until")
		}
		return
	}
	c.d.Run(t)
	if p.filt != nil {
		evs := c.log.Since(p.from)
		for i, e := range evs {
			if device.Match(*p.filt, &e) {
				if p.seen++; p.seen >= max(p.filt.Nth, 1) {
					c.finishEvent(p.from+i, &e)
					return
				}
			}
		}
		p.from += len(evs)
	}
	if p.steps > 0 {
		if p.steps--; p.steps == 0 {
			c.finish("step")
			return
		}
	}
	if stopped, why := c.d.Stopped(); stopped {
		c.finish(why)
	}
}

// free runs the resumed device paced to the wall clock, one instant at a
// time, taking requests while it waits.
func (c *Controller) free(ctx context.Context) {
	if stopped, _ := c.d.Stopped(); stopped {
		c.resumed = false
		return
	}
	t, ok := c.d.Sim().NextEvent()
	wait := time.Hour
	if ok && t <= c.horizon {
		wait = time.Until(c.anchor.Add(time.Duration(t)))
	}
	if wait > 0 {
		timer := time.NewTimer(wait)
		defer timer.Stop()
		select {
		case cl := <-c.calls:
			c.handle(cl)
			return
		case <-ctx.Done():
			return
		case <-timer.C:
			if !ok || t > c.horizon {
				return
			}
		}
	}
	c.d.Run(t)
}

func (c *Controller) finish(stop string) {
	if p := c.pending; p != nil {
		c.pending = nil
		p.call.reply <- reply{http.StatusOK, map[string]any{"stop": stop, "state": c.state()}}
	}
}

func (c *Controller) finishEvent(index int, e *trace.Event) {
	p := c.pending
	c.pending = nil
	p.call.reply <- reply{http.StatusOK, map[string]any{"stop": "event", "index": index, "event": eventJSON(e), "state": c.state()}}
}

func eventJSON(e *trace.Event) json.RawMessage { return trace.AppendJSON(nil, e) }

// State is the answer of GET /v1/state and part of every run's answer.
type State struct {
	TimeNS  int64          `json:"time_ns"`
	Time    string         `json:"time"`
	Mode    string         `json:"mode"` // paused, running (a run or step request), resumed
	Events  int            `json:"events"`
	Verdict device.Verdict `json:"verdict"`
}

func (c *Controller) state() State {
	mode := "paused"
	switch {
	case c.pending != nil:
		mode = "running"
	case c.resumed:
		mode = "resumed"
	}
	return State{TimeNS: c.d.Now(), Time: sim.FormatTime(c.d.Now()), Mode: mode, Events: c.log.Len(), Verdict: c.d.Verdict()}
}

func (c *Controller) ok(cl *call, v any)                    { cl.reply <- reply{http.StatusOK, v} }
func (c *Controller) fail(cl *call, status int, msg string) { cl.reply <- reply{status, errBody(msg)} }

// mutable refuses a change to a device whose run has ended for good.
func (c *Controller) mutable(cl *call) bool {
	if stopped, why := c.d.Stopped(); stopped {
		c.fail(cl, http.StatusConflict, fmt.Sprintf("the run has ended (%s): the device takes no more input", why))
		return false
	}
	return true
}

// handle executes one request on the simulation's thread, between instants.
func (c *Controller) handle(cl *call) {
	cmd, d := cl.cmd, c.d
	switch cmd.op {
	case "state":
		c.ok(cl, c.state())
	case "pause":
		c.resumed = false
		c.finish("paused")
		c.ok(cl, c.state())
	case "resume":
		if !c.mutable(cl) {
			return
		}
		if c.pending != nil {
			c.fail(cl, http.StatusConflict, "a run or step is under way: pause first")
			return
		}
		c.resumed = true
		c.anchor = time.Now().Add(-time.Duration(d.Now()))
		c.ok(cl, c.state())
	case "quit":
		c.resumed = false
		c.finish("quit")
		c.quit = true
		c.ok(cl, c.state())
	case "step", "run":
		if c.pending != nil || c.resumed {
			c.fail(cl, http.StatusConflict, "the device is running (a run, a step or resume): pause first")
			return
		}
		p := &pendingRun{call: cl, steps: cmd.steps, until: c.horizon, filt: cmd.filter, from: c.log.Len()}
		if cmd.op == "run" {
			end := cmd.until
			if !cmd.hasEnd {
				end = d.Now() + cmd.forDur
				if end < d.Now() { // overflow
					end = sim.Forever
				}
			}
			if end < d.Now() {
				c.fail(cl, http.StatusConflict, fmt.Sprintf("until %s is in the past (now %s)", sim.FormatTime(end), sim.FormatTime(d.Now())))
				return
			}
			p.until = min(end, c.horizon)
		}
		c.pending = p
		if stopped, why := d.Stopped(); stopped {
			c.finish(why)
		}
	case "fault":
		if !c.mutable(cl) {
			return
		}
		f := cmd.fault
		if cmd.atNow {
			f.Trigger.At = nil
		}
		if err := d.InjectFault(f); err != nil {
			c.fail(cl, http.StatusUnprocessableEntity, err.Error())
			return
		}
		c.ok(cl, map[string]any{"armed": true, "time_ns": d.Now()})
	case "pins":
		c.ok(cl, map[string]any{"time_ns": d.Now(), "pins": nonNil(d.Pins())})
	case "pin":
		p, err := d.Pin(cmd.gpio)
		if err != nil {
			c.fail(cl, http.StatusNotFound, err.Error())
			return
		}
		c.ok(cl, p)
	case "drive":
		if !c.mutable(cl) {
			return
		}
		if err := d.DriveGPIO(cmd.gpio, cmd.level); err != nil {
			c.fail(cl, http.StatusBadRequest, err.Error())
			return
		}
		c.ok(cl, map[string]any{"gpio": cmd.gpio, "level": cmd.level, "time_ns": d.Now()})
	case "button":
		if !c.mutable(cl) {
			return
		}
		var err error
		switch cmd.press {
		case "press":
			err = d.PressButton(cmd.gpio, -1)
		case "release":
			err = d.DriveGPIO(cmd.gpio, 1)
		default:
			err = d.PressButton(cmd.gpio, cmd.hold)
		}
		if err != nil {
			c.fail(cl, http.StatusBadRequest, err.Error())
			return
		}
		c.ok(cl, map[string]any{"gpio": cmd.gpio, "action": cmd.press, "time_ns": d.Now()})
	case "adc":
		if !c.mutable(cl) {
			return
		}
		if err := d.SetADC(cmd.ch, cmd.volts); err != nil {
			c.fail(cl, http.StatusBadRequest, err.Error())
			return
		}
		c.ok(cl, map[string]any{"channel": cmd.ch, "volts": cmd.volts, "time_ns": d.Now()})
	case "uart":
		b, next := d.UARTOutput(cmd.isu, cmd.since)
		c.ok(cl, map[string]any{"isu": cmd.isu, "text": string(b), "bytes": b, "next": next})
	case "output":
		lines, next := d.AppOutput(cmd.since)
		c.ok(cl, map[string]any{"lines": nonNil(lines), "next": next})
	case "trace":
		evs := c.log.Since(cmd.since)
		out := []json.RawMessage{}
		next := cmd.since
		for _, e := range evs {
			if len(out) == cmd.limit {
				break
			}
			next++
			if cmd.event == "" || e.Ev == cmd.event {
				out = append(out, eventJSON(&e))
			}
		}
		if next > c.log.Len() {
			next = c.log.Len()
		}
		c.ok(cl, map[string]any{"events": out, "next": next, "total": c.log.Len()})
	case "power":
		if !c.mutable(cl) {
			return
		}
		d.PowerCycle(cmd.offFor, trace.Str("by", "control"))
		c.ok(cl, map[string]any{"off_for_ns": cmd.offFor, "time_ns": d.Now()})
	default:
		c.fail(cl, http.StatusNotFound, "unknown request "+cmd.op)
	}
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
