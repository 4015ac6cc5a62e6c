package control

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/sphere-emu/sphere-emu/fault"
	"github.com/sphere-emu/sphere-emu/hw"
)

// Limits of the control API (emulator-defined).
const (
	// MaxBody bounds a request body.
	MaxBody = 64 << 10
	// MaxSteps bounds one step request.
	MaxSteps = 1_000_000
	// MaxTraceEvents bounds the events one trace read returns.
	MaxTraceEvents = 10_000
	// DefaultWithin bounds a run until an event that gives no end.
	DefaultWithin = 10 * int64(time.Second)
	// DefaultHold is how long a click holds a button down.
	DefaultHold = 100 * int64(time.Millisecond)
	// DefaultOffFor is how long a power cycle keeps the power off.
	DefaultOffFor = 100 * int64(time.Millisecond)
)

// apiError is a refused request: an HTTP status and a message.
type apiError struct {
	Status int
	Msg    string
}

func (e *apiError) Error() string { return e.Msg }

func badRequest(format string, a ...any) *apiError {
	return &apiError{http.StatusBadRequest, fmt.Sprintf(format, a...)}
}

// command is one decoded request, checked as far as it can be without the
// device; the loop executes it on the simulation's thread.
type command struct {
	op string // state, pause, resume, quit, step, run, fault, pins, pin, drive, button, adc, uart, output, trace, power

	steps  int
	until  int64 // run: absolute end (0 with hasUntil false: relative forDur)
	hasEnd bool  // until was given
	forDur int64 // run: relative end, when until was not given
	filter *fault.EventFilter

	fault fault.Fault
	atNow bool // the fault had no trigger: it fires now

	gpio   int
	level  uint8
	press  string // press, release, click
	hold   int64
	ch     int
	volts  float64
	isu    int
	since  int
	limit  int
	event  string
	offFor int64 // < 0: stay off
}

// duration is a virtual duration in JSON: an integer of nanoseconds or a Go
// duration string ("1.5s", "200ms"); never negative.
type duration struct {
	ns  int64
	set bool
}

func (d *duration) UnmarshalJSON(b []byte) error {
	var v any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return err
	}
	switch x := v.(type) {
	case json.Number:
		n, err := strconv.ParseInt(string(x), 10, 64)
		if err != nil {
			return fmt.Errorf("%s is not an integer of nanoseconds", x)
		}
		d.ns = n
	case string:
		t, err := time.ParseDuration(x)
		if err != nil {
			return fmt.Errorf("%q is not a duration such as \"1.5s\" or \"200ms\"", x)
		}
		d.ns = int64(t)
	default:
		return fmt.Errorf("want a duration (\"1.5s\", or nanoseconds), got %s", string(b))
	}
	if d.ns < 0 {
		return fmt.Errorf("duration %s is negative", string(b))
	}
	d.set = true
	return nil
}

