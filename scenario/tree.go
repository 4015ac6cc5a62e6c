package scenario

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// maxDepth bounds nesting; a scenario needs four levels.
const maxDepth = 64

type kind uint8

const (
	kindNull kind = iota
	kindBool
	kindNumber
	kindString
	kindObject
	kindArray
)

func (k kind) String() string {
	return [...]string{"null", "a boolean", "a number", "a string", "an object", "a list"}[k]
}

// node is a parsed JSON or YAML value with the line it starts on, so that
// one decoder serves both formats and every problem can name its place.
type node struct {
	kind kind
	text string   // a scalar's text: the string, the number as written, "true" or "false"
	keys []string // an object's keys, in order
	vals []*node  // an object's values or a list's elements
	line int      // 1-based; 0 when unknown
}

// isJSON reports whether data should be read as JSON: its first
// non-blank character (after an optional byte-order mark) is '{'.
func isJSON(data []byte) bool {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	data = bytes.TrimLeft(data, " \t\r\n")
	return len(data) > 0 && data[0] == '{'
}

// lineIndex maps byte offsets to line numbers.
type lineIndex []int // offsets of '\n'

func newLineIndex(data []byte) lineIndex {
	var li lineIndex
	for i, c := range data {
		if c == '\n' {
			li = append(li, i)
		}
	}
	return li
}

func (li lineIndex) line(off int64) int {
	return 1 + sort.SearchInts(li, int(off))
}

// parseJSON reads one JSON object, rejecting duplicate keys and trailing data.
func parseJSON(data []byte) (*node, *Problem) {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	p := &jsonParser{data: data, lines: newLineIndex(data), dec: json.NewDecoder(bytes.NewReader(data))}
	p.dec.UseNumber()
	n, prob := p.value(0)
	if prob != nil {
		return nil, prob
	}
	if _, err := p.dec.Token(); err != io.EOF {
		return nil, &Problem{Line: p.here(), Msg: "unexpected data after the scenario object"}
	}
	return n, nil
}

type jsonParser struct {
	data  []byte
	lines lineIndex
	dec   *json.Decoder
}

// here returns the line of the next token.
func (p *jsonParser) here() int {
	off := p.dec.InputOffset()
	for off < int64(len(p.data)) && strings.IndexByte(" \t\r\n,:", p.data[off]) >= 0 {
		off++
	}
	return p.lines.line(off)
}

func (p *jsonParser) fail(err error) *Problem {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return &Problem{Line: p.lines.line(syn.Offset), Msg: "invalid JSON: " + syn.Error()}
	}
	if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
		return &Problem{Line: p.lines.line(int64(len(p.data))), Msg: "invalid JSON: unexpected end of input"}
	}
	return &Problem{Line: p.here(), Msg: "invalid JSON: " + err.Error()}
}

func (p *jsonParser) value(depth int) (*node, *Problem) {
	line := p.here()
	if depth > maxDepth {
		return nil, &Problem{Line: line, Msg: fmt.Sprintf("nested more than %d levels deep", maxDepth)}
	}
	tok, err := p.dec.Token()
	if err != nil {
		return nil, p.fail(err)
	}
	n := &node{line: line}
	switch v := tok.(type) {
	case nil:
		n.kind = kindNull
	case bool:
		n.kind, n.text = kindBool, fmt.Sprint(v)
	case json.Number:
		n.kind, n.text = kindNumber, string(v)
	case string:
		n.kind, n.text = kindString, v
	case json.Delim:
		if v == '[' {
			n.kind = kindArray
			for p.dec.More() {
				e, prob := p.value(depth + 1)
				if prob != nil {
					return nil, prob
				}
				n.vals = append(n.vals, e)
			}
		} else {
			n.kind = kindObject
			for p.dec.More() {
				kline := p.here()
				kt, err := p.dec.Token()
				if err != nil {
					return nil, p.fail(err)
				}
				key, _ := kt.(string) // the decoder only yields strings here
				for _, k := range n.keys {
					if k == key {
						return nil, &Problem{Line: kline, Msg: fmt.Sprintf("duplicate key %q", key)}
					}
				}
				val, prob := p.value(depth + 1)
				if prob != nil {
					return nil, prob
				}
				n.keys, n.vals = append(n.keys, key), append(n.vals, val)
			}
		}
		if _, err := p.dec.Token(); err != nil { // the closing delimiter
			return nil, p.fail(err)
		}
	}
	return n, nil
}

// parseYAML reads one YAML document. Aliases, custom tags and further
// documents are refused, so that the file means exactly what it says.
func parseYAML(data []byte) (n *node, prob *Problem) {
	defer func() {
		if r := recover(); r != nil { // the YAML library must not take the emulator down
			n, prob = nil, &Problem{Msg: fmt.Sprintf("invalid YAML: the parser failed: %v", r)}
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if err == io.EOF {
			return nil, &Problem{Msg: "the scenario is empty"}
		}
		return nil, &Problem{Msg: "invalid YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	var more yaml.Node
	switch err := dec.Decode(&more); {
	case err == nil:
		return nil, &Problem{Line: more.Line, Msg: "a scenario is one YAML document; found another"}
	case err != io.EOF:
		return nil, &Problem{Msg: "invalid YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	return fromYAML(&doc, 0)
}

func fromYAML(y *yaml.Node, depth int) (*node, *Problem) {
	if depth > maxDepth {
		return nil, &Problem{Line: y.Line, Msg: fmt.Sprintf("nested more than %d levels deep", maxDepth)}
	}
	n := &node{line: y.Line}
	switch y.Kind {
	case yaml.DocumentNode:
		if len(y.Content) == 0 {
			return &node{kind: kindNull, line: y.Line}, nil
		}
		return fromYAML(y.Content[0], depth+1)
	case yaml.AliasNode:
		return nil, &Problem{Line: y.Line, Msg: "YAML aliases (*" + y.Value + ") are not supported; write the value out"}
	case yaml.SequenceNode:
		n.kind = kindArray
		for _, c := range y.Content {
			e, prob := fromYAML(c, depth+1)
			if prob != nil {
				return nil, prob
			}
			n.vals = append(n.vals, e)
		}
	case yaml.MappingNode:
		n.kind = kindObject
		for i := 0; i+1 < len(y.Content); i += 2 {
			k := y.Content[i]
			if k.Kind != yaml.ScalarNode {
				return nil, &Problem{Line: k.Line, Msg: "a key must be a plain string"}
			}
			for _, have := range n.keys {
				if have == k.Value {
					return nil, &Problem{Line: k.Line, Msg: fmt.Sprintf("duplicate key %q", k.Value)}
				}
			}
			v, prob := fromYAML(y.Content[i+1], depth+1)
			if prob != nil {
				return nil, prob
			}
			n.keys, n.vals = append(n.keys, k.Value), append(n.vals, v)
		}
	case yaml.ScalarNode:
		n.text = y.Value
		switch tag := y.ShortTag(); tag {
		case "!!str":
			n.kind = kindString
		case "!!int", "!!float":
			n.kind = kindNumber
		case "!!bool":
			n.kind, n.text = kindBool, strings.ToLower(y.Value)
		case "!!null":
			n.kind, n.text = kindNull, ""
		default:
			return nil, &Problem{Line: y.Line, Msg: fmt.Sprintf("YAML tag %s is not supported", tag)}
		}
	default:
		return nil, &Problem{Line: y.Line, Msg: "unsupported YAML node"}
	}
	return n, nil
}
