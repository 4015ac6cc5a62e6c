package hwdef

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/sphere-emu/sphere-emu/kernel/manifest"
)

// peripheralFields are the manifest capabilities whose entries may be
// "$NAME" references, each with the hardware-definition Type its
// peripherals have.
var peripheralFields = map[string]string{
	"Gpio":              "Gpio",
	"Uart":              "Uart",
	"I2cMaster":         "I2cMaster",
	"SpiMaster":         "SpiMaster",
	"Adc":               "Adc",
	"Pwm":               "Pwm",
	"I2sSubordinate":    "I2sSubordinate",
	"ExternalInterrupt": "ExternalInterrupt",
}

// knownTypes are the peripheral Types checked against the capability that
// references them; other Types (vendor extensions) are not checked.
var knownTypes = map[string]bool{
	"Gpio": true, "Uart": true, "I2cMaster": true, "SpiMaster": true, "Adc": true,
	"Pwm": true, "I2sSubordinate": true, "ExternalInterrupt": true, "int": true,
}

// Resolution is one "$NAME" reference that ResolveManifest replaced.
type Resolution struct {
	Field string // where, such as "Capabilities.Gpio[0]"
	Ref   string // the reference, such as "$SAMPLE_LED"
	Via   string // the mapping chain, such as "SAMPLE_LED -> MT3620_RDB_LED1_RED -> MT3620_GPIO8"
	Value any    // the AppManifestValue written in its place: an int or a string
}

// ResolveError lists the references ResolveManifest could not resolve.
type ResolveError struct {
	Problems []string // one per reference: `Capabilities.Gpio[0] "$NAME": why`
}

func (e *ResolveError) Error() string {
	if len(e.Problems) == 1 {
		return e.Problems[0]
	}
	return fmt.Sprintf("%d unresolved hardware-definition references:\n  %s", len(e.Problems), strings.Join(e.Problems, "\n  "))
}

// ResolveManifest replaces every "$NAME" reference in the peripheral
// capabilities of src, a developer's app_manifest.json, with the
// AppManifestValue that d resolves it to, as the SDK does when it packs an
// app. Everything else, formatting included, is kept byte for byte (a
// leading UTF-8 byte-order mark is dropped). The result is validated as the
// device validates a packaged manifest (manifest.Parse).
//
// d may be nil when the manifest has no references. A reference is an error
// when d does not define the name, when the name's chain ends without an
// AppManifestValue, or when the peripheral's Type is a different
// capability's (a Uart name in I2cMaster, say); a *ResolveError lists them
// all. Invalid source manifests give the *manifest.Error of
// manifest.ParseSource.
func ResolveManifest(src []byte, d *Definition) ([]byte, []Resolution, error) {
	m, err := manifest.ParseSource(src)
	if err != nil {
		return nil, nil, err
	}
	text := bytes.TrimPrefix(src, utf8BOM)
	if len(m.Capabilities.Unresolved) == 0 {
		return bytes.Clone(text), nil, nil
	}
	var res []Resolution
	var problems []string
	out, err := rewriteStrings(text, func(p []string, s string) (any, bool) {
		if len(p) != 3 || p[0] != "Capabilities" || !strings.HasPrefix(s, "$") {
			return nil, false
		}
		wantType, ok := peripheralFields[p[1]]
		if !ok {
			return nil, false
		}
		field := "Capabilities." + p[1] + "[" + p[2] + "]"
		fail := func(format string, args ...any) (any, bool) {
			problems = append(problems, fmt.Sprintf("%s %q: ", field, s)+fmt.Sprintf(format, args...))
			return nil, false
		}
		if d == nil {
			return fail("needs a hardware definition to resolve it, and there is none")
		}
		chain, err := d.Chain(s)
		if err != nil {
			return fail("%v", err)
		}
		v, err := d.Resolve(s)
		if err != nil {
			return fail("%v", err)
		}
		if t := chain[0].Type; knownTypes[t] && t != wantType {
			return fail("%s has Type %s (%s), so it cannot be requested as %s", chain[0].Name, t, chain[0].File, wantType)
		}
		res = append(res, Resolution{Field: field, Ref: s, Via: via(chain), Value: v})
		return v, true
	})
	if err != nil {
		return nil, nil, err
	}
	if len(problems) > 0 {
		return nil, nil, &ResolveError{Problems: problems}
	}
	if _, err := manifest.Parse(out); err != nil {
		return nil, res, err
	}
	return out, res, nil
}

// rewriteStrings returns the JSON document src with each string value for
// which repl returns true replaced by the JSON encoding of its result;
// everything else is copied unchanged. repl gets the value's path: object
// keys and array indexes from the root.
func rewriteStrings(src []byte, repl func(path []string, s string) (any, bool)) ([]byte, error) {
	type frame struct {
		obj     bool
		key     string
		idx     int
		wantKey bool
	}
	var stack []frame
	var out bytes.Buffer
	copied := 0 // src[:copied] is already in out
	prevEnd := 0
	dec := json.NewDecoder(bytes.NewReader(src))
	dec.UseNumber()
	// afterValue moves the innermost container past a complete value.
	afterValue := func() {
		if n := len(stack); n > 0 {
			if stack[n-1].obj {
				stack[n-1].wantKey = true
			} else {
				stack[n-1].idx++
			}
		}
	}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		end := int(dec.InputOffset())
		start := prevEnd
		for start < end && strings.IndexByte(" \t\r\n,:", src[start]) >= 0 {
			start++
		}
		prevEnd = end
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				stack = append(stack, frame{obj: t == '{', wantKey: t == '{'})
			default:
				stack = stack[:len(stack)-1]
				afterValue()
			}
			continue
		case string:
			if n := len(stack); n > 0 && stack[n-1].obj && stack[n-1].wantKey {
				stack[n-1].key, stack[n-1].wantKey = t, false
				continue
			}
			path := make([]string, len(stack))
			for i, f := range stack {
				if f.obj {
					path[i] = f.key
				} else {
					path[i] = strconv.Itoa(f.idx)
				}
			}
			if v, ok := repl(path, t); ok {
				enc, err := encodeValue(v)
				if err != nil {
					return nil, err
				}
				out.Write(src[copied:start])
				out.Write(enc)
				copied = end
			}
		}
		afterValue()
	}
	if len(stack) != 0 {
		return nil, errors.New("unexpected end of JSON input")
	}
	out.Write(src[copied:])
	return out.Bytes(), nil
}

// encodeValue encodes v as JSON without HTML escaping.
func encodeValue(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
