package scenario

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Problem is one thing wrong with a scenario file.
type Problem struct {
	Line int    // 1-based line of the offending value; 0 when unknown
	Path string // where in the document, e.g. "inputs[2].adc.chanel"; "" for the whole file
	Msg  string // what is wrong, e.g. `unknown key; did you mean "channel"?`
}

// String renders the problem as "line 7: inputs[2].adc.chanel: unknown key …".
func (p Problem) String() string {
	var b strings.Builder
	if p.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", p.Line)
	}
	if p.Path != "" {
		b.WriteString(p.Path + ": ")
	}
	b.WriteString(p.Msg)
	return b.String()
}

// maxProblems bounds the problems one Parse reports.
const maxProblems = 20

// Error is a scenario that could not be read: every problem found, in
// document order.
type Error struct {
	File     string    // the file Load read; "" for Parse
	Problems []Problem // at most 20, in document order
	More     int       // problems found beyond those listed
}

// Error lists the problems one per line, each prefixed with the file name
// (or "scenario") as a compiler would.
func (e *Error) Error() string {
	prefix := e.File
	if prefix == "" {
		prefix = "scenario"
	}
	var b strings.Builder
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(prefix)
		if p.Line > 0 {
			fmt.Fprintf(&b, ":%d", p.Line)
		}
		b.WriteString(": ")
		if p.Path != "" {
			b.WriteString(p.Path + ": ")
		}
		b.WriteString(p.Msg)
	}
	if e.More > 0 {
		fmt.Fprintf(&b, "\n%s: and %d more problems", prefix, e.More)
	}
	return b.String()
}

// decoder turns a node tree into a Scenario, collecting problems.
type decoder struct {
	problems []Problem
	more     int
}

func (d *decoder) fail(n *node, path, format string, args ...any) {
	if len(d.problems) >= maxProblems {
		d.more++
		return
	}
	line := 0
	if n != nil {
		line = n.line
	}
	d.problems = append(d.problems, Problem{Line: line, Path: path, Msg: fmt.Sprintf(format, args...)})
}

