package scenario

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/sphere-emu/sphere-emu/hw"
	"github.com/sphere-emu/sphere-emu/trace"
)

var expectKinds = []string{"gpio", "uart_tx", "log", "log_value", "pwm", "event", "no_event"}

func (d *decoder) expectation(n *node, path string) (expectation, bool) {
	o := d.object(n, path)
	if o == nil {
		return expectation{}, false
	}
	e := expectation{}
	ok := true
	if name, has := o.str("name", false); has {
		e.name = name
	} else if o.has("name") {
		ok = false
	}
	var aok, bok bool
	e.after, aok = o.duration("after", false)
	e.by, bok = o.duration("by", false)
	e.hasBy = bok
	if (o.has("after") && !aok) || (o.has("by") && !bok) {
		ok = false
	}
	if aok && bok && e.after > e.by {
		d.fail(n, path, "after (%s) is later than by (%s)", fmtTime(e.after), fmtTime(e.by))
		ok = false
	}
	switch k := o.one("the thing expected", expectKinds...); k {
	case "gpio":
		e.c = d.gpioExpect(o)
	case "uart_tx":
		e.c = d.uartExpect(o)
	case "log":
		e.c = d.logExpect(o)
	case "log_value":
		e.c = d.valueExpect(o)
	case "pwm":
		e.c = d.pwmExpect(o)
	case "event", "no_event":
		e.c = d.eventExpect(o, k)
	}
	o.finish()
	return e, ok && e.c != nil
}

// count reads the optional "count" of an occurrence expectation.
func (d *decoder) count(o *object) (span, bool) {
	if !o.has("count") {
		o.get("count") // for suggestions
		return atLeastOnce, true
	}
	return o.rangeOf("count", 0)
}

// countSuffix describes a count that is not the default.
func countSuffix(c span) string {
	if c == atLeastOnce {
		return ""
	}
	return " count " + c.String()
}

// gpioCheck counts an output pin's toggles and reads its level.
type gpioCheck struct {
	pin        int
	toggles    span
	hasToggles bool
	level      int64
	hasLevel   bool
}

func (d *decoder) gpioExpect(o *object) checker {
	pin, ok := d.gpioNumber(o)
	c := &gpioCheck{pin: pin}
	if o.has("toggles") {
		var tok bool
		c.toggles, tok = o.rangeOf("toggles", 0)
		c.hasToggles, ok = tok, ok && tok
	}
	if o.has("level") {
		var lok bool
		c.level, lok = o.integer("level", true, 0, 1)
		c.hasLevel, ok = lok, ok && lok
	}
	if !o.has("toggles") && !o.has("level") {
		o.asked = append(o.asked, "toggles", "level")
		d.fail(o.n, o.path, `a gpio expectation needs "toggles", "level" or both`)
		ok = false
	}
	if !ok {
		return nil
	}
	return c
}

func (c *gpioCheck) describe() string {
	var parts []string
	if c.hasToggles {
		parts = append(parts, "toggles "+c.toggles.String())
	}
	if c.hasLevel {
		parts = append(parts, fmt.Sprintf("level %d", c.level))
	}
	return fmt.Sprintf("gpio %d %s", c.pin, strings.Join(parts, " and "))
}

