package fuel

import (
	"fmt"
	"math"
)

// Instruction kinds that pass 2 treats specially.
const (
	kindPlain   = iota
	kindFuncRef // call, return_call, ref.func: renumber the function index
	kindBulkMem // memory.init/copy/fill: charge the length at run time
	kindBulkTab // table.init/copy/fill: charge the length at run time
)

type instr struct {
	start, end uint32 // byte range in the body
	fidx       uint32 // kindFuncRef: function index (input numbering)
	op         byte
	kind       uint8
}

// A segment is straight-line code: if its first instruction runs, all of
// them run (unless a trap or an exit intervenes). Its static cost is charged
// before its first instruction.
type segment struct {
	at    int   // index of the instruction before which the charge goes
	cost  int64 // static cost of the segment's instructions
	check bool  // also check the counter (function entry, loop header)
	dead  bool  // unreachable code: nothing is emitted
}

type frame struct {
	op       byte // 0x02 block, 0x03 loop, 0x04 if, 0 function
	targeted bool // some branch targets this label
	dead     bool // the frame was entered in unreachable code
	hasElse  bool
}

type rewriter struct {
	m      *module
	instrs []instr
	segs   []segment
	frames []frame
	out    []byte

	charge1 []byte // global.get $fuel; i64.const (cost follows)
	charge2 []byte // i64.sub; global.set $fuel
	check   []byte // global.get $fuel; i64.const 0; i64.lt_s; if; call $cb; end
}

func (m *module) code(s *section) []byte {
	r := newReader(s.content, s.off, "code")
	n := r.count("function body count", 2)
	if n != len(m.funcTypes) {
		r.failAt(0, "", "%d function bodies for %d declared functions", n, len(m.funcTypes))
	}
	w := &rewriter{m: m}
	f := appendULEB(nil, uint64(m.fuelIdx))
	w.charge1 = append(append([]byte{0x23}, f...), 0x42)
	w.charge2 = append([]byte{0x7d, 0x24}, f...)
	w.check = append(append([]byte{0x23}, f...), 0x42, 0x00, 0x53, 0x04, 0x40, 0x10)
	w.check = append(appendULEB(w.check, uint64(m.cbIdx)), 0x0b)

	out := make([]byte, 0, len(s.content)+len(s.content)/4+64)
	out = appendULEB(out, uint64(n))
	for i := range n {
		size := r.u32("function body size")
		bodyOff := r.abs()
		body := r.bytes(int(size))
		br := newReader(body, bodyOff, "code")
		br.fn = int(m.nFuncImp) + i
		nParams := m.types[m.funcTypes[i]].params
		w.out = w.out[:0]
		w.function(br, nParams)
		out = appendULEB(out, uint64(len(w.out)))
		out = append(out, w.out...)
	}
	m.end(r)
	return out
}

// function rewrites one function body from r into w.out.
func (w *rewriter) function(r *reader, nParams int) {
	// Locals.
	groups := r.count("local group count", 2)
	locals := uint64(nParams)
	for range groups {
		locals += uint64(r.u32("local count"))
		r.valType()
	}
	if locals > math.MaxUint32 {
		r.fail("too many locals (%d)", locals)
	}
	localDecls := r.b[:r.p] // group count + groups

	bulk := w.decode(r)

	// Pass 2: emit.
	scratch := uint32(locals)
	if bulk {
		if locals+1 > math.MaxUint32 {
			r.fail("too many locals to add a scratch local")
		}
		w.out = appendULEB(w.out, uint64(groups)+1)
		_, n, _ := decodeULEB(localDecls, 32)
		w.out = append(w.out, localDecls[n:]...)
		w.out = append(w.out, 0x01, 0x7f) // one i32
	} else {
		w.out = append(w.out, localDecls...)
	}
	body := r.b
	k := 0
	for i := range w.instrs {
		in := &w.instrs[i]
		for k < len(w.segs) && w.segs[k].at == i {
			w.emitSegment(&w.segs[k])
			k++
		}
		switch in.kind {
		case kindFuncRef:
			w.out = append(w.out, in.op)
			w.out = appendULEB(w.out, uint64(w.m.remap(r, int(in.start)+1, in.fidx)))
			continue
		case kindBulkMem, kindBulkTab:
			w.emitDynamic(scratch, in.kind == kindBulkMem)
		}
		w.out = append(w.out, body[in.start:in.end]...)
	}
}

