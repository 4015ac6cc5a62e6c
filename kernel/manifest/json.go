package manifest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxDepth bounds the nesting of arrays and objects. A valid manifest nests
// three levels deep; anything deeper than this is reported as InvalidJson.
const maxDepth = 64

// kind is the JSON type of a value.
type kind uint8

const (
	kindNull kind = iota
	kindBool
	kindNumber
	kindString
	kindArray
	kindObject
)

// String names the JSON type as an error message would.
func (k kind) String() string {
	switch k {
	case kindNull:
		return "null"
	case kindBool:
		return "a boolean"
	case kindNumber:
		return "a number"
	case kindString:
		return "a string"
	case kindArray:
		return "an array"
	default:
		return "an object"
	}
}

// value is a decoded JSON value that, unlike map[string]any, keeps the
// order of object members and the exact text of numbers.
type value struct {
	kind kind
	b    bool     // kindBool
	s    string   // kindString: the string; kindNumber: the literal
	arr  []value  // kindArray
	obj  []member // kindObject, in document order
}

// member is one name/value pair of a JSON object.
type member struct {
	key string
	val value
}

// get returns the member named key of an object and whether it exists.
func (v *value) get(key string) (*value, bool) {
	for i := range v.obj {
		if v.obj[i].key == key {
			return &v.obj[i].val, true
		}
	}
	return nil, false
}

// decode parses b as exactly one JSON value. It rejects what encoding/json
// would quietly accept and a device parser might read differently: invalid
// UTF-8, duplicate object keys, and trailing data.
func decode(b []byte) (value, error) {
	if !utf8.Valid(b) {
		return value{}, errors.New("not valid UTF-8")
	}
	if !json.Valid(b) {
		// Ask encoding/json for a precise message.
		var x any
		err := json.Unmarshal(b, &x)
		if err == nil {
			err = errors.New("not a single JSON value")
		}
		return value{}, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	v, err := decodeValue(dec, 0)
	if err != nil {
		return value{}, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return value{}, errors.New("data after the top-level value")
	}
	return v, nil
}

// decodeValue reads one value from dec's token stream.
func decodeValue(dec *json.Decoder, depth int) (value, error) {
	tok, err := dec.Token()
	if err != nil {
		return value{}, err
	}
	switch t := tok.(type) {
	case nil:
		return value{kind: kindNull}, nil
	case bool:
		return value{kind: kindBool, b: t}, nil
	case json.Number:
		return value{kind: kindNumber, s: string(t)}, nil
	case string:
		return value{kind: kindString, s: t}, nil
	case json.Delim:
		if depth >= maxDepth {
			return value{}, fmt.Errorf("nested more than %d levels deep", maxDepth)
		}
		switch t {
		case '[':
			v := value{kind: kindArray, arr: []value{}}
			for dec.More() {
				elem, err := decodeValue(dec, depth+1)
				if err != nil {
					return value{}, err
				}
				v.arr = append(v.arr, elem)
			}
			if _, err := dec.Token(); err != nil { // ']'
				return value{}, err
			}
			return v, nil
		case '{':
			v := value{kind: kindObject, obj: []member{}}
			seen := map[string]bool{}
			for dec.More() {
				keyTok, err := dec.Token()
				if err != nil {
					return value{}, err
				}
				key, ok := keyTok.(string)
				if !ok {
					return value{}, errors.New("object key is not a string")
				}
				if seen[key] {
					return value{}, fmt.Errorf("duplicate key %q", key)
				}
				seen[key] = true
				elem, err := decodeValue(dec, depth+1)
				if err != nil {
					return value{}, err
				}
				v.obj = append(v.obj, member{key: key, val: elem})
			}
			if _, err := dec.Token(); err != nil { // '}'
				return value{}, err
			}
			return v, nil
		}
	}
	return value{}, fmt.Errorf("unexpected token %v", tok)
}

// intResult classifies a JSON number read as an integer.
type intResult uint8

const (
	intOK         intResult = iota // an integer that fits in an int
	intNotInteger                  // not a number, or a number with a fraction or exponent
	intTooLarge                    // an integer above the int range
	intTooSmall                    // an integer below the int range
)

// asInt reads v as an integer. Only integer literals count: 8.0 and 8e0
// are rejected as non-integers, like a strict C parser reading an int.
func asInt(v *value) (int, intResult) {
	if v.kind != kindNumber || strings.ContainsAny(v.s, ".eE") {
		return 0, intNotInteger
	}
	n, err := strconv.ParseInt(v.s, 10, strconv.IntSize)
	if err != nil {
		if strings.HasPrefix(v.s, "-") {
			return 0, intTooSmall
		}
		return 0, intTooLarge
	}
	return int(n), intOK
}

// describe renders v briefly for an error message.
func describe(v *value) string {
	switch v.kind {
	case kindString:
		s := v.s
		if len(s) > 64 {
			s = s[:64] + "..."
		}
		return strconv.Quote(s)
	case kindNumber:
		s := v.s
		if len(s) > 32 {
			s = s[:32] + "..."
		}
		return s
	case kindBool:
		return strconv.FormatBool(v.b)
	default:
		return v.kind.String()
	}
}
