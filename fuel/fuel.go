// Package fuel instruments a WebAssembly module with a fuel counter, so that
// guest execution can be metered deterministically: virtual time advances
// with the instructions a guest executes, the scheduler can preempt a guest
// that never yields, and a spinning guest can never stall the Go process.
//
// Instrument adds a mutable i64 global (exported, initially 0) that holds
// the remaining fuel and a function import () -> () that the module calls
// when the fuel is negative. Code is split into straight-line segments; each
// segment subtracts its static cost (see Cost) when it starts. Function
// entries, loop headers and bulk memory/table instructions also check the
// counter and call the import if it went negative. See docs/fuel.md for the
// callback contract.
package fuel

import (
	"bytes"
	"fmt"
	"math"
	"strings"
	"unicode/utf8"
)

// Defaults for Options.
const (
	DefaultImportModule = "sphere_fuel"
	DefaultImportName   = "out_of_fuel"
	DefaultGlobalExport = "__fuel"
)

// Options control the instrumentation. Zero fields take the defaults.
type Options struct {
	// ImportModule and ImportName name the host callback that the module
	// calls when fuel runs out: a function () -> () it imports. If the
	// module already imports a function () -> () under this name, that
	// import is reused.
	ImportModule, ImportName string
	// GlobalExport is the export name of the new mutable i64 fuel global.
	GlobalExport string
}

// recoverAll makes Instrument turn any panic, including one caused by a bug
// in this package, into an error. Tests (the fuzzer) turn it off so that
// such bugs surface.
var recoverAll = true

// Instrument returns a copy of the module wasm with metering added, or an *Error
// naming what it cannot handle (offset, section, opcode). It never modifies
// wasm. The output is valid whenever the input is a valid module that uses
// only the features wazero enables by default (WebAssembly 2.0: sign
// extension, saturating truncation, bulk memory, reference types,
// multi-value, SIMD); tail calls and atomics (threads) are handled as well;
// exception handling, typed function references, GC, multi-memory and
// memory64 are refused.
func Instrument(wasm []byte, opts Options) (out []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			if f, ok := r.(failure); ok {
				out, err = nil, f.err
				return
			}
			if !recoverAll {
				panic(r)
			}
			out, err = nil, &Error{Section: "?", Func: -1, Msg: fmt.Sprintf("internal error: %v", r)}
		}
	}()
	if opts.ImportModule == "" {
		opts.ImportModule = DefaultImportModule
	}
	if opts.ImportName == "" {
		opts.ImportName = DefaultImportName
	}
	if opts.GlobalExport == "" {
		opts.GlobalExport = DefaultGlobalExport
	}
	for _, s := range []string{opts.ImportModule, opts.ImportName, opts.GlobalExport} {
		if !utf8.ValidString(s) {
			return nil, &Error{Section: "options", Func: -1, Msg: fmt.Sprintf("name %q is not valid UTF-8", s)}
		}
	}
	m := &module{opts: opts, in: wasm}
	m.split()
	m.scan()
	m.rewrite()
	return m.encode(), nil
}

// Section ids.
const (
	secCustom    = 0
	secType      = 1
	secImport    = 2
	secFunction  = 3
	secTable     = 4
	secMemory    = 5
	secGlobal    = 6
	secExport    = 7
	secStart     = 8
	secElement   = 9
	secCode      = 10
	secData      = 11
	secDataCount = 12
	secTag       = 13
)

var sectionNames = [...]string{"custom", "type", "import", "function", "table", "memory", "global",
	"export", "start", "element", "code", "data", "data count", "tag"}

// sectionRank is the position of each known section id in the order the
// binary format requires (custom sections may appear anywhere).
var sectionRank = [...]int{secType: 1, secImport: 2, secFunction: 3, secTable: 4, secMemory: 5,
	secTag: 6, secGlobal: 7, secExport: 8, secStart: 9, secElement: 10, secDataCount: 11,
	secCode: 12, secData: 13}

type section struct {
	id      byte
	off     int // absolute offset of content
	content []byte
	name    string // custom sections
	out     []byte // replacement content; nil keeps content
	drop    bool
}

type funcType struct {
	params, results int
}