func (w *rewriter) emitSegment(s *segment) {
	if s.cost != 0 {
		w.out = append(w.out, w.charge1...)
		w.out = appendSLEB(w.out, s.cost)
		w.out = append(w.out, w.charge2...)
	}
	if s.check {
		w.out = append(w.out, w.check...)
	}
}

// emitDynamic charges the length operand (an i32 on top of the stack) of a
// bulk instruction, checks the counter, and leaves the operand in place.
func (w *rewriter) emitDynamic(scratch uint32, memory bool) {
	o := w.out
	o = appendULEB(append(o, 0x21), uint64(scratch)) // local.set $n
	o = append(o, w.charge1[:len(w.charge1)-1]...)   // global.get $fuel
	o = appendULEB(append(o, 0x20), uint64(scratch)) // local.get $n
	o = append(o, 0xad)                              // i64.extend_i32_u
	if memory {
		o = append(o, 0x42, bulkMemoryShift, 0x88) // i64.const 3; i64.shr_u
	}
	o = append(o, w.charge2...)                      // i64.sub; global.set $fuel
	o = append(o, w.check...)                        // if fuel < 0: call $cb
	o = appendULEB(append(o, 0x20), uint64(scratch)) // local.get $n
	w.out = o
}

// decode is pass 1: it decodes the instructions of a function body into
// w.instrs, tracking control frames, and splits the body into segments
// (w.segs). It reports whether the body has bulk instructions.
func (w *rewriter) decode(r *reader) (bulk bool) {
	w.instrs = w.instrs[:0]
	w.segs = w.segs[:0]
	w.frames = append(w.frames[:0], frame{})
	cur := segment{at: 0, check: true}
	loops := 0               // loops open at the current instruction
	callOutsideLoop := false // a call that is not inside a loop

	// endSeg closes the current segment. A zero-cost check is dropped when
	// another check follows at once (a loop header) or the function ends
	// (dropZeroCheck).
	endSeg := func(dropZeroCheck bool) {
		if cur.dead {
			return
		}
		if cur.check {
			if cur.cost == 0 && dropZeroCheck {
				return
			}
		} else if cur.cost == 0 {
			return
		}
		w.segs = append(w.segs, cur)
	}
	target := func(at int, depth uint32) {
		if uint64(depth) >= uint64(len(w.frames)) {
			r.failAt(at, "", "branch depth %d out of range", depth)
		}
		w.frames[len(w.frames)-1-int(depth)].targeted = true
	}

	for {
		if r.eof() {
			r.fail("function body ends inside a block")
		}
		at := r.p
		op := r.byte()
		in := instr{start: uint32(at), op: op}
		i := len(w.instrs)
		var sub uint32
		opName := func() string {
			if op == prefixMisc || op == prefixSIMD || op == prefixAtomic {
				return fmt.Sprintf("%#02x %#x", op, sub)
			}
			return fmt.Sprintf("%#02x", op)
		}
		next := func(check, dead bool) { cur = segment{at: i + 1, check: check, dead: dead} }

		switch {
		case op == 0x00: // unreachable
		case op == 0x01: // nop
		case op == 0x02 || op == 0x03 || op == 0x04: // block, loop, if
			w.blockType(r)
		case op == 0x05: // else
		case op == 0x0b: // end
		case op == 0x0c || op == 0x0d: // br, br_if
			target(at, r.u32("label"))
		case op == 0x0e: // br_table
			n := r.count("br_table size", 1)
			for range n + 1 {
				lat := r.p
				target(lat, r.u32("label"))
			}
		case op == 0x0f: // return
		case op == 0x10 || op == 0x12: // call, return_call
			in.kind, in.fidx = kindFuncRef, r.u32("function index")
		case op == 0x11 || op == 0x13: // call_indirect, return_call_indirect
			r.u32("type index")
			r.u32("table index")
		case op == 0x14 || op == 0x15: // call_ref, return_call_ref
			r.u32("type index")
		case op == 0xd5 || op == 0xd6: // br_on_null, br_on_non_null
			target(at, r.u32("label"))
		case op == 0x1a || op == 0x1b: // drop, select
		case op == 0x1c: // select t*
			n := r.count("select type count", 1)
			for range n {
				r.valType()
			}
		case op >= 0x20 && op <= 0x22: // local.get/set/tee
			r.u32("local index")
		case op == 0x23 || op == 0x24: // global.get/set
			r.u32("global index")
		case op == 0x25 || op == 0x26: // table.get/set
			r.u32("table index")
		case op >= 0x28 && op <= 0x3e: // loads, stores
			w.memarg(r, at, opName)
		case op == 0x3f || op == 0x40: // memory.size, memory.grow
			r.u32("memory index")
		case op == 0x41:
			r.s32("i32 constant")
		case op == 0x42:
			r.s64("i64 constant")
		case op == 0x43:
			r.bytes(4)
		case op == 0x44:
			r.bytes(8)
		case op >= 0x45 && op <= 0xc4: // numeric, sign extension
		case op == 0xd0: // ref.null
			r.refNull()
		case op == 0xd1 || op == 0xd4: // ref.is_null, ref.as_non_null
		case op == 0xd2: // ref.func
			in.kind, in.fidx = kindFuncRef, r.u32("function index")
		case op == prefixMisc:
			sub = r.u32("0xfc sub-opcode")
			switch {
			case sub <= 7: // saturating truncation
			case sub == 8: // memory.init
				r.u32("data index")
				r.u32("memory index")
			case sub == 9: // data.drop
				r.u32("data index")
			case sub == 10: // memory.copy
				r.u32("memory index")
				r.u32("memory index")
			case sub == 11: // memory.fill
				r.u32("memory index")
			case sub == 12: // table.init
				r.u32("element index")
				r.u32("table index")
			case sub == 13: // elem.drop
				r.u32("element index")
			case sub == 14: // table.copy
				r.u32("table index")
				r.u32("table index")
			case sub >= 15 && sub <= 17: // table.grow/size/fill
				r.u32("table index")
			default:
				r.failAt(at, opName(), "unknown instruction")
			}
			switch bulkKind(op, sub) {
			case bulkMemory:
				in.kind, bulk = kindBulkMem, true
			case bulkTable:
				in.kind, bulk = kindBulkTab, true
			}
		case op == prefixSIMD:
			// wazero v1.12.0 reads the SIMD sub-opcode as one byte, not as
			// the LEB128 u32 of the specification. Decoding as it does keeps
			// instruction boundaries identical to the engine's: a canonical
			// encoding of an opcode >= 0x80 (XX 01) is then the instruction
			// followed by 01, a nop, which is exactly what wazero runs.
			sub = uint32(r.byte())
			switch simdImmediates(sub) {
			case simdNone:
			case simdMemarg:
				w.memarg(r, at, opName)
			case simdMemargLane:
				w.memarg(r, at, opName)
				r.byte()
			case simdLane:
				r.byte()
			case simd16Bytes:
				r.bytes(16)
			default:
				r.failAt(at, opName(), "unknown SIMD instruction")
			}
		case op == prefixAtomic:
			sub = uint32(r.byte()) // one byte, as wazero reads it (all are < 0x80)
			switch {
			case sub <= 2 || (sub >= 0x10 && sub <= 0x4e):
				w.memarg(r, at, opName)
			case sub == 3: // atomic.fence
				if r.byte() != 0 {
					r.failAt(at, opName(), "atomic.fence reserved byte not zero")
				}
			default:
				r.failAt(at, opName(), "unknown atomic instruction")
			}
		default:
			r.failAt(at, opName(), "unsupported instruction (exception handling and GC are not supported)")
		}
		in.end = uint32(r.p)
		w.instrs = append(w.instrs, in)
		cur.cost += Cost(op, sub)
		switch op {
		case 0x10, 0x11, 0x12, 0x13, 0x14, 0x15: // call, call_indirect, return_call*, call_ref
			if loops == 0 {
				callOutsideLoop = true
			}
		}

		// Control flow: frames and segments.
		top := &w.frames[len(w.frames)-1]
		switch op {
		case 0x02: // block: entering is unconditional, the segment goes on
			w.frames = append(w.frames, frame{op: op, dead: cur.dead})
		case 0x03: // loop: a branch target; check at its header
			loops++
			w.frames = append(w.frames, frame{op: op, dead: cur.dead})
			endSeg(true)
			next(true, cur.dead)
		case 0x04: // if
			w.frames = append(w.frames, frame{op: op, dead: cur.dead})
			endSeg(false)
			next(false, cur.dead)
		case 0x05: // else
			if top.op != 0x04 || top.hasElse {
				r.failAt(at, opName(), "else without if")
			}
			top.hasElse = true
			endSeg(false)
			next(false, top.dead)
		case 0x0b: // end
			f := *top
			w.frames = w.frames[:len(w.frames)-1]
			if f.op == 0x03 {
				loops--
			}
			switch {
			case len(w.frames) == 0: // the function's end
				endSeg(true)
				if !r.eof() {
					r.fail("%d bytes after the end of the function", r.left())
				}
				if !callOutsideLoop && len(w.segs) > 0 && w.segs[0].at == 0 && w.segs[0].check {
					// Every call is inside a loop, so behind a loop
					// header's check: the entry needs no check. Without
					// one the function runs a bounded loop-free path
					// before a loop check or its return.
					w.segs[0].check = false
					if w.segs[0].cost == 0 {
						w.segs = w.segs[1:]
					}
				}
				return bulk
			case f.op == 0x04 || (f.op == 0x02 && f.targeted):
				// Reached from more than one place: a new segment.
				endSeg(false)
				next(false, f.dead)
			}
			// An untargeted block's end or a loop's end is reached only by
			// falling through: the segment goes on.
		case 0x0d, 0xd5, 0xd6: // br_if, br_on_null, br_on_non_null
			endSeg(false)
			next(false, cur.dead)
		case 0x00, 0x0c, 0x0e, 0x0f, 0x12, 0x13, 0x15: // unreachable, br, br_table, return, return_call*
			endSeg(false)
			next(false, true)
		}
	}
}