func field(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func index(path string, i int) string { return fmt.Sprintf("%s[%d]", path, i) }

// object reads n as an object whose keys the caller then asks for; finish
// reports the keys nobody asked for.
type object struct {
	d     *decoder
	n     *node
	path  string
	used  []bool
	asked []string
}

// object returns n as an object, or nil (with a problem) if it is not one.
func (d *decoder) object(n *node, path string) *object {
	if n.kind != kindObject {
		d.fail(n, path, "want an object, got %s", describe(n))
		return nil
	}
	return &object{d: d, n: n, path: path, used: make([]bool, len(n.keys))}
}

func describe(n *node) string {
	switch n.kind {
	case kindString:
		return fmt.Sprintf("the string %q", n.text)
	case kindNumber, kindBool:
		return fmt.Sprintf("%s %s", n.kind, n.text)
	}
	return n.kind.String()
}

// get returns the value at key (marking it used) and its path, or nil.
func (o *object) get(key string) (*node, string) {
	o.asked = append(o.asked, key)
	for i, k := range o.n.keys {
		if k == key {
			o.used[i] = true
			return o.n.vals[i], field(o.path, key)
		}
	}
	return nil, field(o.path, key)
}

// has reports whether key is present, without marking it used.
func (o *object) has(key string) bool {
	for _, k := range o.n.keys {
		if k == key {
			return true
		}
	}
	return false
}

// missing reports a required key that is absent.
func (o *object) missing(key string) {
	o.d.fail(o.n, field(o.path, key), "missing; it is required")
}

// finish reports every key that was not asked for, suggesting the nearest
// one that was.
func (o *object) finish() {
	for i, k := range o.n.keys {
		if o.used[i] {
			continue
		}
		msg := "unknown key"
		if s := nearest(k, o.asked); s != "" {
			msg += fmt.Sprintf("; did you mean %q?", s)
		}
		o.d.fail(o.n.vals[i], field(o.path, k), "%s", msg)
	}
}

func (o *object) str(key string, required bool) (string, bool) {
	n, path := o.get(key)
	if n == nil {
		if required {
			o.missing(key)
		}
		return "", false
	}
	if n.kind != kindString {
		o.d.fail(n, path, "want a string, got %s", describe(n))
		return "", false
	}
	return n.text, true
}

func (o *object) boolean(key string) (v, ok bool) {
	n, path := o.get(key)
	if n == nil {
		return false, false
	}
	if n.kind != kindBool {
		o.d.fail(n, path, "want true or false, got %s", describe(n))
		return false, false
	}
	return n.text == "true", true
}

// integer reads an integer in lo..hi.
func (o *object) integer(key string, required bool, lo, hi int64) (int64, bool) {
	n, path := o.get(key)
	if n == nil {
		if required {
			o.missing(key)
		}
		return 0, false
	}
	return o.d.integer(n, path, lo, hi)
}

func (d *decoder) integer(n *node, path string, lo, hi int64) (int64, bool) {
	if n.kind != kindNumber {
		d.fail(n, path, "want an integer, got %s", describe(n))
		return 0, false
	}
	v, err := strconv.ParseInt(n.text, 0, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(n.text, 64)
		if ferr != nil || f != math.Trunc(f) || f < math.MinInt64 || f >= math.MaxInt64 {
			d.fail(n, path, "want an integer, got %s", n.text)
			return 0, false
		}
		v = int64(f)
	}
	if v < lo || v > hi {
		d.fail(n, path, "%d is out of range: want %d to %d", v, lo, hi)
		return 0, false
	}
	return v, true
}

// number reads a finite number.
func (o *object) number(key string, required bool) (float64, bool) {
	n, path := o.get(key)
	if n == nil {
		if required {
			o.missing(key)
		}
		return 0, false
	}
	if n.kind != kindNumber {
		o.d.fail(n, path, "want a number, got %s", describe(n))
		return 0, false
	}
	f, err := strconv.ParseFloat(n.text, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		if v, ierr := strconv.ParseInt(n.text, 0, 64); ierr == nil { // YAML's 0x1F and friends
			return float64(v), true
		}
		o.d.fail(n, path, "want a finite number, got %s", n.text)
		return 0, false
	}
	return f, true
}

// duration reads a non-negative Go duration such as "1.5s" or "250ms" as nanoseconds.
func (o *object) duration(key string, required bool) (int64, bool) {
	n, path := o.get(key)
	if n == nil {
		if required {
			o.missing(key)
		}
		return 0, false
	}
	if n.kind != kindString {
		o.d.fail(n, path, `want a duration such as "1s" or "250ms", got %s`, describe(n))
		return 0, false
	}
	d, err := time.ParseDuration(n.text)
	if err != nil {
		o.d.fail(n, path, `%q is not a duration such as "1s" or "250ms"`, n.text)
		return 0, false
	}
	if d < 0 {
		o.d.fail(n, path, "%s is negative; times count from power-on", n.text)
		return 0, false
	}
	return int64(d), true
}

// rangeOf reads a count or bound: an integer (exactly) or {"min": …, "max": …}.
func (o *object) rangeOf(key string, lo int64) (span, bool) {
	n, path := o.get(key)
	if n == nil {
		return span{}, false
	}
	if n.kind == kindNumber {
		v, ok := o.d.integer(n, path, lo, math.MaxInt64)
		return span{min: v, max: v, hasMin: true, hasMax: true}, ok
	}
	r := o.d.object(n, path)
	if r == nil {
		return span{}, false
	}
	var s span
	s.min, s.hasMin = r.integer("min", false, lo, math.MaxInt64)
	s.max, s.hasMax = r.integer("max", false, lo, math.MaxInt64)
	r.finish()
	switch {
	case !s.hasMin && !s.hasMax:
		if !r.has("min") && !r.has("max") {
			o.d.fail(n, path, `want "min", "max" or both`)
		}
		return span{}, false
	case s.hasMin && s.hasMax && s.min > s.max:
		o.d.fail(n, path, "min %d is greater than max %d", s.min, s.max)
		return span{}, false
	}
	return s, true
}

// list reads an optional list.
func (o *object) list(key string) ([]*node, string) {
	n, path := o.get(key)
	if n == nil {
		return nil, path
	}
	if n.kind != kindArray {
		o.d.fail(n, path, "want a list, got %s", describe(n))
		return nil, path
	}
	return n.vals, path
}

// one returns which of keys is present, reporting none or several.
func (o *object) one(what string, keys ...string) string {
	var found []string
	for _, k := range keys {
		if o.has(k) {
			found = append(found, k)
		}
	}
	switch len(found) {
	case 1:
		return found[0]
	case 0:
		o.asked = append(o.asked, keys...)
		o.d.fail(o.n, o.path, "want one of %s (%s)", quoteAll(keys), what)
	default:
		o.d.fail(o.n, o.path, "%s are alternatives; give only one", quoteAll(found))
	}
	return ""
}

func quoteAll(keys []string) string {
	q := make([]string, len(keys))
	for i, k := range keys {
		q[i] = strconv.Quote(k)
	}
	return strings.Join(q, ", ")
}

// nearest returns the candidate closest to key, if it is close enough to
// be a typo.
func nearest(key string, candidates []string) string {
	best, bestD := "", 3
	for _, c := range candidates {
		if d := editDistance(strings.ToLower(key), c); d < bestD && d < max(len(c), 2) {
			best, bestD = c, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 99
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
