package scenario

import (
	"fmt"
	"math"
	"regexp"
	"strconv"

	"github.com/sphere-emu/sphere-emu/trace"
)

// valueCheck reads a number out of each output line that matches a pattern
// and wants every such number within bounds: "the temperature the app
// reports stays between 57 and 63 from minute 2 on".
type valueCheck struct {
	re             *regexp.Regexp
	stream         string
	min, max       float64
	hasMin, hasMax bool
	count          span // how many numbers are wanted
}

func (d *decoder) valueExpect(o *object) checker {
	n, path := o.get("log_value")
	l := d.object(n, path)
	if l == nil {
		return nil
	}
	c := &valueCheck{}
	var ok bool
	c.re, ok = d.pattern(l, "matches")
	c.stream, ok = d.stream(l, ok)
	if l.has("min") {
		var mok bool
		c.min, mok = l.number("min", false)
		c.hasMin, ok = mok, ok && mok
	} else {
		l.get("min")
	}
	if l.has("max") {
		var mok bool
		c.max, mok = l.number("max", false)
		c.hasMax, ok = mok, ok && mok
	} else {
		l.get("max")
	}
	switch {
	case !l.has("min") && !l.has("max"):
		d.fail(n, path, `a log_value expectation needs "min", "max" or both`)
		ok = false
	case c.hasMin && c.hasMax && c.min > c.max:
		d.fail(n, path, "min %s is greater than max %s", ftoa(c.min), ftoa(c.max))
		ok = false
	}
	l.finish()
	var cok bool
	c.count, cok = d.count(o)
	if !ok || !cok {
		return nil
	}
	return c
}

func ftoa(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// bounds describes the wanted range: "in [57, 63]", "≥ 57", "≤ 63".
func (c *valueCheck) bounds() string {
	switch {
	case c.hasMin && c.hasMax:
		return fmt.Sprintf("in [%s, %s]", ftoa(c.min), ftoa(c.max))
	case c.hasMin:
		return "≥ " + ftoa(c.min)
	}
	return "≤ " + ftoa(c.max)
}

func (c *valueCheck) describe() string {
	return fmt.Sprintf("log_value %s %s%s%s", strconv.Quote(c.re.String()), c.bounds(), streamSuffix(c.stream), countSuffix(c.count))
}

// number returns the number in a matching line: the first capture group's
// text if the pattern has groups (the first group that took part in the
// match), else the whole match.
func (c *valueCheck) number(line string) (text string, v float64, matched, isNumber bool) {
	m := c.re.FindStringSubmatch(line)
	if m == nil {
		return "", 0, false, false
	}
	text = m[0]
	for _, g := range m[1:] {
		if g != "" {
			text = g
			break
		}
	}
	v, err := strconv.ParseFloat(text, 64)
	return text, v, true, err == nil && !math.IsNaN(v)
}

func (c *valueCheck) in(v float64) bool {
	return (!c.hasMin || v >= c.min) && (!c.hasMax || v <= c.max)
}

func (c *valueCheck) check(w window, events []trace.Event) (bool, string) {
	var n int64
	var lo, hi, last float64
	out, nan := offender{}, offender{}
	for i := range events {
		e := &events[i]
		if !w.has(e.T) {
			continue
		}
		line, ok := lineOf(c.stream, e)
		if !ok {
			continue
		}
		text, v, matched, isNumber := c.number(line)
		switch {
		case !matched:
			continue
		case !isNumber:
			nan.add(e, text)
			continue
		case !c.in(v):
			out.add(e, text)
		}
		if n == 0 {
			lo, hi = v, v
		}
		lo, hi, last = min(lo, v), max(hi, v), v
		n++
	}
	detail := fmt.Sprintf("%s from %s lines matching %s %s", values(n), streamKind[c.stream], strconv.Quote(c.re.String()), w.span())
	if n > 0 {
		detail += fmt.Sprintf(": %s to %s, the last %s", ftoa(lo), ftoa(hi), ftoa(last))
	}
	ok := c.count.ok(n) && out.n == 0 && nan.n == 0
	if !c.count.ok(n) {
		detail += ", want " + c.count.String()
	}
	detail += out.report("not " + c.bounds())
	detail += nan.report("not numbers")
	return ok, detail
}

// values renders a count of numbers: "1 value", "3 values".
func values(n int64) string {
	if n == 1 {
		return "1 value"
	}
	return strconv.FormatInt(n, 10) + " values"
}

// offender counts the lines that broke an expectation and keeps the first.
type offender struct {
	n     int64
	first *trace.Event
	text  string
}

func (o *offender) add(e *trace.Event, text string) {
	if o.n == 0 {
		o.first, o.text = e, text
	}
	o.n++
}

func (o *offender) report(what string) string {
	if o.n == 0 {
		return ""
	}
	return fmt.Sprintf("; %d %s, the first %s at %s: %s", o.n, what, strconv.Quote(o.text), fmtTime(o.first.T), strconv.Quote(clip(o.first.Str("line"), 120)))
}