type module struct {
	opts     Options
	in       []byte
	sections []*section
	byID     [14]*section

	types     []funcType
	funcTypes []uint32 // type index of each defined function
	nFuncImp  uint32   // imported functions
	nGlobImp  uint32   // imported globals
	nGlobDef  uint32   // defined globals

	cbType   uint32 // type index of () -> ()
	addType  bool   // cbType must be appended to the type section
	cbIdx    uint32 // function index of the callback in the output
	reuse    bool   // the module already imports the callback
	fuelIdx  uint32 // global index of the fuel counter
	totalFns uint32 // functions in the input
}

// remap maps a function index of the input module to the output module.
func (m *module) remap(r *reader, at int, idx uint32) uint32 {
	if idx >= m.totalFns {
		r.failAt(at, "", "function index %d out of range (%d functions)", idx, m.totalFns)
	}
	if m.reuse || idx < m.nFuncImp {
		return idx
	}
	return idx + 1
}

func (m *module) split() {
	r := newReader(m.in, 0, "header")
	magic := r.bytes(4)
	if !bytes.Equal(magic, []byte("\x00asm")) {
		r.failAt(0, "", "not a WebAssembly module (bad magic)")
	}
	if v := r.bytes(4); !bytes.Equal(v, []byte{1, 0, 0, 0}) {
		r.failAt(4, "", "unsupported binary version % x (components are not supported)", v)
	}
	lastRank := 0
	for !r.eof() {
		r.sec = "header"
		at := r.p
		id := r.byte()
		if int(id) >= len(sectionRank) {
			r.failAt(at, "", "unknown section id %d", id)
		}
		r.sec = sectionNames[id]
		size := r.u32("section size")
		off := r.p
		s := &section{id: id, off: off, content: r.bytes(int(size))}
		if id == secCustom {
			cr := newReader(s.content, off, "custom")
			s.name = cr.name("custom section name")
		} else {
			if id == secTag {
				r.failAt(at, "", "exception handling (tag section) is not supported")
			}
			if sectionRank[id] <= lastRank {
				r.failAt(at, "", "section out of order or duplicated")
			}
			lastRank = sectionRank[id]
			m.byID[id] = s
		}
		m.sections = append(m.sections, s)
	}
}

// scan reads the sections that the rewrite depends on: types, imports,
// functions and globals.
func (m *module) scan() {
	if s := m.byID[secType]; s != nil {
		r := newReader(s.content, s.off, "type")
		n := r.count("type count", 3)
		m.types = make([]funcType, n)
		for i := range m.types {
			at := r.p
			if form := r.byte(); form != 0x60 {
				r.failAt(at, "", "unsupported type form %#x (only function types)", form)
			}
			np := r.count("parameter count", 1)
			for range np {
				r.valType()
			}
			nr := r.count("result count", 1)
			for range nr {
				r.valType()
			}
			m.types[i] = funcType{np, nr}
		}
		m.end(r)
	}
	m.cbType = uint32(len(m.types))
	m.addType = true
	for i, t := range m.types {
		if t.params == 0 && t.results == 0 {
			m.cbType, m.addType = uint32(i), false
			break
		}
	}

	found := false
	if s := m.byID[secImport]; s != nil {
		r := newReader(s.content, s.off, "import")
		n := r.count("import count", 4)
		for range n {
			at := r.p
			mod := r.name("import module name")
			name := r.name("import name")
			match := mod == m.opts.ImportModule && name == m.opts.ImportName
			kindAt := r.p
			switch kind := r.byte(); kind {
			case 0: // function
				ti := r.u32("type index")
				if ti >= uint32(len(m.types)) {
					r.failAt(kindAt, "", "type index %d out of range", ti)
				}
				if match && !found {
					if t := m.types[ti]; t.params != 0 || t.results != 0 {
						r.failAt(at, "", "the module imports %s.%s with a type other than () -> ()", mod, name)
					}
					found, m.reuse, m.cbIdx = true, true, m.nFuncImp
				}
				m.nFuncImp++
			case 1: // table
				r.refType()
				r.limits()
			case 2: // memory
				r.limits()
			case 3: // global
				r.valType()
				if mut := r.byte(); mut > 1 {
					r.failAt(r.p-1, "", "bad global mutability %#x", mut)
				}
				m.nGlobImp++
			default:
				r.failAt(kindAt, "", "unsupported import kind %#x", kind)
			}
			if match && !m.reuse {
				r.failAt(at, "", "the module imports %s.%s as something other than a function", mod, name)
			}
		}
		m.end(r)
	}

	if s := m.byID[secFunction]; s != nil {
		r := newReader(s.content, s.off, "function")
		n := r.count("function count", 1)
		m.funcTypes = make([]uint32, n)
		for i := range m.funcTypes {
			at := r.p
			ti := r.u32("type index")
			if ti >= uint32(len(m.types)) {
				r.failAt(at, "", "type index %d out of range", ti)
			}
			m.funcTypes[i] = ti
		}
		m.end(r)
	}
	if uint64(m.nFuncImp)+uint64(len(m.funcTypes)) >= math.MaxUint32 {
		panic(failure{&Error{Section: "function", Func: -1, Msg: "too many functions"}})
	}
	m.totalFns = m.nFuncImp + uint32(len(m.funcTypes))
	if !m.reuse {
		m.cbIdx = m.nFuncImp
	}

	if s := m.byID[secGlobal]; s != nil {
		r := newReader(s.content, s.off, "global")
		m.nGlobDef = uint32(r.count("global count", 3))
	}
	if uint64(m.nGlobImp)+uint64(m.nGlobDef) >= math.MaxUint32 {
		panic(failure{&Error{Section: "global", Func: -1, Msg: "too many globals"}})
	}
	m.fuelIdx = m.nGlobImp + m.nGlobDef
}

