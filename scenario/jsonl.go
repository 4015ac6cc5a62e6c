package scenario

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/sphere-emu/sphere-emu/trace"
)

// ReadJSONL reads a trace written by trace.JSONL (sphere-emu boot --trace):
// one object per line with "t" (an integer), "dom" and "ev" (strings) and
// the event's fields, whose values are strings, integers or booleans. Blank
// lines are skipped; anything else that does not fit is an error naming
// its line.
func ReadJSONL(r io.Reader) ([]trace.Event, error) {
	br := bufio.NewReader(r)
	var events []trace.Event
	for line := 1; ; line++ {
		b, err := br.ReadBytes('\n')
		if len(bytes.TrimSpace(b)) > 0 {
			e, perr := decodeEvent(b)
			if perr != nil {
				return nil, fmt.Errorf("trace line %d: %w", line, perr)
			}
			events = append(events, e)
		}
		if err == io.EOF {
			return events, nil
		}
		if err != nil {
			return nil, fmt.Errorf("trace line %d: %w", line, err)
		}
	}
}

func decodeEvent(b []byte) (trace.Event, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var e trace.Event
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return e, errors.New("want a JSON object")
	}
	seen := map[string]bool{}
	var hasT, hasDom, hasEv bool
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return e, fmt.Errorf("invalid JSON: %v", err)
		}
		key, _ := kt.(string)
		if seen[key] {
			return e, fmt.Errorf("duplicate key %q", key)
		}
		seen[key] = true
		vt, err := dec.Token()
		if err != nil {
			return e, fmt.Errorf("invalid JSON: %v", err)
		}
		switch key {
		case "t":
			n, ok := vt.(json.Number)
			t, err := strconv.ParseInt(string(n), 10, 64)
			if !ok || err != nil {
				return e, fmt.Errorf(`"t" must be an integer number of nanoseconds, got %v`, vt)
			}
			e.T, hasT = t, true
		case "dom", "ev":
			s, ok := vt.(string)
			if !ok {
				return e, fmt.Errorf("%q must be a string, got %v", key, vt)
			}
			if key == "dom" {
				e.Dom, hasDom = s, true
			} else {
				e.Ev, hasEv = s, true
			}
		default:
			f, err := fieldValue(key, vt)
			if err != nil {
				return e, err
			}
			e.Fields = append(e.Fields, f)
		}
	}
	if _, err := dec.Token(); err != nil {
		return e, fmt.Errorf("invalid JSON: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return e, errors.New("unexpected data after the event object")
	}
	switch {
	case !hasT:
		return e, errors.New(`missing "t"`)
	case !hasDom:
		return e, errors.New(`missing "dom"`)
	case !hasEv:
		return e, errors.New(`missing "ev"`)
	}
	return e, nil
}

func fieldValue(key string, v json.Token) (trace.Field, error) {
	switch x := v.(type) {
	case string:
		return trace.Str(key, x), nil
	case bool:
		return trace.Bool(key, x), nil
	case json.Number:
		if i, err := strconv.ParseInt(string(x), 10, 64); err == nil {
			return trace.Int(key, i), nil
		}
		if u, err := strconv.ParseUint(string(x), 10, 64); err == nil {
			return trace.Uint(key, u), nil
		}
		return trace.Field{}, fmt.Errorf("field %q: %s is not an integer", key, x)
	case json.Delim:
		return trace.Field{}, fmt.Errorf("field %q: nested values are not part of the trace format", key)
	}
	return trace.Field{}, fmt.Errorf("field %q: null is not part of the trace format", key)
}