func (c *gpioCheck) check(w window, events []trace.Event) (bool, string) {
	pin := strconv.Itoa(c.pin)
	level, since, toggles := int64(-1), int64(0), int64(0)
	for i := range events {
		e := &events[i]
		if e.Ev != "gpio.set" || e.T > w.to || e.Str("gpio") != pin {
			continue
		}
		v, err := strconv.ParseInt(e.Str("value"), 10, 64)
		if err != nil {
			continue
		}
		if level >= 0 && v != level && e.T >= w.after {
			toggles++
		}
		level, since = v, e.T
	}
	if level < 0 {
		var want []string
		if c.hasToggles {
			want = append(want, "toggles "+c.toggles.String())
		}
		if c.hasLevel {
			want = append(want, fmt.Sprintf("level %d", c.level))
		}
		ok := !c.hasLevel && c.toggles.ok(0)
		return ok, fmt.Sprintf("GPIO %d was never driven as an output %s, want %s", c.pin, w.span(), strings.Join(want, " and "))
	}
	ok := true
	var parts []string
	if c.hasToggles {
		t := fmt.Sprintf("GPIO %d toggled %s %s", c.pin, times(toggles), w.span())
		if !c.toggles.ok(toggles) {
			ok = false
			t += ", want " + c.toggles.String()
		}
		parts = append(parts, t)
	}
	if c.hasLevel {
		t := fmt.Sprintf("GPIO %d was %d %s (since %s)", c.pin, level, w.at(), fmtTime(since))
		if level != c.level {
			ok = false
			t += fmt.Sprintf(", want %d", c.level)
		}
		parts = append(parts, t)
	}
	return ok, strings.Join(parts, "; ")
}

// uartCheck looks for text, bytes or a pattern in what a UART sent.
type uartCheck struct {
	isu   int
	want  []byte // contains (text or hex)
	isHex bool
	re    *regexp.Regexp
	count span
}

func (d *decoder) uartExpect(o *object) checker {
	n, path := o.get("uart_tx")
	u := d.object(n, path)
	if u == nil {
		return nil
	}
	isu, ok := u.integer("isu", true, 0, hw.ISUCount-1)
	c := &uartCheck{isu: int(isu)}
	switch k := u.one("what to look for", "contains", "hex", "matches"); k {
	case "contains":
		s, sok := u.str("contains", true)
		c.want, ok = []byte(s), ok && sok
	case "hex":
		var hok bool
		c.want, hok = d.hexBytes(u, "hex")
		c.isHex, ok = true, ok && hok
	case "matches":
		var rok bool
		c.re, rok = d.pattern(u, "matches")
		ok = ok && rok
	default:
		ok = false
	}
	if ok && c.re == nil && len(c.want) == 0 {
		d.fail(n, path, "looks for nothing")
		ok = false
	}
	u.finish()
	var cok bool
	c.count, cok = d.count(o)
	if !ok || !cok {
		return nil
	}
	return c
}

func (c *uartCheck) what() string {
	switch {
	case c.re != nil:
		return "matches " + strconv.Quote(c.re.String())
	case c.isHex:
		return "contains hex " + hex.EncodeToString(c.want)
	}
	return "contains " + strconv.Quote(string(c.want))
}

func (c *uartCheck) describe() string {
	return fmt.Sprintf("uart_tx isu %d %s%s", c.isu, c.what(), countSuffix(c.count))
}

func (c *uartCheck) check(w window, events []trace.Event) (bool, string) {
	isu := strconv.Itoa(c.isu)
	var sent []byte
	for i := range events {
		e := &events[i]
		if e.Ev != "uart.tx" || !w.has(e.T) || e.Str("isu") != isu {
			continue
		}
		if v, ok := e.Get("text"); ok {
			s, _ := v.(string)
			sent = append(sent, s...)
		} else if b, err := hex.DecodeString(e.Str("hex")); err == nil {
			sent = append(sent, b...)
		}
	}
	var n int64
	if c.re != nil {
		n = int64(len(c.re.FindAllIndex(sent, -1)))
	} else {
		n = int64(bytes.Count(sent, c.want))
	}
	pattern := strconv.Quote(string(c.want))
	switch {
	case c.re != nil:
		pattern = "the pattern " + strconv.Quote(c.re.String())
	case c.isHex:
		pattern = "hex " + hex.EncodeToString(c.want)
	}
	detail := fmt.Sprintf("ISU%d sent %d bytes %s; %s found %s", c.isu, len(sent), w.span(), pattern, times(n))
	ok := c.count.ok(n)
	if !ok {
		detail += ", want " + c.count.String()
		if len(sent) > 0 {
			detail += "; it sent " + quote(sent, 64)
		}
	}
	return ok, detail
}

