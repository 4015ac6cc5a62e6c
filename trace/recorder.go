package trace

import "sync"

// Recorder keeps a copy of every event, for tests and reports.
type Recorder struct {
	mu     sync.Mutex
	events []Event
}

// Event stores a copy of e.
func (r *Recorder) Event(e *Event) {
	c := *e
	c.Fields = append([]Field(nil), e.Fields...)
	r.mu.Lock()
	r.events = append(r.events, c)
	r.mu.Unlock()
}

// Events returns all recorded events in order.
func (r *Recorder) Events() []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Event(nil), r.events...)
}

// Named returns the recorded events called ev, in order.
func (r *Recorder) Named(ev string) []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Event
	for _, e := range r.events {
		if e.Ev == ev {
			out = append(out, e)
		}
	}
	return out
}

// First returns the first recorded event called ev whose fields include all of
// match (key, value pairs compared as text).
func (r *Recorder) First(ev string, match ...string) (Event, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
outer:
	for _, e := range r.events {
		if e.Ev != ev {
			continue
		}
		for i := 0; i+1 < len(match); i += 2 {
			if e.Str(match[i]) != match[i+1] {
				continue outer
			}
		}
		return e, true
	}
	return Event{}, false
}
