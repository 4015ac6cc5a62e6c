// Package trace is sphere-emu's event stream: every trust domain reports what it
// does as events stamped with virtual time, and sinks turn the stream into JSON
// lines, a readable narrative, or a recording for tests.
//
// An event holds no wall-clock data, so two runs with the same inputs and seed
// produce byte-identical traces.
package trace

import (
	"fmt"
	"strconv"
	"sync"
)

// Domain names used in the "dom" field of every event.
const (
	Pluton  = "pluton"
	Secmon  = "secmon"
	Kernel  = "kernel"
	Appcore = "appcore"
	RTCore0 = "rtcore0"
	RTCore1 = "rtcore1"
	HW      = "hw"
	Device  = "device"
)

// Field is one named value of an event; values are strings, integers or booleans.
type Field struct {
	Key string
	Val any
}

// Str returns a string field.
func Str(k, v string) Field { return Field{k, v} }

// Int returns an integer field.
func Int(k string, v int64) Field { return Field{k, v} }

// Uint returns an unsigned integer field.
func Uint(k string, v uint64) Field { return Field{k, v} }

// Bool returns a boolean field.
func Bool(k string, v bool) Field { return Field{k, v} }

// Event is one thing that happened in one domain at one virtual time.
type Event struct {
	T      int64  // virtual time in nanoseconds since power-on
	Dom    string // the domain that emitted it
	Ev     string // the event name, e.g. "stage.verify"
	Fields []Field
}

// Get returns the value of the named field.
func (e *Event) Get(key string) (any, bool) {
	for _, f := range e.Fields {
		if f.Key == key {
			return f.Val, true
		}
	}
	return nil, false
}

// Str returns the named field formatted as text ("" when absent).
func (e *Event) Str(key string) string {
	v, ok := e.Get(key)
	if !ok {
		return ""
	}
	return formatValue(v)
}

func formatValue(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case uint64:
		return strconv.FormatUint(x, 10)
	case int:
		return strconv.Itoa(x)
	case bool:
		return strconv.FormatBool(x)
	default:
		return fmt.Sprint(x)
	}
}

// Sink receives events. A sink must not keep the *Event or its Fields slice
// after returning unless it copies them.
type Sink interface {
	Event(e *Event)
}

// SinkFunc adapts a function to a Sink.
type SinkFunc func(e *Event)

// Event calls f(e).
func (f SinkFunc) Event(e *Event) { f(e) }

// Tracer stamps events with virtual time and hands them to its sinks.
type Tracer struct {
	mu    sync.Mutex
	now   func() int64
	sinks []Sink
}

// New returns a tracer that reads virtual time from now.
func New(now func() int64, sinks ...Sink) *Tracer {
	return &Tracer{now: now, sinks: sinks}
}

// AddSink adds a sink; events already emitted are not replayed.
func (t *Tracer) AddSink(s Sink) {
	t.mu.Lock()
	t.sinks = append(t.sinks, s)
	t.mu.Unlock()
}

// Enabled reports whether any sink is attached, so callers can skip building
// expensive fields.
func (t *Tracer) Enabled() bool { return t != nil && len(t.sinks) > 0 }

// Emit records an event from dom. It is safe on a nil Tracer.
func (t *Tracer) Emit(dom, ev string, fields ...Field) {
	if t == nil || len(t.sinks) == 0 {
		return
	}
	e := Event{T: t.now(), Dom: dom, Ev: ev, Fields: fields}
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, s := range t.sinks {
		s.Event(&e)
	}
}