// logCheck counts the app's output lines that contain text or match a pattern.
type logCheck struct {
	contains string
	re       *regexp.Regexp
	stream   string // debug, stdout, stderr, any
	count    span
}

func (d *decoder) logExpect(o *object) checker {
	n, path := o.get("log")
	l := d.object(n, path)
	if l == nil {
		return nil
	}
	c := &logCheck{stream: "debug"}
	ok := true
	switch k := l.one("what to look for", "contains", "matches"); k {
	case "contains":
		c.contains, ok = l.str("contains", true)
	case "matches":
		c.re, ok = d.pattern(l, "matches")
	default:
		ok = false
	}
	c.stream, ok = d.stream(l, ok)
	l.finish()
	var cok bool
	c.count, cok = d.count(o)
	if !ok || !cok {
		return nil
	}
	return c
}

// stream reads the optional "stream" of a log expectation: which lines count.
func (d *decoder) stream(l *object, ok bool) (string, bool) {
	s, has := l.str("stream", false)
	if !has {
		return "debug", ok && !l.has("stream")
	}
	switch s {
	case "debug", "stdout", "stderr", "any", "rt":
		return s, ok
	}
	sn, spath := l.get("stream")
	d.fail(sn, spath, `%q: want "debug" (Log_Debug), "stdout", "stderr" or "any" (the app's output), or "rt" (the real-time cores' debug UARTs)`, s)
	return "debug", false
}

// streamSuffix describes a stream that is not the default.
func streamSuffix(stream string) string {
	switch stream {
	case "stdout", "stderr":
		return " on " + stream
	case "any":
		return " on any stream"
	case "rt":
		return " on the RT UART"
	}
	return ""
}

// lineOf returns the text of e if it is an output line of stream.
func lineOf(stream string, e *trace.Event) (string, bool) {
	switch e.Ev {
	case "app.log":
		return e.Str("line"), stream == "debug" || stream == "any"
	case "app.output":
		s := e.Str("stream")
		return e.Str("line"), stream == "any" || stream == s
	case "rt.uart":
		return e.Str("line"), stream == "rt"
	}
	return "", false
}

// streamKind names the lines of a stream in reports: "log lines", "RT UART lines".
var streamKind = map[string]string{"debug": "log", "stdout": "stdout", "stderr": "stderr", "any": "output", "rt": "RT UART"}

func (c *logCheck) what() string {
	if c.re != nil {
		return "matches " + strconv.Quote(c.re.String())
	}
	return "contains " + strconv.Quote(c.contains)
}

func (c *logCheck) describe() string {
	return "log " + c.what() + streamSuffix(c.stream) + countSuffix(c.count)
}

func (c *logCheck) check(w window, events []trace.Event) (bool, string) {
	var total, n int64
	var last string
	for i := range events {
		e := &events[i]
		if !w.has(e.T) {
			continue
		}
		line, ok := lineOf(c.stream, e)
		if !ok {
			continue
		}
		total++
		last = line
		if (c.re != nil && c.re.MatchString(line)) || (c.re == nil && strings.Contains(line, c.contains)) {
			n++
		}
	}
	kind := streamKind[c.stream]
	verb := "contained " + strconv.Quote(c.contains)
	if c.re != nil {
		verb = "matched " + strconv.Quote(c.re.String())
	}
	detail := fmt.Sprintf("%d of %d %s lines %s %s", n, total, kind, verb, w.span())
	ok := c.count.ok(n)
	if !ok {
		detail += ", want " + c.count.String()
		if total > 0 {
			detail += "; last line: " + strconv.Quote(clip(last, 120))
		}
	}
	return ok, detail
}