// end checks that a section's reader consumed all of it.
func (m *module) end(r *reader) {
	if !r.eof() {
		r.fail("%d unexpected bytes at the end of the %s section", r.left(), r.sec)
	}
}

func (m *module) rewrite() {
	// Type: append () -> () if there is none.
	if m.addType {
		var b []byte
		b = appendULEB(b, uint64(len(m.types)+1))
		if s := m.byID[secType]; s != nil {
			r := newReader(s.content, s.off, "type")
			r.u32("type count")
			b = append(b, s.content[r.p:]...)
		}
		b = append(b, 0x60, 0, 0)
		m.set(secType, b)
	}

	// Import: append the callback.
	if !m.reuse {
		var b []byte
		var rest []byte
		n := 0
		if s := m.byID[secImport]; s != nil {
			r := newReader(s.content, s.off, "import")
			n = int(r.u32("import count"))
			rest = s.content[r.p:]
		}
		b = appendULEB(b, uint64(n+1))
		b = append(b, rest...)
		b = appendName(b, m.opts.ImportModule)
		b = appendName(b, m.opts.ImportName)
		b = append(b, 0x00)
		b = appendULEB(b, uint64(m.cbType))
		m.set(secImport, b)
	}

	// Global: rewrite ref.func in initializers, append the fuel counter.
	{
		var b []byte
		b = appendULEB(b, uint64(m.nGlobDef)+1)
		if s := m.byID[secGlobal]; s != nil {
			r := newReader(s.content, s.off, "global")
			n := r.count("global count", 3)
			for range n {
				start := r.p
				r.valType()
				b = append(b, r.b[start:r.p]...)
				mut := r.byte()
				if mut > 1 {
					r.failAt(r.p-1, "", "bad global mutability %#x", mut)
				}
				b = append(b, mut)
				b = m.constExpr(r, b)
			}
			m.end(r)
		}
		b = append(b, 0x7e, 0x01, 0x42, 0x00, 0x0b) // (mut i64) (i64.const 0)
		m.set(secGlobal, b)
	}

	// Export: renumber functions, export the fuel counter.
	{
		var b []byte
		n := 0
		var entries []byte
		if s := m.byID[secExport]; s != nil {
			r := newReader(s.content, s.off, "export")
			n = r.count("export count", 3)
			for range n {
				at := r.p
				name := r.name("export name")
				if name == m.opts.GlobalExport {
					r.failAt(at, "", "the module already exports %q (already instrumented?)", name)
				}
				entries = appendName(entries, name)
				kindAt := r.p
				kind := r.byte()
				idxAt := r.p
				idx := r.u32("export index")
				switch kind {
				case 0:
					idx = m.remap(r, idxAt, idx)
				case 1, 2, 3:
				default:
					r.failAt(kindAt, "", "unsupported export kind %#x", kind)
				}
				entries = append(entries, kind)
				entries = appendULEB(entries, uint64(idx))
			}
			m.end(r)
		}
		b = appendULEB(b, uint64(n+1))
		b = append(b, entries...)
		b = appendName(b, m.opts.GlobalExport)
		b = append(b, 0x03)
		b = appendULEB(b, uint64(m.fuelIdx))
		m.set(secExport, b)
	}

	// Start.
	if s := m.byID[secStart]; s != nil {
		r := newReader(s.content, s.off, "start")
		at := r.p
		idx := m.remap(r, at, r.u32("start function index"))
		m.end(r)
		m.set(secStart, appendULEB(nil, uint64(idx)))
	}

	if s := m.byID[secElement]; s != nil {
		m.set(secElement, m.elements(s))
	}

	if s := m.byID[secCode]; s != nil {
		m.set(secCode, m.code(s))
	} else if len(m.funcTypes) != 0 {
		panic(failure{&Error{Section: "function", Func: -1, Msg: "functions declared but there is no code section"}})
	}

	for _, s := range m.sections {
		if s.id != secCustom {
			continue
		}
		switch {
		case s.name == "name":
			if b, ok := m.names(s); ok {
				s.out = b
			} else {
				s.drop = true
			}
		case strings.HasPrefix(s.name, ".debug_"), strings.HasPrefix(s.name, "reloc."),
			s.name == "linking", s.name == "sourceMappingURL", s.name == "external_debug_info":
			// Code offsets in these are stale after the rewrite.
			s.drop = true
		}
	}
}