// decodeBody decodes a JSON object strictly into v: unknown fields, a
// second value after the first and wrong types are errors. An empty body is
// an empty object.
func decodeBody(body []byte, v any) *apiError {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return badRequest("body: %s", cleanJSONError(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return badRequest("body: JSON continues after the object")
	}
	return nil
}

func cleanJSONError(err error) string {
	var ute *json.UnmarshalTypeError
	if errors.As(err, &ute) {
		if ute.Field != "" {
			return fmt.Sprintf("%s: want %s, got %s", ute.Field, ute.Type, ute.Value)
		}
		return fmt.Sprintf("want an object, got %s", ute.Value)
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

// route splits /v1/NAME[/ARG] into its parts.
func route(path string) (name, arg string, ok bool) {
	rest, found := strings.CutPrefix(path, "/v1/")
	if !found {
		return "", "", false
	}
	name, arg, _ = strings.Cut(rest, "/")
	if strings.Contains(arg, "/") {
		return "", "", false
	}
	return name, arg, true
}

// decode turns one HTTP request into a command, or an error with its
// status. It never touches the device.
func decode(method, path string, query url.Values, body []byte) (*command, *apiError) {
	if len(body) > MaxBody {
		return nil, &apiError{http.StatusRequestEntityTooLarge, fmt.Sprintf("body: more than %d bytes", MaxBody)}
	}
	name, arg, ok := route(path)
	if !ok {
		return nil, &apiError{http.StatusNotFound, fmt.Sprintf("no route %s (docs/control-api.md)", path)}
	}
	want := func(m string) *apiError {
		if method != m {
			return &apiError{http.StatusMethodNotAllowed, fmt.Sprintf("%s %s: use %s", method, path, m)}
		}
		return nil
	}
	noArg := func() *apiError {
		if arg != "" {
			return &apiError{http.StatusNotFound, fmt.Sprintf("no route %s (docs/control-api.md)", path)}
		}
		return nil
	}
	empty := func() *apiError { return decodeBody(body, &struct{}{}) }
	switch name {
	case "state":
		if err := first(noArg(), want(http.MethodGet)); err != nil {
			return nil, err
		}
		return &command{op: "state"}, nil
	case "pause", "resume", "quit":
		if err := first(noArg(), want(http.MethodPost), empty()); err != nil {
			return nil, err
		}
		return &command{op: name}, nil
	case "step":
		if err := first(noArg(), want(http.MethodPost)); err != nil {
			return nil, err
		}
		var b struct {
			Count *int `json:"count"`
		}
		if err := decodeBody(body, &b); err != nil {
			return nil, err
		}
		c := &command{op: "step", steps: 1}
		if b.Count != nil {
			if *b.Count < 1 || *b.Count > MaxSteps {
				return nil, badRequest("count: %d is not 1–%d", *b.Count, MaxSteps)
			}
			c.steps = *b.Count
		}
		return c, nil
	case "run":
		if err := first(noArg(), want(http.MethodPost)); err != nil {
			return nil, err
		}
		return decodeRun(body)
	case "fault":
		if err := first(noArg(), want(http.MethodPost)); err != nil {
			return nil, err
		}
		return decodeFault(body)
	case "gpio":
		return decodeGPIO(method, arg, body)
	case "button":
		if err := want(http.MethodPost); err != nil {
			return nil, err
		}
		var c command
		switch strings.ToLower(arg) {
		case "a":
			c.gpio = hw.ButtonA
		case "b":
			c.gpio = hw.ButtonB
		default:
			return nil, &apiError{http.StatusNotFound, fmt.Sprintf("no button %q: the board has a and b", arg)}
		}
		var b struct {
			Action string   `json:"action"`
			Hold   duration `json:"hold"`
		}
		if err := decodeBody(body, &b); err != nil {
			return nil, err
		}
		c.op, c.press, c.hold = "button", b.Action, DefaultHold
		switch b.Action {
		case "":
			c.press = "click"
		case "press", "release", "click":
		default:
			return nil, badRequest("action: %q is not press, release or click", b.Action)
		}
		if b.Hold.set {
			if c.press != "click" {
				return nil, badRequest("hold: only a click holds")
			}
			c.hold = b.Hold.ns
		}
		return &c, nil
	case "adc":
		if err := want(http.MethodPost); err != nil {
			return nil, err
		}
		ch, err := index(arg, "ADC channel", hw.ADCChannels)
		if err != nil {
			return nil, err
		}
		var b struct {
			Volts *float64 `json:"volts"`
		}
		if err := decodeBody(body, &b); err != nil {
			return nil, err
		}
		if b.Volts == nil {
			return nil, badRequest("volts: missing")
		}
		if v := *b.Volts; math.IsNaN(v) || v < 0 || v > 100 {
			return nil, badRequest("volts: %v is not 0–100", v)
		}
		return &command{op: "adc", ch: ch, volts: *b.Volts}, nil
	case "uart":
		if err := want(http.MethodGet); err != nil {
			return nil, err
		}
		isu, err := index(arg, "ISU", hw.ISUCount)
		if err != nil {
			return nil, err
		}
		since, err := queryInt(query, "since", 0, math.MaxInt32, 0)
		if err != nil {
			return nil, err
		}
		return &command{op: "uart", isu: isu, since: since}, nil
	case "output", "trace":
		if err := first(noArg(), want(http.MethodGet)); err != nil {
			return nil, err
		}
		since, err := queryInt(query, "since", 0, math.MaxInt32, 0)
		if err != nil {
			return nil, err
		}
		limit, err := queryInt(query, "limit", 1, MaxTraceEvents, 1000)
		if err != nil {
			return nil, err
		}
		return &command{op: name, since: since, limit: limit, event: query.Get("event")}, nil
	case "power":
		if err := want(http.MethodPost); err != nil {
			return nil, err
		}
		var b struct {
			OffFor duration `json:"off_for"`
		}
		if err := decodeBody(body, &b); err != nil {
			return nil, err
		}
		switch arg {
		case "cycle":
			c := &command{op: "power", offFor: DefaultOffFor}
			if b.OffFor.set {
				c.offFor = b.OffFor.ns
			}
			return c, nil
		case "off":
			if b.OffFor.set {
				return nil, badRequest("off_for: power/off stays off; use power/cycle")
			}
			return &command{op: "power", offFor: -1}, nil
		}
		return nil, &apiError{http.StatusNotFound, fmt.Sprintf("no route %s: power/cycle or power/off", path)}
	}
	return nil, &apiError{http.StatusNotFound, fmt.Sprintf("no route %s (docs/control-api.md)", path)}
}

func first(errs ...*apiError) *apiError {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

func index(arg, what string, n int) (int, *apiError) {
	i, err := strconv.Atoi(arg)
	if err != nil || i < 0 || i >= n {
		return 0, &apiError{http.StatusNotFound, fmt.Sprintf("no %s %q: want 0–%d", what, arg, n-1)}
	}
	return i, nil
}

func queryInt(q url.Values, key string, lo, hi, def int) (int, *apiError) {
	s := q.Get(key)
	if s == "" {
		return def, nil
	}
	i, err := strconv.Atoi(s)
	if err != nil || i < lo || i > hi {
		return 0, badRequest("%s: %q is not an integer %d–%d", key, s, lo, hi)
	}
	return i, nil
}

func decodeRun(body []byte) (*command, *apiError) {
	var b struct {
		Until duration `json:"until"`
		For   duration `json:"for"`
		Event *struct {
			Event  string            `json:"event"`
			Dom    string            `json:"dom"`
			Fields map[string]string `json:"fields"`
			Nth    int               `json:"nth"`
		} `json:"event"`
	}
	if err := decodeBody(body, &b); err != nil {
		return nil, err
	}
	c := &command{op: "run"}
	switch {
	case b.Until.set && b.For.set:
		return nil, badRequest("until and for: give one")
	case b.Until.set:
		c.until, c.hasEnd = b.Until.ns, true
	case b.For.set:
		c.forDur = b.For.ns
	case b.Event != nil:
		c.forDur = DefaultWithin
	default:
		return nil, badRequest("run: give until, for or event")
	}
	if e := b.Event; e != nil {
		if e.Event == "" {
			return nil, badRequest("event.event: missing (an event name, docs/trace.md)")
		}
		if e.Nth < 0 || e.Nth > MaxSteps {
			return nil, badRequest("event.nth: %d is not 0–%d", e.Nth, MaxSteps)
		}
		c.filter = &fault.EventFilter{Event: e.Event, Dom: e.Dom, Fields: e.Fields, Nth: e.Nth}
	}
	return c, nil
}

// decodeFault reads one fault of a fault plan (docs/faults.md), strictly,
// through the fault package's parser; without a trigger it fires now.
func decodeFault(body []byte) (*command, *apiError) {
	t := bytes.TrimSpace(body)
	if len(t) == 0 || t[0] != '{' || !json.Valid(t) {
		return nil, badRequest("body: want one JSON object, a fault of a fault plan (docs/faults.md)")
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(t, &keys); err != nil {
		return nil, badRequest("body: %s", cleanJSONError(err))
	}
	c := &command{op: "fault"}
	if _, ok := keys["trigger"]; !ok {
		c.atNow = true
		if len(keys) == 0 {
			t = []byte(`{"trigger":{"at":0}}`)
		} else {
			t = append([]byte(`{"trigger":{"at":0},`), t[1:]...)
		}
	}
	p, err := fault.ParseJSON(append(append([]byte(`{"faults":[`), t...), ']', '}'))
	if err != nil {
		msg := err.Error()
		for _, pre := range []string{"plan.faults[0].", "faults[0].", "plan.faults[0]", "faults[0]"} {
			if strings.HasPrefix(msg, pre) {
				msg = "fault" + strings.TrimPrefix(msg, strings.TrimSuffix(pre, "."))
				break
			}
		}
		return nil, badRequest("%s", msg)
	}
	if len(p.Faults) != 1 {
		return nil, badRequest("body: want exactly one fault")
	}
	c.fault = p.Faults[0]
	return c, nil
}

func decodeGPIO(method, arg string, body []byte) (*command, *apiError) {
	if arg == "" {
		if method != http.MethodGet {
			return nil, &apiError{http.StatusMethodNotAllowed, fmt.Sprintf("%s /v1/gpio: use GET", method)}
		}
		return &command{op: "pins"}, nil
	}
	n, err := strconv.Atoi(arg)
	if err != nil || !hw.GPIOExists(n) {
		return nil, &apiError{http.StatusNotFound, fmt.Sprintf("no GPIO %q on the MT3620", arg)}
	}
	switch method {
	case http.MethodGet:
		return &command{op: "pin", gpio: n}, nil
	case http.MethodPost:
		var b struct {
			Level *int `json:"level"`
		}
		if err := decodeBody(body, &b); err != nil {
			return nil, err
		}
		if b.Level == nil || (*b.Level != 0 && *b.Level != 1) {
			return nil, badRequest("level: want 0 or 1")
		}
		return &command{op: "drive", gpio: n, level: uint8(*b.Level)}, nil
	}
	return nil, &apiError{http.StatusMethodNotAllowed, fmt.Sprintf("%s /v1/gpio/%d: use GET or POST", method, n)}
}
