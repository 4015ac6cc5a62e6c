package fuel

// The cost model. One unit of fuel is one executed WebAssembly instruction,
// with two refinements:
//
//   - Structural markers that compile to no code (nop, block, loop, else,
//     end) cost 0.
//   - Bulk instructions whose work is proportional to a run-time length are
//     charged that length too (see Dynamic), read from their operand just
//     before they run.
//
// The model is deliberately simple and architecture-neutral: the host turns
// fuel into cycles with its own factor (cycles per instruction) and cycles
// into virtual time with the core's clock. Changing a cost changes every
// virtual timestamp a guest produces, so the model is part of the
// emulator's deterministic behaviour and is versioned with it.

// Opcodes with a prefix byte.
const (
	prefixMisc   = 0xfc // saturating truncation, bulk memory, table ops
	prefixSIMD   = 0xfd
	prefixAtomic = 0xfe
)

// BulkMemoryBytesPerFuel is how many bytes of memory.copy, memory.fill or
// memory.init one unit of fuel pays for (a power of two).
const BulkMemoryBytesPerFuel = 8

const bulkMemoryShift = 3 // log2(BulkMemoryBytesPerFuel)

// TableElemsPerFuel is how many table elements of table.copy, table.fill or
// table.init one unit of fuel pays for.
const TableElemsPerFuel = 1

// Cost returns the static fuel charged for one instruction: op is its first
// byte; sub is the LEB128 sub-opcode that follows the prefixes 0xFC, 0xFD and
// 0xFE and is ignored for other opcodes. Bulk instructions are charged
// Cost plus Dynamic.
func Cost(op byte, sub uint32) int64 {
	switch op {
	case 0x01, 0x02, 0x03, 0x05, 0x0b: // nop, block, loop, else, end
		return 0
	}
	return 1
}

// Dynamic returns the run-time part of an instruction's cost for a length
// operand n: n/BulkMemoryBytesPerFuel (rounded down) for memory.copy,
// memory.fill and memory.init; n/TableElemsPerFuel for table.copy,
// table.fill and table.init; 0 for every other instruction.
func Dynamic(op byte, sub uint32, n uint32) int64 {
	switch bulkKind(op, sub) {
	case bulkMemory:
		return int64(n >> bulkMemoryShift)
	case bulkTable:
		return int64(n / TableElemsPerFuel)
	}
	return 0
}

const (
	bulkNone = iota
	bulkMemory
	bulkTable
)

// bulkKind says whether an instruction takes a length operand (an i32 on top
// of the stack) that Dynamic charges.
func bulkKind(op byte, sub uint32) int {
	if op != prefixMisc {
		return bulkNone
	}
	switch sub {
	case 8, 10, 11: // memory.init, memory.copy, memory.fill
		return bulkMemory
	case 12, 14, 17: // table.init, table.copy, table.fill
		return bulkTable
	}
	return bulkNone
}