// set replaces the content of a known section, or inserts a new one at its
// place in the section order.
func (m *module) set(id byte, content []byte) {
	if s := m.byID[id]; s != nil {
		s.out = content
		return
	}
	s := &section{id: id, out: content}
	m.byID[id] = s
	rank := sectionRank[id]
	// After the last known section of lower rank; else before the first of
	// higher rank; else at the end.
	pos := -1
	for i, o := range m.sections {
		if o.id != secCustom && sectionRank[o.id] < rank {
			pos = i + 1
		}
	}
	if pos < 0 {
		pos = len(m.sections)
		for i, o := range m.sections {
			if o.id != secCustom && sectionRank[o.id] > rank {
				pos = i
				break
			}
		}
	}
	m.sections = append(m.sections, nil)
	copy(m.sections[pos+1:], m.sections[pos:])
	m.sections[pos] = s
}

func (m *module) encode() []byte {
	n := 8
	for _, s := range m.sections {
		n += 6 + len(s.content) + len(s.out)
	}
	out := make([]byte, 0, n)
	out = append(out, m.in[:8]...)
	for _, s := range m.sections {
		if s.drop {
			continue
		}
		c := s.content
		if s.out != nil {
			c = s.out
		}
		out = append(out, s.id)
		out = appendULEB(out, uint64(len(c)))
		out = append(out, c...)
	}
	return out
}

func appendName(b []byte, s string) []byte {
	b = appendULEB(b, uint64(len(s)))
	return append(b, s...)
}

// constExpr copies a constant expression from r to b, renumbering ref.func.
func (m *module) constExpr(r *reader, b []byte) []byte {
	for {
		at := r.p
		op := r.byte()
		switch op {
		case 0x0b: // end
			return append(b, op)
		case 0x41: // i32.const
			r.s32("i32 constant")
		case 0x42: // i64.const
			r.s64("i64 constant")
		case 0x43:
			r.bytes(4)
		case 0x44:
			r.bytes(8)
		case 0x23: // global.get
			r.u32("global index")
		case 0xd0: // ref.null
			r.refNull()
		case 0xd2: // ref.func
			idxAt := r.p
			idx := m.remap(r, idxAt, r.u32("function index"))
			b = append(b, op)
			b = appendULEB(b, uint64(idx))
			continue
		case 0x6a, 0x6b, 0x6c, 0x7c, 0x7d, 0x7e: // extended constant expressions
		case prefixSIMD:
			if sub := r.u32("SIMD opcode"); sub != 0x0c {
				r.failAt(at, fmt.Sprintf("0xfd %#x", sub), "instruction not allowed in a constant expression")
			}
			r.bytes(16)
		default:
			r.failAt(at, fmt.Sprintf("%#02x", op), "instruction not allowed in a constant expression")
		}
		b = append(b, r.b[at:r.p]...)
	}
}