// blockType skips a block type, decoded as wazero v1.12.0 decodes it: an
// s33 that is empty (-64), a value type, a typed reference followed by its
// heap type, or a type index.
func (w *rewriter) blockType(r *reader) {
	at := r.p
	switch t := r.s33("block type"); {
	case t == -64, t >= -5 && t <= -1, t == -16, t == -17, t == -23:
	case t == -29 || t == -28: // (ref null ht), (ref ht)
		r.heapType()
	case t >= 0 && t < int64(len(w.m.types)):
	default:
		r.failAt(at, "", "unsupported block type %d", t)
	}
}

func (w *rewriter) memarg(r *reader, at int, opName func() string) {
	if a := r.u32("alignment"); a >= 64 {
		r.failAt(at, opName(), "multi-memory memarg (alignment flags %#x) is not supported", a)
	}
	r.u32("offset")
}

// SIMD immediate layouts.
const (
	simdUnknown = iota
	simdNone
	simdMemarg
	simdMemargLane
	simdLane
	simd16Bytes
)

func simdImmediates(sub uint32) int {
	switch {
	case sub <= 0x0b, sub == 0x5c, sub == 0x5d: // loads, store, load_zero
		return simdMemarg
	case sub == 0x0c, sub == 0x0d: // v128.const, i8x16.shuffle
		return simd16Bytes
	case sub >= 0x15 && sub <= 0x22: // extract/replace lane
		return simdLane
	case sub >= 0x54 && sub <= 0x5b: // load/store lane
		return simdMemargLane
	}
	switch sub {
	case 0x9a, 0xa2, 0xa5, 0xa6, 0xaf, 0xb0, 0xb2, 0xb3, 0xb4, 0xbb, 0xc2, 0xc5, 0xc6, 0xcf,
		0xd0, 0xd2, 0xd3, 0xd4, 0xe2, 0xee: // unassigned
		return simdUnknown
	}
	return simdNone
}
