package scenario

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/sphere-emu/sphere-emu/trace"
)

// Result is the verdict on one expectation.
type Result struct {
	// Expectation is the expectation's name, or a description such as
	// "gpio 8 toggles ≥ 3 by 5s".
	Expectation string
	// OK reports whether the trace met the expectation.
	OK bool
	// Detail says what the trace showed, e.g. "GPIO 8 toggled 2 times by
	// 5s, want ≥ 3".
	Detail string
}

// String renders the result as one line: "PASS gpio 8 … — detail" or "FAIL …".
func (r Result) String() string {
	verdict := "FAIL"
	if r.OK {
		verdict = "PASS"
	}
	return fmt.Sprintf("%s %s — %s", verdict, r.Expectation, r.Detail)
}

// AllOK reports whether every result passed.
func AllOK(results []Result) bool {
	for _, r := range results {
		if !r.OK {
			return false
		}
	}
	return true
}

// Check judges every expectation against events, the trace of a run that
// ended at virtual time end, and returns one Result per expectation in file
// order. Events after end are ignored; a deadline ("by") later than end is
// judged on what happened before the run ended, and the Detail says so.
func (s *Scenario) Check(events []trace.Event, end int64) []Result {
	if s == nil {
		return nil
	}
	out := make([]Result, len(s.expects))
	for i, e := range s.expects {
		w := window{after: e.after, by: e.by, hasBy: e.hasBy, end: end, to: end}
		if e.hasBy && e.by < end {
			w.to = e.by
		}
		ok, detail := e.c.check(w, events)
		if w.hasBy && w.by > end {
			detail += fmt.Sprintf(" (the run ended at %s, before %s)", fmtTime(end), fmtTime(w.by))
		}
		out[i] = Result{Expectation: e.describe(), OK: ok, Detail: detail}
	}
	return out
}

// expectation is one entry of "expect".
type expectation struct {
	name  string // the user's label, if any
	after int64
	by    int64
	hasBy bool
	c     checker
}

// checker judges one kind of expectation.
type checker interface {
	// describe returns what is expected, e.g. "gpio 8 toggles ≥ 3".
	describe() string
	// check judges the events within w and says what it saw.
	check(w window, events []trace.Event) (bool, string)
}

func (e expectation) describe() string {
	if e.name != "" {
		return e.name
	}
	d := e.c.describe()
	switch {
	case e.after > 0 && e.hasBy:
		d += fmt.Sprintf(" between %s and %s", fmtTime(e.after), fmtTime(e.by))
	case e.after > 0:
		d += " after " + fmtTime(e.after)
	case e.hasBy:
		d += " by " + fmtTime(e.by)
	}
	return d
}

// window is the span of the trace an expectation looks at.
type window struct {
	after int64 // the first time that counts
	to    int64 // the last time that counts: by, or the end of the run if earlier
	by    int64
	hasBy bool
	end   int64
}

func (w window) has(t int64) bool { return t >= w.after && t <= w.to }

// span describes the window for counts: "by 5s", "between 1s and 5s", "by the end (7.5s)".
func (w window) span() string {
	last := "the end (" + fmtTime(w.end) + ")"
	if w.hasBy {
		last = fmtTime(w.by)
	}
	if w.after > 0 {
		return "between " + fmtTime(w.after) + " and " + last
	}
	return "by " + last
}

// at describes the moment a state is read: "at 5s", "at the end (7.5s)".
func (w window) at() string {
	if w.hasBy {
		return "at " + fmtTime(w.by)
	}
	return "at the end (" + fmtTime(w.end) + ")"
}

// fmtTime renders a virtual time as a Go duration: "5s", "1.5s", "868.055µs".
func fmtTime(t int64) string { return time.Duration(t).String() }

// times renders a count of occurrences: "1 time", "3 times".
func times(n int64) string {
	if n == 1 {
		return "1 time"
	}
	return strconv.FormatInt(n, 10) + " times"
}

// span is a range of integers with optional bounds.
type span struct {
	min, max       int64
	hasMin, hasMax bool
}

// atLeastOnce is the default count of occurrence expectations.
var atLeastOnce = span{min: 1, hasMin: true}

func (s span) ok(n int64) bool {
	return (!s.hasMin || n >= s.min) && (!s.hasMax || n <= s.max)
}

func (s span) String() string {
	switch {
	case s.hasMin && s.hasMax && s.min == s.max:
		return strconv.FormatInt(s.min, 10)
	case s.hasMin && s.hasMax:
		return fmt.Sprintf("%d–%d", s.min, s.max)
	case s.hasMin:
		return fmt.Sprintf("≥ %d", s.min)
	}
	return fmt.Sprintf("≤ %d", s.max)
}

// quote renders text from the trace for a detail, keeping at most the last
// n bytes.
func quote(b []byte, n int) string {
	if len(b) <= n {
		return strconv.Quote(string(b))
	}
	return "…" + strconv.Quote(string(b[len(b)-n:]))
}

// fieldsText renders an event's fields as "k=v k=v", quoting values that
// are empty or contain spaces or control characters.
func fieldsText(e *trace.Event) string {
	var b strings.Builder
	for i, f := range e.Fields {
		if i > 0 {
			b.WriteByte(' ')
		}
		v := e.Str(f.Key)
		if v == "" || strings.ContainsAny(v, " \t\r\n\"") || strconv.Quote(v) != `"`+v+`"` {
			v = strconv.Quote(v)
		}
		v = clip(v, 80)
		b.WriteString(f.Key + "=" + v)
		if b.Len() > 300 {
			b.WriteString(" …")
			break
		}
	}
	return b.String()
}

// clip shortens s to at most n bytes on a character boundary, marking the cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := 0
	for i := range s {
		if i > n-len("…") {
			break
		}
		cut = i
	}
	return s[:cut] + "…"
}