func (m *module) funcIndexVec(r *reader, b []byte) []byte {
	n := r.count("function index count", 1)
	b = appendULEB(b, uint64(n))
	for range n {
		at := r.p
		b = appendULEB(b, uint64(m.remap(r, at, r.u32("function index"))))
	}
	return b
}

func (m *module) exprVec(r *reader, b []byte) []byte {
	n := r.count("element expression count", 1)
	b = appendULEB(b, uint64(n))
	for range n {
		b = m.constExpr(r, b)
	}
	return b
}

func (m *module) elements(s *section) []byte {
	r := newReader(s.content, s.off, "element")
	n := r.count("element segment count", 2)
	b := appendULEB(nil, uint64(n))
	for range n {
		at := r.p
		flags := r.u32("element segment flags")
		b = appendULEB(b, uint64(flags))
		elemKind := func() {
			kat := r.p
			if k := r.byte(); k != 0 {
				r.failAt(kat, "", "unsupported element kind %#x", k)
			}
			b = append(b, 0)
		}
		switch flags {
		case 0: // active, table 0, function indices
			b = m.constExpr(r, b)
			b = m.funcIndexVec(r, b)
		case 1, 3: // passive / declarative, function indices
			elemKind()
			b = m.funcIndexVec(r, b)
		case 2: // active, explicit table, function indices
			b = appendULEB(b, uint64(r.u32("table index")))
			b = m.constExpr(r, b)
			elemKind()
			b = m.funcIndexVec(r, b)
		case 4: // active, table 0, expressions
			b = m.constExpr(r, b)
			b = m.exprVec(r, b)
		case 5, 7: // passive / declarative, expressions
			start := r.p
			r.refType()
			b = append(b, r.b[start:r.p]...)
			b = m.exprVec(r, b)
		case 6: // active, explicit table, expressions
			b = appendULEB(b, uint64(r.u32("table index")))
			b = m.constExpr(r, b)
			start := r.p
			r.refType()
			b = append(b, r.b[start:r.p]...)
			b = m.exprVec(r, b)
		default:
			r.failAt(at, "", "unsupported element segment flags %d", flags)
		}
	}
	m.end(r)
	return b
}

// names rewrites the "name" custom section: the function-indexed
// subsections (function, local and label names) are renumbered, the others
// copied. It reports false if the section cannot be decoded, in which case
// the section is dropped (it is optional: only stack traces lose names).
func (m *module) names(s *section) (out []byte, ok bool) {
	defer func() {
		if r := recover(); r != nil {
			if _, isFailure := r.(failure); !isFailure {
				panic(r)
			}
			out, ok = nil, false
		}
	}()
	r := newReader(s.content, s.off, "name")
	r.name("custom section name")
	b := appendName(nil, "name")
	remap := func(sr *reader) uint32 {
		at := sr.p
		return m.remap(sr, at, sr.u32("function index"))
	}
	for !r.eof() {
		id := r.byte()
		size := r.u32("subsection size")
		subOff := r.abs()
		content := r.bytes(int(size))
		var sub []byte
		switch id {
		case 1: // function names: namemap
			sr := newReader(content, subOff, "name")
			n := sr.count("name count", 2)
			sub = appendULEB(sub, uint64(n))
			for range n {
				sub = appendULEB(sub, uint64(remap(sr)))
				sub = appendName(sub, sr.name("function name"))
			}
			m.end(sr)
		case 2, 3: // local names, label names: indirect namemap
			sr := newReader(content, subOff, "name")
			n := sr.count("name count", 2)
			sub = appendULEB(sub, uint64(n))
			for range n {
				sub = appendULEB(sub, uint64(remap(sr)))
				start := sr.p
				k := sr.count("name count", 2)
				for range k {
					sr.u32("index")
					sr.name("name")
				}
				sub = append(sub, content[start:sr.p]...)
			}
			m.end(sr)
		default:
			sub = content
		}
		b = append(b, id)
		b = appendULEB(b, uint64(len(sub)))
		b = append(b, sub...)
	}
	return b, true
}