// pwmCheck reads a PWM channel's settings.
type pwmCheck struct {
	ctrl, ch            int
	duty, period        span
	hasDuty, hasPeriod  bool
	enabled, hasEnabled bool
	polarity            int64
	hasPolarity         bool
}

func (d *decoder) pwmExpect(o *object) checker {
	n, path := o.get("pwm")
	p := d.object(n, path)
	if p == nil {
		return nil
	}
	ctrl, ok := p.integer("controller", true, 0, hw.PWMControllers-1)
	ch, chok := p.integer("channel", true, 0, hw.PWMChannels-1)
	p.finish()
	c := &pwmCheck{ctrl: int(ctrl), ch: int(ch)}
	ok = ok && chok
	read := func(key string, s *span, has *bool) {
		if o.has(key) {
			v, vok := o.rangeOf(key, 0)
			*s, *has, ok = v, vok, ok && vok
		} else {
			o.get(key)
		}
	}
	read("duty_ns", &c.duty, &c.hasDuty)
	read("period_ns", &c.period, &c.hasPeriod)
	if o.has("enabled") {
		var eok bool
		c.enabled, eok = o.boolean("enabled")
		c.hasEnabled, ok = eok, ok && eok
	} else {
		o.get("enabled")
	}
	if o.has("polarity") {
		var pok bool
		c.polarity, pok = o.integer("polarity", true, 0, 1)
		c.hasPolarity, ok = pok, ok && pok
	} else {
		o.get("polarity")
	}
	if !ok {
		return nil
	}
	return c
}

func (c *pwmCheck) wants() []string {
	var w []string
	if c.hasPeriod {
		w = append(w, "period_ns "+c.period.String())
	}
	if c.hasDuty {
		w = append(w, "duty_ns "+c.duty.String())
	}
	if c.hasPolarity {
		w = append(w, fmt.Sprintf("polarity %d", c.polarity))
	}
	if c.hasEnabled {
		w = append(w, "enabled "+strconv.FormatBool(c.enabled))
	}
	return w
}

func (c *pwmCheck) describe() string {
	w := c.wants()
	if len(w) == 0 {
		w = []string{"applied"}
	}
	return fmt.Sprintf("pwm %d/%d %s", c.ctrl, c.ch, strings.Join(w, ", "))
}

func (c *pwmCheck) check(w window, events []trace.Event) (bool, string) {
	ctrl, ch := strconv.Itoa(c.ctrl), strconv.Itoa(c.ch)
	var last *trace.Event
	for i := range events {
		e := &events[i]
		if e.Ev == "pwm.set" && e.T <= w.to && e.Str("controller") == ctrl && e.Str("ch") == ch {
			last = e
		}
	}
	if last == nil {
		return false, fmt.Sprintf("PWM %d channel %d was never applied %s", c.ctrl, c.ch, w.span())
	}
	num := func(k string) int64 { v, _ := strconv.ParseInt(last.Str(k), 10, 64); return v }
	period, duty, polarity := num("period_ns"), num("duty_ns"), num("polarity")
	enabled := last.Str("enabled") == "true"
	state := "disabled"
	if enabled {
		state = "enabled"
	}
	detail := fmt.Sprintf("PWM %d channel %d %s: period %d ns, duty %d ns, polarity %d, %s (applied at %s)",
		c.ctrl, c.ch, w.at(), period, duty, polarity, state, fmtTime(last.T))
	var miss []string
	if c.hasPeriod && !c.period.ok(period) {
		miss = append(miss, "period "+c.period.String()+" ns")
	}
	if c.hasDuty && !c.duty.ok(duty) {
		miss = append(miss, "duty "+c.duty.String()+" ns")
	}
	if c.hasPolarity && polarity != c.polarity {
		miss = append(miss, fmt.Sprintf("polarity %d", c.polarity))
	}
	if c.hasEnabled && enabled != c.enabled {
		miss = append(miss, map[bool]string{true: "enabled", false: "disabled"}[c.enabled])
	}
	if len(miss) > 0 {
		return false, detail + "; want " + strings.Join(miss, ", ")
	}
	return true, detail
}

