package fault

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Load reads a plan from a file: JSON if the name ends in .json, YAML if
// in .yaml or .yml, else guessed from the first byte.
func Load(path string) (*Plan, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var p *Plan
	switch strings.ToLower(filepath.Ext(path)) {
	case ".json":
		p, err = ParseJSON(b)
	case ".yaml", ".yml":
		p, err = ParseYAML(b)
	default:
		p, err = Parse(b)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}

// Parse parses a plan in JSON (when it starts with '{') or YAML.
func Parse(b []byte) (*Plan, error) {
	if t := bytes.TrimLeft(b, " \t\r\n"); len(t) > 0 && t[0] == '{' {
		return ParseJSON(b)
	}
	return ParseYAML(b)
}

// ParseJSON parses and validates a plan written in JSON.
func ParseJSON(b []byte) (*Plan, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	v, err := jsonValue(dec, "plan", 0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("plan: JSON continues after the plan")
	}
	return fromTree(v)
}

// ParseYAML parses and validates a plan written in YAML (one document).
func ParseYAML(b []byte) (*Plan, error) {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if err == io.EOF {
			return nil, errors.New("plan: empty")
		}
		return nil, fmt.Errorf("plan: %w", err)
	}
	var more yaml.Node
	if err := dec.Decode(&more); err != io.EOF {
		return nil, errors.New("plan: want one YAML document")
	}
	v, err := yamlValue(&doc, "plan", 0)
	if err != nil {
		return nil, err
	}
	return fromTree(v)
}

// The generic tree both formats parse into: object (keys in order, no
// duplicates), []any, number (its literal text), string, bool, nil.
type object struct {
	keys []string
	vals map[string]any
}

type number string

const maxDepth = 32

func jsonValue(dec *json.Decoder, path string, depth int) (any, error) {
	if depth > maxDepth {
		return nil, pathErr(path, "nested too deeply")
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			o := &object{vals: map[string]any{}}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, fmt.Errorf("%s: %w", path, err)
				}
				k, _ := kt.(string)
				if _, dup := o.vals[k]; dup {
					return nil, pathErr(path+"."+k, "given twice")
				}
				v, err := jsonValue(dec, path+"."+k, depth+1)
				if err != nil {
					return nil, err
				}
				o.keys = append(o.keys, k)
				o.vals[k] = v
			}
			if _, err := dec.Token(); err != nil {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
			return o, nil
		case '[':
			list := []any{}
			for i := 0; dec.More(); i++ {
				v, err := jsonValue(dec, fmt.Sprintf("%s[%d]", path, i), depth+1)
				if err != nil {
					return nil, err
				}
				list = append(list, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
			return list, nil
		}
		return nil, pathErr(path, "unexpected %v", t)
	case json.Number:
		return number(t), nil
	default:
		return t, nil // string, bool or nil
	}
}

func yamlValue(n *yaml.Node, path string, depth int) (any, error) {
	if depth > maxDepth {
		return nil, pathErr(path, "nested too deeply")
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) != 1 {
			return nil, pathErr(path, "empty document")
		}
		return yamlValue(n.Content[0], path, depth+1)
	case yaml.AliasNode:
		return nil, pathErr(path, "YAML aliases are not supported (line %d)", n.Line)
	case yaml.SequenceNode:
		list := []any{}
		for i, c := range n.Content {
			v, err := yamlValue(c, fmt.Sprintf("%s[%d]", path, i), depth+1)
			if err != nil {
				return nil, err
			}
			list = append(list, v)
		}
		return list, nil
	case yaml.MappingNode:
		o := &object{vals: map[string]any{}}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode {
				return nil, pathErr(path, "a key must be a plain string (line %d)", k.Line)
			}
			if _, dup := o.vals[k.Value]; dup {
				return nil, pathErr(path+"."+k.Value, "given twice (line %d)", k.Line)
			}
			v, err := yamlValue(n.Content[i+1], path+"."+k.Value, depth+1)
			if err != nil {
				return nil, err
			}
			o.keys = append(o.keys, k.Value)
			o.vals[k.Value] = v
		}
		return o, nil
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return nil, nil
		case "!!bool":
			var b bool
			if err := n.Decode(&b); err != nil {
				return nil, pathErr(path, "%v", err)
			}
			return b, nil
		case "!!int", "!!float":
			return number(n.Value), nil
		case "!!str":
			return n.Value, nil
		}
		return nil, pathErr(path, "unsupported YAML value %s (line %d)", n.ShortTag(), n.Line)
	}
	return nil, pathErr(path, "unsupported YAML node (line %d)", n.Line)
}