// eventCheck counts events by name, domain and fields.
type eventCheck struct {
	name   string
	dom    string
	keys   []string
	vals   []string
	count  span
	absent bool // no_event
}

func (d *decoder) eventExpect(o *object, key string) checker {
	c := &eventCheck{absent: key == "no_event"}
	name, ok := o.str(key, true)
	if ok && name == "" {
		n, path := o.get(key)
		d.fail(n, path, "the event name is empty")
		ok = false
	}
	c.name = name
	if dom, has := o.str("dom", false); has {
		c.dom = dom
	} else if o.has("dom") {
		ok = false
	}
	if fn, fpath := o.get("fields"); fn != nil {
		if f := d.object(fn, fpath); f != nil {
			for i, k := range f.n.keys {
				v, vok := scalarText(f.n.vals[i])
				if !vok {
					d.fail(f.n.vals[i], field(fpath, k), "want a string, number or boolean, got %s", describe(f.n.vals[i]))
					ok = false
				}
				c.keys, c.vals = append(c.keys, k), append(c.vals, v)
			}
		} else {
			ok = false
		}
	}
	if c.absent {
		c.count = span{max: 0, hasMax: true}
	} else {
		var cok bool
		c.count, cok = d.count(o)
		ok = ok && cok
	}
	if !ok {
		return nil
	}
	return c
}

// scalarText returns a field value as the trace prints it: integers in
// decimal, other numbers as written, booleans as true/false.
func scalarText(n *node) (string, bool) {
	switch n.kind {
	case kindString, kindBool:
		return n.text, true
	case kindNumber:
		if v, err := strconv.ParseInt(n.text, 0, 64); err == nil {
			return strconv.FormatInt(v, 10), true
		}
		if f, err := strconv.ParseFloat(n.text, 64); err == nil && f == math.Trunc(f) && math.Abs(f) < 1<<53 {
			return strconv.FormatInt(int64(f), 10), true
		}
		return n.text, true
	}
	return "", false
}

func (c *eventCheck) what() string {
	var b strings.Builder
	b.WriteString(c.name)
	if c.dom != "" {
		b.WriteString(" from " + c.dom)
	}
	for i, k := range c.keys {
		if i == 0 {
			b.WriteString(" with")
		}
		b.WriteString(" " + k + "=" + c.vals[i])
	}
	return b.String()
}

func (c *eventCheck) describe() string {
	if c.absent {
		return "no_event " + c.what()
	}
	return "event " + c.what() + countSuffix(c.count)
}

func (c *eventCheck) matches(e *trace.Event) bool {
	if e.Ev != c.name || (c.dom != "" && e.Dom != c.dom) {
		return false
	}
	for i, k := range c.keys {
		if _, has := e.Get(k); !has || e.Str(k) != c.vals[i] {
			return false
		}
	}
	return true
}

func (c *eventCheck) check(w window, events []trace.Event) (bool, string) {
	var n int64
	var first, near *trace.Event
	for i := range events {
		e := &events[i]
		if !w.has(e.T) {
			continue
		}
		if c.matches(e) {
			n++
			if first == nil {
				first = e
			}
		} else if near == nil && e.Ev == c.name {
			near = e
		}
	}
	detail := fmt.Sprintf("%s seen %s %s", c.what(), times(n), w.span())
	ok := c.count.ok(n)
	switch {
	case ok:
	case c.absent:
		detail += fmt.Sprintf(", want none; the first was at %s: %s", fmtTime(first.T), fieldsText(first))
	default:
		detail += ", want " + c.count.String()
		if n == 0 && near != nil {
			detail += fmt.Sprintf("; the first %s was at %s: %s", near.Ev, fmtTime(near.T), fieldsText(near))
		}
	}
	return ok, detail
}