func fromTree(v any) (*Plan, error) {
	var p Plan
	if err := decode(reflect.ValueOf(&p).Elem(), v, ""); err != nil {
		return nil, err
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return &p, nil
}

var durationType = reflect.TypeOf(Duration(0))
var hex32Type = reflect.TypeOf(Hex32(0))

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func typeName(v any) string {
	switch v.(type) {
	case *object:
		return "an object"
	case []any:
		return "a list"
	case number:
		return "a number"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", v)
}

// decode stores the tree value v into dst, strictly: unknown fields, wrong
// types and out-of-range numbers are errors naming path.
func decode(dst reflect.Value, v any, path string) error {
	where := path
	if where == "" {
		where = "plan"
	}
	if dst.Type() == hex32Type {
		var text string
		switch t := v.(type) {
		case number:
			text = string(t)
		case string:
			text = t
		default:
			return pathErr(where, "want an address (0x… or an integer), got %s", typeName(v))
		}
		a, err := strconv.ParseUint(text, 0, 32)
		if err != nil {
			return pathErr(where, "%q is not a 32-bit address", text)
		}
		dst.SetUint(a)
		return nil
	}
	if dst.Type() == durationType {
		d, err := parseDuration(v)
		if err != nil {
			return pathErr(where, "%v", err)
		}
		dst.SetInt(int64(d))
		return nil
	}
	switch dst.Kind() {
	case reflect.Pointer:
		if v == nil {
			return pathErr(where, "null is not allowed")
		}
		nv := reflect.New(dst.Type().Elem())
		if err := decode(nv.Elem(), v, path); err != nil {
			return err
		}
		dst.Set(nv)
		return nil
	case reflect.Struct:
		o, ok := v.(*object)
		if !ok {
			return pathErr(where, "want an object, got %s", typeName(v))
		}
		fields := map[string]int{}
		var names []string
		for i := 0; i < dst.NumField(); i++ {
			name, _, _ := strings.Cut(dst.Type().Field(i).Tag.Get("json"), ",")
			fields[name] = i
			names = append(names, name)
		}
		for _, k := range o.keys {
			i, ok := fields[k]
			if !ok {
				sort.Strings(names)
				return pathErr(join(path, k), "unknown field (want one of %s)", strings.Join(names, ", "))
			}
			if err := decode(dst.Field(i), o.vals[k], join(path, k)); err != nil {
				return err
			}
		}
		return nil
	case reflect.Slice:
		list, ok := v.([]any)
		if !ok {
			return pathErr(where, "want a list, got %s", typeName(v))
		}
		if len(list) == 0 {
			return nil // nil, like an absent list
		}
		s := reflect.MakeSlice(dst.Type(), len(list), len(list))
		for i, e := range list {
			if err := decode(s.Index(i), e, fmt.Sprintf("%s[%d]", where, i)); err != nil {
				return err
			}
		}
		dst.Set(s)
		return nil
	case reflect.Map: // map[string]string
		o, ok := v.(*object)
		if !ok {
			return pathErr(where, "want an object, got %s", typeName(v))
		}
		if len(o.keys) == 0 {
			return nil // nil, like an absent object
		}
		m := reflect.MakeMapWithSize(dst.Type(), len(o.keys))
		for _, k := range o.keys {
			s, err := scalarText(o.vals[k])
			if err != nil {
				return pathErr(join(path, k), "%v", err)
			}
			m.SetMapIndex(reflect.ValueOf(k), reflect.ValueOf(s))
		}
		dst.Set(m)
		return nil
	case reflect.String:
		s, ok := v.(string)
		if !ok {
			return pathErr(where, "want a string, got %s", typeName(v))
		}
		dst.SetString(s)
		return nil
	case reflect.Bool:
		b, ok := v.(bool)
		if !ok {
			return pathErr(where, "want true or false, got %s", typeName(v))
		}
		dst.SetBool(b)
		return nil
	case reflect.Int, reflect.Int64:
		n, ok := v.(number)
		if !ok {
			return pathErr(where, "want an integer, got %s", typeName(v))
		}
		i, err := strconv.ParseInt(string(n), 0, dst.Type().Bits())
		if err != nil || i > math.MaxInt32 && dst.Kind() == reflect.Int {
			return pathErr(where, "%s is not an integer in range", n)
		}
		dst.SetInt(i)
		return nil
	case reflect.Uint32, reflect.Uint64:
		n, ok := v.(number)
		if !ok {
			return pathErr(where, "want an integer, got %s", typeName(v))
		}
		u, err := strconv.ParseUint(string(n), 0, dst.Type().Bits())
		if err != nil {
			return pathErr(where, "%s is not an integer in 0..%d", n, uint64(1)<<dst.Type().Bits()-1)
		}
		dst.SetUint(u)
		return nil
	case reflect.Float64:
		n, ok := v.(number)
		if !ok {
			return pathErr(where, "want a number, got %s", typeName(v))
		}
		f, err := strconv.ParseFloat(string(n), 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return pathErr(where, "%s is not a finite number", n)
		}
		dst.SetFloat(f)
		return nil
	}
	return pathErr(where, "cannot decode into %s", dst.Type())
}

// scalarText returns a field value to compare with an event field's text.
func scalarText(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case number:
		return string(x), nil
	case bool:
		return strconv.FormatBool(x), nil
	}
	return "", fmt.Errorf("want a string, number or boolean, got %s", typeName(v))
}

// parseDuration reads an integer of nanoseconds or a duration string.
func parseDuration(v any) (Duration, error) {
	switch x := v.(type) {
	case number:
		i, err := strconv.ParseInt(string(x), 0, 64)
		if err != nil {
			return 0, fmt.Errorf("%s is not an integer of nanoseconds", x)
		}
		return Duration(i), nil
	case string:
		d, err := time.ParseDuration(x)
		if err != nil {
			return 0, fmt.Errorf("%q is not a duration such as \"1.5s\" or \"200ms\"", x)
		}
		return Duration(d), nil
	}
	return 0, fmt.Errorf("want a duration (\"1.5s\", or nanoseconds), got %s", typeName(v))
}
